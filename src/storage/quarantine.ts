/**
 * @module The quarantine: damaged day files moved aside under
 * `{data}/.gapless/quarantine/`, at the path they had under the data dir, so
 * the data tree holds only readable Parquet files and nothing is deleted.
 */
import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import type { Series } from '../core/series.js';
import { fsyncDir } from './atomic-file.js';
import { makeDir } from './make-dir.js';
import { dayFilePath, insideDataDir, isNotFound, seriesSegments } from './parquet/layout.js';

/** Where quarantined files live, under the data dir (a dot folder: no Parquet reader lists it). */
export const QUARANTINE_DIR = ['.gapless', 'quarantine'] as const;

/**
 * Moves the day file of `series` and `day` into the quarantine and returns
 * where it went: `{day}.parquet`, or `{day}.{n}.parquet` when an earlier
 * copy of that day is there already. Call it holding the series lock.
 */
export async function quarantineDayFile(
  dataDir: string,
  series: Series,
  day: string,
): Promise<string> {
  const from = dayFilePath(dataDir, series, day);
  const dir = insideDataDir(dataDir, ...QUARANTINE_DIR, ...seriesSegments(series));
  try {
    await makeDir(dir);
    let to = path.join(dir, `${day}.parquet`);
    for (let n = 1; await exists(to); n++) to = path.join(dir, `${day}.${n}.parquet`);
    await rename(from, to);
    await fsyncDir(dir);
    await fsyncDir(path.dirname(from));
    return to;
  } catch (cause) {
    throw new StorageError(`cannot move ${from} into the quarantine ${dir}`, { cause });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
