/** @module Creating directories with the real cause on failure. */
import { mkdir } from 'node:fs/promises';

/**
 * `mkdir -p` that fails with the real cause: Node's recursive mkdir reports
 * `ENOENT` when the parent is on a read-only file system or not writable,
 * so one plain mkdir is tried to learn `EROFS` or `EACCES` instead.
 */
export async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir);
  }
}
