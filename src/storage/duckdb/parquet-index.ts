import { stat } from 'node:fs/promises';
import { StorageError } from '../../core/errors.js';
import { isNotFound } from '../parquet/layout.js';
import { sqlPathList } from '../parquet/schema.js';
import type { ConnectionPool } from './engine.js';

/** A day file with its row count, as the manifest lists it. */
export interface IndexedFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly records: number;
}

interface Entry {
  readonly key: string;
  readonly records: number;
}

const BATCH = 256;
const MAX_ENTRIES = 100_000;

/**
 * Row counts of Parquet files read from their footers (DuckDB
 * `parquet_file_metadata`), never by scanning rows. Cached per path and file
 * identity (size, mtime, inode): writers replace files by rename, which
 * always changes the inode, so a cached count is never stale.
 */
export class ParquetIndex {
  readonly #pool: () => Promise<ConnectionPool>;
  readonly #cache = new Map<string, Entry>();

  /** @param pool the store's DuckDB connections, started on first use. */
  constructor(pool: () => Promise<ConnectionPool>) {
    this.#pool = pool;
  }

  /** The files that still exist, with their row counts, in the order given. */
  async describe(paths: readonly string[]): Promise<IndexedFile[]> {
    const stats = await Promise.all(
      paths.map(async (path) => {
        try {
          const s = await stat(path);
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
      }),
    );
    const present = stats.filter((s) => s !== undefined);
    const unknown = present.filter((s) => this.#cache.get(s.path)?.key !== s.key);
    for (let i = 0; i < unknown.length; i += BATCH) {
      const batch = unknown.slice(i, i + BATCH);
      const counts = await this.#count(batch.map((b) => b.path));
      if (this.#cache.size + batch.length > MAX_ENTRIES) this.#cache.clear();
      for (const b of batch)
        this.#cache.set(b.path, { key: b.key, records: counts.get(b.path) ?? 0 });
    }
    return present.map((s) => ({
      path: s.path,
      sizeBytes: s.sizeBytes,
      mtimeMs: s.mtimeMs,
      records: this.#cache.get(s.path)?.records ?? 0,
    }));
  }

  async #count(paths: string[]): Promise<Map<string, number>> {
    try {
      const pool = await this.#pool();
      const result = await pool.use((c) =>
        c.runAndReadAll(
          `SELECT file_name, num_rows FROM parquet_file_metadata(${sqlPathList(paths)})`,
        ),
      );
      const out = new Map<string, number>();
      for (const row of result.getRows()) out.set(String(row[0]), Number(row[1]));
      return out;
    } catch (cause) {
      throw new StorageError(`cannot read Parquet metadata of ${paths.length} files`, { cause });
    }
  }
}
