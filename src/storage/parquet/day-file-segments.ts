/** @module Day file URL segments to a file path that provably stays inside the data root. */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { clip } from '../../core/clip.js';
import { InvalidArgumentError, NotFoundError } from '../../core/errors.js';
import { makeSeries, seriesId } from '../../core/series.js';
import type { DayFileSegments, ServedDayFile } from '../store.js';
import { dayFilePath, isNotFound, parseDayFilePath, TRADE_GRANULARITY_DIR } from './layout.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const UNSAFE_SEGMENT_RE = /[/\\\u0000-\u001f%]/;
const DAY_FILE_RE = /^(\d{4}-\d{2}-\d{2})\.parquet$/;

/**
 * Turns the five URL segments into a day file path that is provably inside
 * the data dir: each segment is checked, the series is rebuilt from its
 * decoded parts and re-encoded by the layout (so `..`, `/`, `\` and NUL
 * cannot survive as path syntax), the result must parse back to the same
 * series and day, and its real path (symlinks resolved) must stay under the
 * real data dir.
 *
 * `subject` is the subject URL-encoded as one segment (`BTC%2FUSDT`), which is
 * exactly the segment the manifest's `path` carries.
 */
export async function resolveDayFile(
  dataDir: string,
  params: DayFileSegments,
): Promise<ServedDayFile> {
  const { source = '', subject = '', kind = '', granularity = '', file = '' } = params;
  for (const [name, value] of Object.entries({ source, kind, granularity, file })) {
    if (
      value === '' ||
      value.length > 100 ||
      UNSAFE_SEGMENT_RE.test(value) ||
      value === '.' ||
      value === '..'
    ) {
      throw new InvalidArgumentError(`bad ${name} segment '${clip(value)}'`, 'BAD_PATH');
    }
  }
  const day = DAY_FILE_RE.exec(file)?.[1];
  if (day === undefined) {
    throw new InvalidArgumentError(
      `bad file name '${clip(file)}' (expected YYYY-MM-DD.parquet)`,
      'BAD_PATH',
    );
  }
  if (kind === 'trade' && granularity !== TRADE_GRANULARITY_DIR) {
    throw new InvalidArgumentError(
      `trade files live under '${TRADE_GRANULARITY_DIR}', got '${clip(granularity)}'`,
      'BAD_PATH',
    );
  }
  const series = makeSeries({
    source,
    subject,
    kind,
    granularity: kind === 'trade' ? undefined : granularity,
  });
  if (series.kind === 'candle' && series.granularity !== granularity) {
    throw new InvalidArgumentError(
      `granularity '${clip(granularity)}' is not canonical (use '${series.granularity}')`,
      'BAD_PATH',
    );
  }
  const full = dayFilePath(dataDir, series, day);
  const back = parseDayFilePath(dataDir, full);
  if (seriesId(back.series) !== seriesId(series) || back.day !== day) {
    throw new InvalidArgumentError('path does not name a day file of a series', 'BAD_PATH');
  }
  try {
    const [realRoot, realFile] = await Promise.all([realpath(dataDir), realpath(full)]);
    if (!realFile.startsWith(realRoot + path.sep)) {
      throw new InvalidArgumentError('path escapes the data dir', 'BAD_PATH');
    }
  } catch (error) {
    if (isNotFound(error))
      throw new NotFoundError(`no file for ${seriesId(series)} on ${day}`, 'FILE_NOT_FOUND');
    throw error;
  }
  return { series, day, absolutePath: full };
}
