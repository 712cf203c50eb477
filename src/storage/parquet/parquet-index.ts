/** @module The manifest's facts about day files: row counts and hashes, cached per file identity. */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { StorageError } from '../../core/errors.js';
import { FileDamage, parseFooter } from './footer.js';
import { isNotFound } from './layout.js';

/** A day file with its row count and content hash, as the manifest lists it. */
export interface IndexedFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly records: number;
  /** Hex SHA-256 of the file's bytes: clients keep a copy until this changes. */
  readonly sha256: string;
}

interface Entry {
  readonly key: string;
  /** Undefined for a file whose footer is damaged. */
  readonly records: number | undefined;
  readonly sha256: string;
}

const BATCH = 256;
const MAX_ENTRIES = 100_000;

/**
 * Row counts of Parquet files read from their footers, never by scanning
 * rows, and SHA-256 of their bytes: one read of each file gives both.
 * Cached per path and file identity (size, mtime, inode): writers replace
 * files by rename, which always changes the inode, so a cached count or hash
 * is never stale.
 */
export class ParquetIndex {
  readonly #cache = new Map<string, Entry>();

  /**
   * The files that still exist and whose footer is whole, with their row
   * counts and hashes, in the order given (a file replaced while it is read
   * is left out of this answer; a damaged one, of every answer).
   */
  async describe(paths: readonly string[]): Promise<IndexedFile[]> {
    // Synchronous stats: a year of day files is 365 of them, and a thread-pool round trip
    // each cost ~6 ms of main-thread time per manifest where the stats take ~1 ms.
    const stats = paths.map((path) => {
      try {
        const s = statSync(path, { throwIfNoEntry: false });
        if (s === undefined) return undefined;
        return {
          path,
          sizeBytes: s.size,
          mtimeMs: Math.trunc(s.mtimeMs),
          key: `${s.size}:${s.mtimeMs}:${s.ino}`,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw new StorageError(`cannot stat ${path}`, { cause: error });
      }
    });
    const present = stats.filter((s) => s !== undefined);
    const unknown = present.filter((s) => this.#cache.get(s.path)?.key !== s.key);
    for (let i = 0; i < unknown.length; i += BATCH) {
      const batch = unknown.slice(i, i + BATCH);
      const read = await Promise.all(batch.map((b) => readIndexed(b.path)));
      if (this.#cache.size + batch.length > MAX_ENTRIES) this.#cache.clear();
      batch.forEach((b, k) => {
        // A file replaced between stat and read reads differently; leave it to the next call.
        const entry = read[k];
        if (entry === undefined || entry.key !== b.key) return;
        this.#cache.set(b.path, entry);
      });
    }
    const out: IndexedFile[] = [];
    for (const s of present) {
      const entry = this.#cache.get(s.path);
      // Replaced or removed while it was read: it shows up in the next manifest.
      if (entry === undefined || entry.key !== s.key || entry.records === undefined) continue;
      out.push({
        path: s.path,
        sizeBytes: s.sizeBytes,
        mtimeMs: s.mtimeMs,
        records: entry.records,
        sha256: entry.sha256,
      });
    }
    return out;
  }

  /**
   * The hash of `path` cached for exactly the file `stats` describes (size,
   * mtime, inode), or undefined: what a reader that holds the file open can
   * trust without hashing it again.
   */
  cachedSha256(
    path: string,
    stats: { readonly size: number; readonly mtimeMs: number; readonly ino: number },
  ): string | undefined {
    const entry = this.#cache.get(path);
    return entry?.key === `${stats.size}:${stats.mtimeMs}:${stats.ino}` ? entry.sha256 : undefined;
  }
}

/** The SHA-256 and row count of a file and the identity (size, mtime, inode) of the bytes read; undefined if it is gone. */
async function readIndexed(path: string): Promise<Entry | undefined> {
  try {
    // One handle for the identity and the bytes: a rename in between cannot pair them wrongly.
    const handle = await open(path, 'r');
    try {
      const s = await handle.stat();
      const bytes = await handle.readFile();
      return {
        key: `${s.size}:${s.mtimeMs}:${s.ino}`,
        records: recordsOf(bytes),
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new StorageError(`cannot read ${path}`, { cause: error });
  }
}

function recordsOf(bytes: Uint8Array): number | undefined {
  try {
    return Number(parseFooter(bytes).metadata.num_rows);
  } catch (error) {
    if (error instanceof FileDamage) return undefined;
    throw error;
  }
}
