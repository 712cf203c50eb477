import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * How many threads the shared DuckDB engine may use. Small on purpose: the
 * store writes many small files and reads one series at a time, and the
 * process has other work (HTTP, fetchers) to do.
 */
export const DUCKDB_THREADS = 2;

let instance: Promise<DuckDBInstance> | undefined;
let users = 0;

/**
 * A lease on the process-wide in-memory DuckDB instance, used only as a
 * Parquet engine. There is no database file, so any number of processes can
 * share one data directory. Release it once; the last release closes the
 * engine.
 */
export interface DuckDBLease {
  readonly instance: DuckDBInstance;
  release(): void;
}

/** Takes a lease on the shared in-memory DuckDB instance, creating it on first use. */
export async function acquireDuckDB(): Promise<DuckDBLease> {
  instance ??= DuckDBInstance.create(':memory:', { threads: String(DUCKDB_THREADS) });
  const current = instance;
  let db: DuckDBInstance;
  try {
    db = await current;
  } catch (error) {
    if (instance === current) instance = undefined;
    throw error;
  }
  users++;
  let released = false;
  return {
    instance: db,
    release() {
      if (released) return;
      released = true;
      users--;
      if (users === 0 && instance === current) {
        instance = undefined;
        db.closeSync();
      }
    },
  };
}

/**
 * A small pool of connections on one instance. A DuckDB connection runs one
 * statement at a time, so concurrent work takes separate connections.
 */
export class ConnectionPool {
  readonly #instance: DuckDBInstance;
  readonly #size: number;
  readonly #idle: DuckDBConnection[] = [];
  readonly #all: DuckDBConnection[] = [];
  readonly #waiting: ((connection: DuckDBConnection) => void)[] = [];
  #creating = 0;

  /** @param size the most connections open at once. */
  constructor(instance: DuckDBInstance, size: number) {
    this.#instance = instance;
    this.#size = size;
  }

  /** Runs `fn` with a connection of its own, returning it to the pool afterwards. */
  async use<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.#acquire();
    try {
      return await fn(connection);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(connection);
      else this.#idle.push(connection);
    }
  }

  /** Closes every connection; the pool must be idle. */
  close(): void {
    for (const connection of this.#all) connection.closeSync();
    this.#all.length = 0;
    this.#idle.length = 0;
  }

  async #acquire(): Promise<DuckDBConnection> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.length + this.#creating < this.#size) {
      this.#creating++;
      try {
        const connection = await this.#instance.connect();
        this.#all.push(connection);
        return connection;
      } finally {
        this.#creating--;
      }
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}
