import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { mergeRanges, type Range } from '../core/range-math.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { writeFileAtomic } from './atomic-file.js';
import { isNotFound } from './parquet/layout.js';

/** Name of the coverage file inside a series directory. */
export const COVERAGE_FILE = '_coverage.json';

/** What `_coverage.json` holds: the series id and its covered `[startMs, endMs)` pairs. */
export interface CoverageDocument {
  readonly series: string;
  readonly ranges: [number, number][];
}

/** The covered ranges stored in a series directory; empty when there is no file. */
export async function readCoverageFile(dir: string): Promise<Range[]> {
  const file = path.join(dir, COVERAGE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return [];
    throw new StorageError(`cannot read ${file}`, { cause: error });
  }
  return parseCoverage(text, file);
}

/**
 * Adds `range` to the coverage of a series, merged and bar-aligned, and
 * writes the file atomically. Returns the new coverage.
 */
export async function addCoverage(dir: string, series: Series, range: Range): Promise<Range[]> {
  const merged = mergeRanges([...(await readCoverageFile(dir)), range], seriesStepMs(series));
  const doc: CoverageDocument = {
    series: seriesId(series),
    ranges: merged.map((r) => [r.startMs, r.endMs]),
  };
  await writeFileAtomic(path.join(dir, COVERAGE_FILE), `${JSON.stringify(doc)}\n`);
  return merged;
}

function parseCoverage(text: string, file: string): Range[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new StorageError(`corrupt coverage file ${file}: not JSON`, { cause });
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
