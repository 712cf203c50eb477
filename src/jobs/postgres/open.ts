import pg from 'pg';
import { StorageError } from '../../core/errors.js';
import type { Repositories } from '../job.js';
import { PostgresHistoryRepository } from './history-repository.js';
import { PostgresJobRepository } from './job-repository.js';
import { migrate } from './migrations.js';
import { PostgresSymbolRepository } from './symbol-repository.js';

/**
 * Connects to PostgreSQL and applies pending migrations. Fails with a
 * `StorageError` that names the host (never the password) when it cannot.
 */
export async function openPostgresRepositories(url: string): Promise<Repositories> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StorageError(
      `cannot prepare the PostgreSQL database at ${redact(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let closed = false;
  return {
    mode: 'postgres',
    jobs: new PostgresJobRepository(pool),
    symbols: new PostgresSymbolRepository(pool),
    history: new PostgresHistoryRepository(pool),
    async ping() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the configured database_url';
  }
}
