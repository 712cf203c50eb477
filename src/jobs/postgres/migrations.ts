import type pg from 'pg';

/**
 * Schema versions, applied in order, each once. Times of the data range
 * (`start_ts`, `end_ts`, `cursor_ts`) are `bigint` epoch milliseconds, exactly
 * what the library uses; bookkeeping times (`created_at`, `lease_expires_at`,
 * ...) are `timestamptz` so leases run on the database clock.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE backfill_jobs (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  source text NOT NULL,
  subject text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('candle', 'trade')),
  granularity text,
  start_ts bigint NOT NULL,
  end_ts bigint NOT NULL,
  cursor_ts bigint,
  records_written bigint NOT NULL DEFAULT 0,
  pages_fetched bigint NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  lease_owner text,
  lease_expires_at timestamptz,
  CHECK (end_ts > start_ts)
);
CREATE INDEX backfill_jobs_claim_idx ON backfill_jobs (status, created_at, seq);
CREATE INDEX backfill_jobs_created_idx ON backfill_jobs (created_at DESC, seq DESC);
CREATE TABLE tracked_symbols (
  symbol text PRIMARY KEY,
  asset_class text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE backfill_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  symbol text NOT NULL,
  backfill_timestamp timestamptz NOT NULL,
  records_imported bigint NOT NULL DEFAULT 0,
  success boolean NOT NULL,
  error_details text
);
CREATE INDEX backfill_history_ts_idx ON backfill_history (backfill_timestamp DESC, id DESC);
CREATE INDEX backfill_history_symbol_idx ON backfill_history (symbol, backfill_timestamp DESC);
`,
  },
  {
    // A running job's wait (Retry-After, long backoff), shown in its record; wait_until is epoch ms.
    version: 2,
    sql: `
ALTER TABLE backfill_jobs ADD COLUMN wait_reason text, ADD COLUMN wait_until bigint;
`,
  },
  {
    // Who asked for a job (api, ui, cli, scheduler); earlier rows came through the API.
    version: 3,
    sql: `
ALTER TABLE backfill_jobs ADD COLUMN requested_by text NOT NULL DEFAULT 'api'
  CHECK (requested_by IN ('api', 'ui', 'cli', 'scheduler'));
`,
  },
  {
    // Faults a job survived (an archive file left to REST), one line each, as a JSON array.
    version: 4,
    sql: `
ALTER TABLE backfill_jobs ADD COLUMN notes jsonb NOT NULL DEFAULT '[]'::jsonb;
`,
  },
];

// Any constant works as long as every gapless process uses the same one.
const MIGRATION_LOCK_KEY = 7_254_310_001;

/**
 * Applies the migrations not yet recorded in `gapless_migrations`. Two
 * processes starting at once serialise on an advisory lock, so each version
 * runs exactly once. Returns the versions this call applied.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS gapless_migrations (
           version integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = await client.query<{ version: number }>(
        'SELECT version FROM gapless_migrations',
      );
      const have = new Set(done.rows.map((r) => r.version));
      for (const migration of MIGRATIONS) {
        if (have.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO gapless_migrations (version) VALUES ($1)', [
            migration.version,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(migration.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return applied;
}
