import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { tempNameFor, tempNameOwner } from '../core/temp-name.js';
import { isNotFound } from './parquet/layout.js';

/**
 * How old a temp file of a process that still seems alive must be before it
 * counts as stale (its pid may have been reused, or it lives on another host).
 */
export const STALE_TEMP_AGE_MS = 3_600_000;

/** A fresh temp path beside `finalPath` that no `*.parquet` glob can match. */
export function tempPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), tempNameFor(path.basename(finalPath)));
}

/** Whether a file name is one of our temp files. */
export function isTempName(name: string): boolean {
  return tempNameOwner(name) !== undefined;
}

/** Flushes a file's data to disk. */
export async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory entry list, so renames inside it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch (error) {
    // Some platforms and file systems refuse to fsync a directory; the rename still happened.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  }
}

/**
 * Writes `data` to `finalPath` atomically: temp file, fsync, rename. Readers
 * see the old content or the new, never a mix. Throws `StorageError`.
 */
export async function writeFileAtomic(finalPath: string, data: string): Promise<void> {
  const temp = tempPathFor(finalPath);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, finalPath);
    await fsyncDir(path.dirname(finalPath));
  } catch (error) {
    await removeQuietly(temp);
    throw new StorageError(`cannot write ${finalPath}`, { cause: error });
  }
}

/** Deletes a file if it exists, ignoring failures: for cleaning up after another error. */
export async function removeQuietly(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch {
    // Best effort: the caller is already reporting the error that matters.
  }
}

/**
 * Removes temp files left under `root` by crashed writers: those whose process
 * is gone, or older than `staleAgeMs`. Returns the paths removed.
 */
export async function removeStaleTempFiles(
  root: string,
  staleAgeMs = STALE_TEMP_AGE_MS,
  nowMs = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw new StorageError(`cannot list ${dir}`, { cause: error });
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (await isStale(full, entry.name, staleAgeMs, nowMs))) {
        await unlink(full).catch((error: unknown) => {
          if (!isNotFound(error)) throw new StorageError(`cannot remove ${full}`, { cause: error });
        });
        removed.push(full);
      }
    }
  };
  await walk(root);
  return removed;
}

async function isStale(
  file: string,
  name: string,
  staleAgeMs: number,
  nowMs: number,
): Promise<boolean> {
  const pid = tempNameOwner(name);
  if (pid === undefined) return false;
  if (pid !== process.pid && !isAlive(pid)) return true;
  try {
    return nowMs - (await stat(file)).mtimeMs > staleAgeMs;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
