/** @module Cache files appear whole or not at all: temp file beside the target, then rename. */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

/** {@link writeFileAtomic}, synchronously: for small files, where thread-pool round trips cost more than the write. */
export function writeFileAtomicSync(finalPath: string, data: Uint8Array): void {
  const temp = tempPathFor(finalPath);
  try {
    writeFileSync(temp, data);
    renameSync(temp, finalPath);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function tempPathFor(finalPath: string): string {
  return path.join(
    path.dirname(finalPath),
    `.${path.basename(finalPath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}
