/**
 * @module A per-series lock that holds across processes and survives crashes:
 * every read-modify-write of day files and coverage runs under it.
 */
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { type Series, seriesId } from '../core/series.js';
import { tempPathFor } from './atomic-file.js';
import { makeDir } from './make-dir.js';
import { insideDataDir, seriesSegments } from './parquet/layout.js';

/** Where lock files live, under the data dir. */
const LOCK_DIR = ['.gapless', 'locks'] as const;
const HOST = hostname();
// A lock held this long by a process we cannot see (another host) is taken
// as abandoned: a commit takes milliseconds, a slow disk a few seconds.
const FOREIGN_STALE_MS = 60_000;
const GIVE_UP_MS = 120_000;
// A lock file with no owner record this long after it was created was never
// written: only a file system without hard links can leave one, and a writer
// there may wait seconds for a busy thread pool between create and write.
const UNWRITTEN_STALE_MS = 60_000;

// The file system will not take a lock file: read-only, or not ours to write.
const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * The series' lock file cannot be created because the data dir cannot be
 * written here (a backup or a snapshot mounted read-only, another user's
 * files): no writer can be halfway through a commit through this path.
 */
export class LockUnwritableError extends StorageError {}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly atMs: number;
}

/**
 * Runs `fn` holding the cross-process lock of `series` in `dataDir`: an
 * exclusively created file naming its owner (pid, host, time). A lock whose
 * owner process is gone (same host, pid not alive) or that is older than a
 * minute (another host) is stale and taken over, so a crash never blocks a
 * series for good.
 */
export async function withSeriesLock<T>(
  dataDir: string,
  series: Series,
  fn: () => Promise<T>,
): Promise<T> {
  const [source, subject, kind, granularity] = seriesSegments(series);
  const file = insideDataDir(dataDir, ...LOCK_DIR, source, subject, kind, `${granularity}.lock`);
  await acquire(file, series);
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

async function acquire(file: string, series: Series): Promise<void> {
  const began = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await create(file);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        try {
          await makeDir(path.dirname(file));
        } catch (cause) {
          throw cannotLock(series, file, cause);
        }
        continue;
      }
      if (code !== 'EEXIST') throw cannotLock(series, file, error);
    }
    if (await isStale(file)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() - began > GIVE_UP_MS) {
      throw new StorageError(
        `cannot lock ${seriesId(series)}: ${file} held for over ${GIVE_UP_MS / 1000} s`,
      );
    }
    // Short waits first: a commit usually takes a few milliseconds.
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt * 2)));
  }
}

/**
 * Creates the lock file with its owner already in it: written to a temp file
 * of our own, then linked into place, which fails with EEXIST while the lock
 * is held. A kill or a full disk at any instant never leaves an empty lock.
 */
async function create(file: string): Promise<void> {
  const owner = JSON.stringify({ pid: process.pid, host: HOST, atMs: Date.now() } satisfies Owner);
  const temp = tempPathFor(file);
  try {
    await writeFile(temp, owner, { flag: 'wx' });
    await link(temp, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    await createUnlinked(file, owner);
  } finally {
    await rm(temp, { force: true });
  }
}

// A file system without hard links: create, then write. A file created but
// not written (a full disk) is removed; one a kill left empty is taken over
// once it is older than a slow writer could be.
async function createUnlinked(file: string, owner: string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(owner);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(file, { force: true });
    throw error;
  }
  await handle.close();
}

async function isStale(file: string): Promise<boolean> {
  let owner: Partial<Owner>;
  try {
    owner = JSON.parse(await readFile(file, 'utf8')) as Partial<Owner>;
  } catch {
    // Gone: look again on the next round. One that stays unreadable was left
    // empty by a kill (a version, or a file system, that writes after creating)
    // and names nobody who could release it.
    const mtimeMs = (await stat(file).catch(() => undefined))?.mtimeMs;
    return mtimeMs !== undefined && Date.now() - mtimeMs > UNWRITTEN_STALE_MS;
  }
  if (owner.host === HOST && typeof owner.pid === 'number') return !alive(owner.pid);
  return typeof owner.atMs !== 'number' || Date.now() - owner.atMs > FOREIGN_STALE_MS;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cannotLock(series: Series, file: string, cause: unknown): StorageError {
  const message = `cannot lock ${seriesId(series)} (${file})`;
  return UNWRITABLE.has(String((cause as { code?: unknown }).code))
    ? new LockUnwritableError(message, { cause })
    : new StorageError(message, { cause });
}
