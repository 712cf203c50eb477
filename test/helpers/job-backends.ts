import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { stateDirOf } from '../../src/jobs/embedded/state-dir.js';
import { tempDir } from './cli.js';
import { freshDatabase } from './postgres.js';

/** Where a jobs test keeps its state: a temp data dir, plus a database in postgres mode. */
export interface JobBackend {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** Backdates a job's lease instead of sleeping past it. */
  expireLease(id: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A fresh data dir (and database, in postgres mode) for one suite. */
export async function openJobBackend(mode: 'embedded' | 'postgres'): Promise<JobBackend> {
  const tmp = tempDir('gapless-jobs-');
  const db = mode === 'postgres' ? await freshDatabase() : undefined;
  return {
    dataDir: tmp.dir,
    databaseUrl: db?.url,
    async expireLease(id) {
      if (db === undefined) {
        const file = path.join(stateDirOf(tmp.dir), 'jobs', `${id}.json`);
        const job = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeFileSync(file, JSON.stringify({ ...job, leaseExpiresAt: Date.now() - 1_000 }));
        return;
      }
      await expirePostgresLease(db.url, id);
    },
    async cleanup() {
      await db?.drop();
      tmp.cleanup();
    },
  };
}

/** Backdates a job's lease in PostgreSQL, so tests see it expire without sleeping. */
export async function expirePostgresLease(url: string, id: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `UPDATE backfill_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
  } finally {
    await client.end();
  }
}
