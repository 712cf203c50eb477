/** @module Cache files appear whole or not at all: temp file beside the target, then rename. */
import { closeSync, openSync, renameSync, rmSync, writevSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempNameFor } from '../core/temp-name.js';

/**
 * Writes `data` to `finalPath` through a hidden temp file and a rename, so a
 * reader (or a run after a crash) sees the old file or the new, never half
 * of one. No fsync: a cache file lost to a power cut fails its hash check and
 * is pulled again, and skipping it keeps a year's pull fast.
 */
export async function writeFileAtomic(finalPath: string, data: Uint8Array): Promise<void> {
  const temp = tempPathFor(finalPath);
  try {
    await writeFile(temp, data);
    await rename(temp, finalPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * {@link writeFileAtomic}, synchronously, of the bytes of `parts` one after
 * another (one `writev`, no joined copy): for small files, where thread-pool
 * round trips cost more than the write.
 */
export function writeFileAtomicSync(finalPath: string, parts: readonly Uint8Array[]): void {
  const temp = tempPathFor(finalPath);
  try {
    const fd = openSync(temp, 'wx');
    try {
      writeAll(fd, parts);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, finalPath);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

// writev may write less than asked (a signal, a nearly full disk): go on from where it stopped.
function writeAll(fd: number, parts: readonly Uint8Array[]): void {
  let rest = parts.filter((p) => p.length > 0);
  while (rest.length > 0) {
    let written = writevSync(fd, rest as Uint8Array[]);
    let i = 0;
    while (i < rest.length && written >= rest[i]!.length) written -= rest[i++]!.length;
    rest = rest.slice(i);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
  }
}

function tempPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), tempNameFor(path.basename(finalPath)));
}
