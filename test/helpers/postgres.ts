import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.GAPLESS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Whether the test PostgreSQL answers. When it does not, suites skip with a
 * visible message; with `GAPLESS_REQUIRE_SERVICES=1` (CI) that is a failure.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.GAPLESS_REQUIRE_SERVICES === '1') {
      throw new Error(
        `PostgreSQL is required but unreachable at ${ADMIN_URL}: ${(error as Error).message}`,
      );
    }
    console.warn(`SKIPPED: PostgreSQL tests (no server at ${ADMIN_URL})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh, empty database for one suite, and a function that drops it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gapless_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
