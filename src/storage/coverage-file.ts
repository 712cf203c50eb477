/**
 * @module Coverage metadata: one JSON file per series under
 * `{data}/.gapless/coverage/`, outside the Parquet tree, so the data tree
 * holds only Parquet files and any reader can scan a series folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { ceilToBar } from '../core/granularity.js';
import { mergeRanges, type Range, subtractRanges } from '../core/range-math.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { DAY_MS, utcDay } from '../core/time.js';
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

/**
 * What a coverage file holds: the series id, its covered `[startMs, endMs)`
 * pairs and the rows of each day file as last written, what `verify` holds
 * the files to (absent in files of earlier versions): `rows[i]` is the day
 * `from` + i, `null` where no file was written. An array, not an object keyed
 * by day: five years of days parse 12 times faster, and every read parses it.
 */
export interface CoverageDocument {
  readonly series: string;
  readonly ranges: [number, number][];
  readonly records?: { readonly from: string; readonly rows: (number | null)[] };
}

/** A series' coverage and the rows each of its day files held when written, by UTC day. */
export interface SeriesCoverage {
  readonly ranges: Range[];
  readonly records: ReadonlyMap<string, number>;
}

const NO_COVERAGE: SeriesCoverage = { ranges: [], records: new Map() };

/** The covered ranges of a series; empty when it has none. */
export async function readCoverage(dataDir: string, series: Series): Promise<Range[]> {
  return (await readDocument(dataDir, series, false)).ranges;
}

/** The covered ranges of a series and the rows recorded per day file. */
export function readSeriesCoverage(dataDir: string, series: Series): Promise<SeriesCoverage> {
  return readDocument(dataDir, series, true);
}

// Records only when asked: every read of coverage would pay for them.
async function readDocument(
  dataDir: string,
  series: Series,
  withRecords: boolean,
): Promise<SeriesCoverage> {
  for (const file of [
    coverageFilePath(dataDir, series),
    path.join(seriesDir(dataDir, series), LEGACY_COVERAGE_FILE),
  ]) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) continue;
      throw new StorageError(`cannot read ${file}`, { cause: error });
    }
    return parseCoverage(text, file, series, withRecords);
  }
  return NO_COVERAGE;
}

/**
 * Adds `range` to the coverage of a series, merged and bar-aligned, records
 * the rows of the day files just written (`records`, by UTC day), and writes
 * the file atomically. Returns the new coverage.
 */
export async function addCoverage(
  dataDir: string,
  series: Series,
  range: Range,
  records: ReadonlyMap<string, number> = new Map(),
): Promise<Range[]> {
  const old = await readSeriesCoverage(dataDir, series);
  const ranges = mergeRanges([...old.ranges, range], seriesStepMs(series));
  await writeCoverage(dataDir, series, ranges, new Map([...old.records, ...records]));
  return ranges;
}

/**
 * Takes the bars of the UTC `days` (those that open in them) out of the
 * coverage of a series, with their recorded rows, so a backfill fetches them
 * again. Returns the new coverage.
 */
export async function dropCoverageDays(
  dataDir: string,
  series: Series,
  days: readonly string[],
): Promise<Range[]> {
  const old = await readSeriesCoverage(dataDir, series);
  const stepMs = seriesStepMs(series);
  const dropped = days.map((day) => {
    const dayMs = Date.parse(`${day}T00:00:00Z`);
    // A weekly bar lives in the file of the day it opens: drop the whole bar.
    return { startMs: ceilToBar(dayMs, stepMs), endMs: ceilToBar(dayMs + DAY_MS, stepMs) };
  });
  const ranges = subtractRanges(
    old.ranges,
    mergeRanges(dropped.filter((r) => r.endMs > r.startMs)),
  );
  const records = new Map(old.records);
  for (const day of days) records.delete(day);
  await writeCoverage(dataDir, series, ranges, records);
  return ranges;
}

async function writeCoverage(
  dataDir: string,
  series: Series,
  ranges: readonly Range[],
  records: ReadonlyMap<string, number>,
): Promise<void> {
  const doc: CoverageDocument = {
    series: seriesId(series),
    ranges: ranges.map((r) => [r.startMs, r.endMs]),
    ...(records.size === 0 ? {} : { records: recordsDocument(records) }),
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
}

function parseCoverage(
  text: string,
  file: string,
  series: Series,
  withRecords: boolean,
): SeriesCoverage {
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
  const parsed = ranges.map((pair: unknown) => {
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
  return { ranges: parsed, records: withRecords ? parseRecords(doc, file) : new Map() };
}

// Days as a dense array from the first recorded day, `null` where none is.
function recordsDocument(records: ReadonlyMap<string, number>): CoverageDocument['records'] {
  const days = [...records.keys()].sort();
  const fromMs = Date.parse(`${days[0]}T00:00:00Z`);
  const span = (Date.parse(`${days[days.length - 1]}T00:00:00Z`) - fromMs) / DAY_MS + 1;
  const rows: (number | null)[] = new Array(span).fill(null);
  for (const [day, n] of records) rows[(Date.parse(`${day}T00:00:00Z`) - fromMs) / DAY_MS] = n;
  return { from: days[0]!, rows };
}

function parseRecords(doc: unknown, file: string): Map<string, number> {
  const out = new Map<string, number>();
  const records = (doc as { records?: unknown }).records;
  if (records === undefined) return out;
  const { from, rows } = (records ?? {}) as { from?: unknown; rows?: unknown };
  const fromMs = typeof from === 'string' ? Date.parse(`${from}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(fromMs) || !Array.isArray(rows)) {
    throw new StorageError(`corrupt coverage file ${file}: bad records (expected { from, rows })`);
  }
  rows.forEach((n: unknown, i) => {
    if (n === null) return;
    if (!Number.isSafeInteger(n) || (n as number) < 0) {
      throw new StorageError(`corrupt coverage file ${file}: bad record ${i} of ${from}: ${n}`);
    }
    out.set(utcDay(fromMs + i * DAY_MS), n as number);
  });
  return out;
}
