/**
 * @module Coverage metadata: one JSON file per series under
 * `{data}/.gapless/coverage/`, outside the Parquet tree, so the data tree
 * holds only Parquet files and any reader can scan a series folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { mergeRanges, type Range } from '../core/range-math.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { removeQuietly, writeFileAtomic } from './atomic-file.js';
import { makeDir } from './make-dir.js';
import { insideDataDir, isNotFound, seriesDir, seriesSegments } from './parquet/layout.js';

/** Where coverage files live, under the data dir (a dot folder: no Parquet reader lists it). */
export const COVERAGE_DIR = ['.gapless', 'coverage'] as const;

/** The file of earlier versions, beside the day files; read once, then moved out. */
const LEGACY_COVERAGE_FILE = '_coverage.json';

/** The coverage file of a series: `{data}/.gapless/coverage/{source}/{subject}/{kind}/{granularity}.json`. */
export function coverageFilePath(dataDir: string, series: Series): string {
  const [source, subject, kind, granularity] = seriesSegments(series);
  return insideDataDir(dataDir, ...COVERAGE_DIR, source, subject, kind, `${granularity}.json`);
}

/** What a coverage file holds: the series id and its covered `[startMs, endMs)` pairs. */
export interface CoverageDocument {
  readonly series: string;
  readonly ranges: [number, number][];
}

/** The covered ranges of a series; empty when it has none. */
export async function readCoverage(dataDir: string, series: Series): Promise<Range[]> {
  const found =
    (await readCoverageAt(coverageFilePath(dataDir, series), series)) ??
    (await readCoverageAt(path.join(seriesDir(dataDir, series), LEGACY_COVERAGE_FILE), series));
  return found ?? [];
}

async function readCoverageAt(file: string, series: Series): Promise<Range[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new StorageError(`cannot read ${file}`, { cause: error });
  }
  return parseCoverage(text, file, series);
}

/**
 * Adds `range` to the coverage of a series, merged and bar-aligned, and
 * writes the file atomically. Returns the new coverage.
 */
export async function addCoverage(dataDir: string, series: Series, range: Range): Promise<Range[]> {
  const merged = mergeRanges(
    [...(await readCoverage(dataDir, series)), range],
    seriesStepMs(series),
  );
  const doc: CoverageDocument = {
    series: seriesId(series),
    ranges: merged.map((r) => [r.startMs, r.endMs]),
  };
  const file = coverageFilePath(dataDir, series);
  try {
    await makeDir(path.dirname(file));
  } catch (cause) {
    throw new StorageError(`cannot create ${path.dirname(file)}`, { cause });
  }
  await writeFileAtomic(file, `${JSON.stringify(doc)}\n`);
  // The new file holds everything the old one did: the old one goes.
  await removeQuietly(path.join(seriesDir(dataDir, series), LEGACY_COVERAGE_FILE));
  return merged;
}

function parseCoverage(text: string, file: string, series: Series): Range[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new StorageError(`corrupt coverage file ${file}: not JSON`, { cause });
  }
  const named = (doc as { series?: unknown } | null)?.series;
  // A file copied from another series would claim that series' rows for this one.
  if (named !== seriesId(series)) {
    throw new StorageError(
      `corrupt coverage file ${file}: it names ${JSON.stringify(named)}, not ${seriesId(series)}`,
    );
  }
  const ranges = (doc as { ranges?: unknown } | null)?.ranges;
  if (!Array.isArray(ranges)) throw new StorageError(`corrupt coverage file ${file}: no ranges`);
  return ranges.map((pair: unknown) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !Number.isSafeInteger(pair[0]) ||
      !Number.isSafeInteger(pair[1]) ||
      pair[1] <= pair[0]
    ) {
      throw new StorageError(`corrupt coverage file ${file}: bad range ${JSON.stringify(pair)}`);
    }
    return { startMs: pair[0] as number, endMs: pair[1] as number };
  });
}
