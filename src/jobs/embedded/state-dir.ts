import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../../core/errors.js';
import { asDiskFull, KeyedMutex, makeDir, writeFileAtomic } from '../../storage/index.js';

/** Name of the state directory inside `data_dir`; a dot dir, so no series reader lists it. */
export const STATE_DIR_NAME = '.gapless';

/** The absolute state directory of a data directory. */
export function stateDirOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), STATE_DIR_NAME);
}

/**
 * One lock per state file for the whole process: two repositories opened on
 * the same directory (a server and a worker in one test) still serialise.
 */
export const stateLocks = new KeyedMutex();

/** Creates a directory and its parents, as a `StorageError` on failure. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await makeDir(dir);
  } catch (error) {
    throw new StorageError(`cannot create ${dir}`, { cause: error });
  }
}

/** The data dir a state dir belongs to: what a full disk names. */
export function dataDirOfState(stateDir: string): string {
  return path.dirname(stateDir);
}

/**
 * Writes a state file atomically (the old content stays on failure); a full
 * disk is a `DiskFullError` naming `dataDir`.
 */
export async function writeStateFile(file: string, text: string, dataDir: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (error) {
    throw asDiskFull(error, dataDir);
  }
}

/** Reads and parses a JSON file; undefined when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`cannot read ${file}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StorageError(`${file} is not valid JSON`, { cause: error });
  }
}

/** Whether the process with this id is alive (EPERM: alive, someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
