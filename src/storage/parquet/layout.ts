import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, StorageError } from '../../core/errors.js';
import { makeSeries, type Series } from '../../core/series.js';

/** Directory name of trade series where candles have their granularity. */
export const TRADE_GRANULARITY_DIR = 'tick';

const DAY_FILE_RE = /^(\d{4}-\d{2}-\d{2})\.parquet$/;

function badPath(message: string): never {
  throw new InvalidArgumentError(message, 'BAD_PATH');
}

/**
 * Encodes any string as one safe path segment, reversibly: like
 * `encodeURIComponent` (`BTC/USDT` -> `BTC%2FUSDT`, `%` -> `%25`), and also
 * `*`, `!`, `'`, `(`, `)`, `~` (glob and quoting characters) and a leading `.`,
 * so no segment is `.`, `..`, hidden or a glob.
 * @example encodeSegment('BTC/USDT') // 'BTC%2FUSDT'
 */
export function encodeSegment(text: string): string {
  if (text === '') badPath('empty path segment');
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch (cause) {
    throw new InvalidArgumentError(`cannot encode '${text}' as a path segment`, 'BAD_PATH', {
      cause,
    });
  }
  encoded = encoded.replace(/[*!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return encoded.startsWith('.') ? `%2E${encoded.slice(1)}` : encoded;
}

/**
 * Decodes a segment made by {@link encodeSegment}. Only the canonical encoding
 * is accepted, so every stored name maps to exactly one directory.
 */
export function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch (cause) {
    throw new InvalidArgumentError(`bad path segment '${segment}'`, 'BAD_PATH', { cause });
  }
  if (decoded === '' || encodeSegment(decoded) !== segment) {
    badPath(`path segment '${segment}' is not canonically encoded`);
  }
  return decoded;
}

/** Resolves `parts` under `dataDir`, refusing anything that would land outside it. */
export function insideDataDir(dataDir: string, ...parts: string[]): string {
  const root = path.resolve(dataDir);
  for (const part of parts) {
    if (
      part === '' ||
      part === '.' ||
      part === '..' ||
      part.includes('/') ||
      part.includes('\\') ||
      part.includes('\0')
    ) {
      badPath(`unsafe path segment '${part}'`);
    }
  }
  const full = path.resolve(root, ...parts);
  if (full !== root && !full.startsWith(root + path.sep)) badPath(`path escapes the data dir`);
  return full;
}

/** Directory segments of a series below the data dir: source, subject, kind, granularity. */
export function seriesSegments(series: Series): [string, string, string, string] {
  return [
    encodeSegment(series.source),
    encodeSegment(series.subject),
    encodeSegment(series.kind),
    series.kind === 'trade' ? TRADE_GRANULARITY_DIR : encodeSegment(series.granularity ?? ''),
  ];
}

/** `{dataDir}/{source}/{subject}/{kind}/{granularity}` for a series. */
export function seriesDir(dataDir: string, series: Series): string {
  return insideDataDir(dataDir, ...seriesSegments(series));
}

/** The file of one UTC day (`YYYY-MM-DD`) of a series. */
export function dayFilePath(dataDir: string, series: Series, day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) badPath(`bad day '${day}' (expected YYYY-MM-DD)`);
  return insideDataDir(dataDir, ...seriesSegments(series), `${day}.parquet`);
}

/** One stored day file of a series. */
export interface DayFile {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Absolute path. */
  readonly path: string;
  readonly sizeBytes: number;
}

/** The UTC days a series has a day file for, sorted, from one directory listing (no stat). */
export async function listDays(dataDir: string, series: Series): Promise<string[]> {
  const names = await readDirNames(seriesDir(dataDir, series));
  return names
    .map((name) => DAY_FILE_RE.exec(name)?.[1])
    .filter((day): day is string => day !== undefined)
    .sort();
}

/** The day files of a series, sorted by day; empty when nothing is stored. */
export async function listDayFiles(dataDir: string, series: Series): Promise<DayFile[]> {
  const dir = seriesDir(dataDir, series);
  const days = await listDays(dataDir, series);
  const files: DayFile[] = [];
  // Synchronous stats: a year is 365 files, and awaiting a thread-pool round trip for
  // each made every manifest, bundle and read of the series wait ~20 ms (far more on a
  // busy machine) for what takes ~1 ms.
  for (const day of days) {
    const file = path.join(dir, `${day}.parquet`);
    let s: ReturnType<typeof statSync>;
    try {
      s = statSync(file, { throwIfNoEntry: false });
    } catch (error) {
      throw new StorageError(`cannot stat ${file}`, { cause: error });
    }
    // Listed a moment ago: another process may have just replaced it; skip only if it is gone.
    if (s !== undefined) files.push({ day, path: file, sizeBytes: s.size });
  }
  return files;
}

/**
 * Parses a day file path (absolute, or relative to `dataDir`) back to its
 * series and day. Throws `InvalidArgumentError` for anything that is not a
 * canonical day file inside the data dir.
 */
export function parseDayFilePath(dataDir: string, file: string): { series: Series; day: string } {
  const root = path.resolve(dataDir);
  const full = path.resolve(root, file);
  if (!full.startsWith(root + path.sep)) badPath(`'${file}' is outside the data dir`);
  const parts = full.slice(root.length + 1).split(path.sep);
  if (parts.length !== 5) badPath(`'${file}' is not a day file of a series`);
  const [source, subject, kind, granularity, name] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const day = DAY_FILE_RE.exec(name)?.[1];
  if (day === undefined) badPath(`'${name}' is not a day file name (YYYY-MM-DD.parquet)`);
  const series = seriesFromSegments(source, subject, kind, granularity);
  return { series, day };
}

/** Decodes the four directory segments of a series; throws `InvalidArgumentError` if they are not one. */
export function seriesFromSegments(
  source: string,
  subject: string,
  kind: string,
  granularity: string,
): Series {
  const decodedKind = decodeSegment(kind);
  const series = makeSeries({
    source: decodeSegment(source),
    subject: decodeSegment(subject),
    kind: decodedKind,
    granularity: decodedKind === 'trade' ? undefined : decodeSegment(granularity),
  });
  // Only the canonical directory counts: `60s` is not a second home for `1m`.
  if (seriesSegments(series).join('/') !== [source, subject, kind, granularity].join('/')) {
    badPath(`'${[source, subject, kind, granularity].join('/')}' is not a canonical series dir`);
  }
  return series;
}

/** Names in a directory; empty when it does not exist. */
export async function readDirNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw new StorageError(`cannot list ${dir}`, { cause: error });
  }
}

/** Whether an fs error means "no such file or directory". */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
