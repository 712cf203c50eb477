import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { openEmbeddedRepositories } from '../src/jobs/embedded/open.js';
import type { NewJob, Repositories } from '../src/jobs/job.js';
import { MIGRATIONS } from '../src/jobs/postgres/migrations.js';
import { openRepositories } from '../src/jobs/repositories.js';
import { tempDir } from './helpers/cli.js';
import { expirePostgresLease } from './helpers/job-backends.js';
import { freshDatabase, postgresAvailable } from './helpers/postgres.js';

/** A backend under test plus the one thing tests do behind its back: backdating a lease. */
interface Backend {
  repos: Repositories;
  expireLease(id: string): Promise<void>;
  cleanup(): Promise<void>;
}

const FEEDS = [{ source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'] }];

async function openBackend(mode: 'embedded' | 'postgres'): Promise<Backend> {
  if (mode === 'embedded') {
    const tmp = tempDir();
    const repos = await openEmbeddedRepositories(tmp.dir);
    return {
      repos,
      async expireLease(id) {
        const file = repos.jobs.fileOf(id);
        const job = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeFileSync(file, JSON.stringify({ ...job, leaseExpiresAt: Date.now() - 1_000 }));
      },
      async cleanup() {
        await repos.close();
        tmp.cleanup();
      },
    };
  }
  const db = await freshDatabase();
  const repos = await openRepositories(parseConfig({ database_url: db.url, feeds: FEEDS }));
  return {
    repos,
    expireLease: (id) => expirePostgresLease(db.url, id),
    async cleanup() {
      await repos.close();
      await db.drop();
    },
  };
}

const newJob = (n: number): NewJob => ({
  source: n % 2 === 0 ? 'sim' : 'other',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
  startTs: Date.UTC(2024, 0, 1) + n * 60_000,
  endTs: Date.UTC(2024, 0, 2),
});

const havePostgres = await postgresAvailable();

for (const mode of ['embedded', 'postgres'] as const) {
  describe.skipIf(mode === 'postgres' && !havePostgres)(`${mode} repositories`, () => {
    let backend: Backend;
    let repos: Repositories;

    beforeAll(async () => {
      backend = await openBackend(mode);
      repos = backend.repos;
    });
    afterAll(async () => {
      await backend?.cleanup();
    });

    it('reports its mode and answers ping', async () => {
      expect(repos.mode).toBe(mode);
      expect(await repos.ping()).toBe(true);
    });

    it('creates, gets, lists newest first with filters and pages', async () => {
      const created = [];
      for (let n = 0; n < 5; n++) created.push(await repos.jobs.create(newJob(n)));
      const first = created[0]!;
      expect(first.status).toBe('pending');
      expect(first.cursorTs).toBeNull();
      expect(first.recordsWritten).toBe(0);
      expect(await repos.jobs.get(first.id)).toEqual(first);
      expect(await repos.jobs.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(await repos.jobs.get("'; DROP TABLE backfill_jobs; --")).toBeUndefined();
      expect(await repos.jobs.get('../../etc/passwd')).toBeUndefined();

      const all = await repos.jobs.list({ limit: 10, offset: 0 });
      expect(all.total).toBe(5);
      expect(all.jobs.map((j) => j.id)).toEqual(created.map((j) => j.id).reverse());
      const page = await repos.jobs.list({ limit: 2, offset: 1 });
      expect(page.total).toBe(5);
      expect(page.jobs.map((j) => j.id)).toEqual([created[3]!.id, created[2]!.id]);
      const sim = await repos.jobs.list({ source: 'sim', status: 'pending', limit: 10, offset: 0 });
      expect(sim.total).toBe(3);
      expect(sim.jobs.every((j) => j.source === 'sim')).toBe(true);
      expect((await repos.jobs.list({ status: 'running', limit: 10, offset: 0 })).total).toBe(0);
    });

    it('claims oldest first, and concurrent claims never take the same job', async () => {
      const active = await repos.jobs.active();
      expect(active).toHaveLength(5);
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => repos.jobs.claim(`w${i}`, 60_000)),
      );
      const got = claims.filter((c) => c !== undefined);
      expect(got).toHaveLength(5);
      expect(new Set(got.map((j) => j.id)).size).toBe(5);
      for (const job of got) {
        expect(job.status).toBe('running');
        expect(job.leaseOwner).toMatch(/^w\d$/);
        expect(job.leaseExpiresAt).toBeGreaterThan(Date.now());
        expect(job.startedAt).not.toBeNull();
      }
      expect(await repos.jobs.claim('late', 60_000)).toBeUndefined();
    });

    it('claims in creation order', async () => {
      const a = await repos.jobs.create(newJob(10));
      const b = await repos.jobs.create(newJob(11));
      expect((await repos.jobs.claim('order', 60_000))?.id).toBe(a.id);
      expect((await repos.jobs.claim('order', 60_000))?.id).toBe(b.id);
    });

    it('heartbeats write progress; an expired lease is claimed by another worker', async () => {
      const job = await repos.jobs.create(newJob(20));
      const claimed = await repos.jobs.claim('alpha', 60_000);
      expect(claimed?.id).toBe(job.id);
      const progress = { cursorTs: job.startTs + 3_600_000, recordsWritten: 60, pagesFetched: 2 };
      expect(await repos.jobs.heartbeat(job.id, 'alpha', 60_000, progress)).toBe(true);
      expect(await repos.jobs.get(job.id)).toMatchObject(progress);
      expect(await repos.jobs.heartbeat(job.id, 'beta', 60_000, progress)).toBe(false);

      expect(await repos.jobs.claim('beta', 60_000)).toBeUndefined();
      await backend.expireLease(job.id);
      const stolen = await repos.jobs.claim('beta', 60_000);
      expect(stolen?.id).toBe(job.id);
      expect(stolen).toMatchObject({ leaseOwner: 'beta', ...progress });
      expect(await repos.jobs.heartbeat(job.id, 'alpha', 60_000, progress)).toBe(false);
      expect(await repos.jobs.finish(job.id, 'alpha', 'completed')).toBe(false);
      expect(await repos.jobs.finish(job.id, 'beta', 'failed', 'boom')).toBe(true);
      expect(await repos.jobs.get(job.id)).toMatchObject({
        status: 'failed',
        error: 'boom',
        leaseOwner: null,
      });
    });

    it('keeps the notes a heartbeat sends, through beats without them and after the end', async () => {
      for (const j of await repos.jobs.active()) await repos.jobs.cancel(j.id);
      const job = await repos.jobs.create(newJob(25));
      expect(job.notes ?? []).toEqual([]);
      await repos.jobs.claim('notes', 60_000);
      const base = { cursorTs: job.startTs, recordsWritten: 0, pagesFetched: 0 };
      const notes = ['a.zip: not in the archive (ARCHIVE_NOT_FOUND); ... fetched over REST'];
      expect(await repos.jobs.heartbeat(job.id, 'notes', 60_000, { ...base, notes })).toBe(true);
      expect((await repos.jobs.get(job.id))?.notes).toEqual(notes);
      // A beat without notes leaves them; one with more replaces them.
      expect(await repos.jobs.heartbeat(job.id, 'notes', 60_000, base)).toBe(true);
      expect((await repos.jobs.get(job.id))?.notes).toEqual(notes);
      const more = [...notes, 'b.zip: SHA-256 … (ARCHIVE_CHECKSUM_MISMATCH); ...'];
      expect(await repos.jobs.heartbeat(job.id, 'notes', 60_000, { ...base, notes: more })).toBe(
        true,
      );
      expect(await repos.jobs.finish(job.id, 'notes', 'completed')).toBe(true);
      expect(await repos.jobs.get(job.id)).toMatchObject({ status: 'completed', notes: more });
    });

    it('cancel stops heartbeats and finishing; finished jobs are not changed by cancel', async () => {
      const job = await repos.jobs.create(newJob(30));
      await repos.jobs.claim('gamma', 60_000);
      const cancelled = await repos.jobs.cancel(job.id);
      expect(cancelled?.status).toBe('cancelled');
      const zero = { cursorTs: null, recordsWritten: 0, pagesFetched: 0 };
      expect(await repos.jobs.heartbeat(job.id, 'gamma', 60_000, zero)).toBe(false);
      expect(await repos.jobs.finish(job.id, 'gamma', 'completed')).toBe(false);
      expect((await repos.jobs.get(job.id))?.status).toBe('cancelled');
      expect(await repos.jobs.cancel('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      expect(await repos.jobs.cancel('not-a-uuid')).toBeUndefined();
    });

    it('release hands a running job back as pending', async () => {
      for (const j of await repos.jobs.active()) await repos.jobs.cancel(j.id);
      const job = await repos.jobs.create(newJob(40));
      await repos.jobs.claim('delta', 60_000);
      expect(await repos.jobs.release(job.id, 'other')).toBe(false);
      expect(await repos.jobs.release(job.id, 'delta')).toBe(true);
      expect((await repos.jobs.get(job.id))?.status).toBe('pending');
      expect((await repos.jobs.claim('epsilon', 60_000))?.id).toBe(job.id);
      await repos.jobs.cancel(job.id);
    });

    it('createUnlessBusy admits at most maxActive jobs even when called concurrently', async () => {
      expect(await repos.jobs.active()).toHaveLength(0);
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) => repos.jobs.createUnlessBusy(newJob(50 + i), 2)),
      );
      const created = outcomes.filter((o) => o.created);
      expect(created).toHaveLength(2);
      for (const o of outcomes) {
        if (!o.created) expect(created.map((c) => c.created && c.job.id)).toContain(o.blocking.id);
      }
      for (const j of await repos.jobs.active()) await repos.jobs.cancel(j.id);
    });

    it('records who asked for a job, `api` when not told', async () => {
      const told = await repos.jobs.create({ ...newJob(40), requestedBy: 'ui' });
      const untold = await repos.jobs.create(newJob(41));
      expect(told.requestedBy).toBe('ui');
      expect(untold.requestedBy).toBe('api');
      expect((await repos.jobs.get(told.id))?.requestedBy).toBe('ui');
      const claimed = await repos.jobs.claim('w-origin', 30_000);
      expect(claimed?.requestedBy).toBeDefined();
      if (mode === 'embedded') {
        // A job file written before the field existed reads as `api`.
        const file = (repos.jobs as unknown as { fileOf(id: string): string }).fileOf(told.id);
        const { requestedBy: _gone, ...old } = JSON.parse(readFileSync(file, 'utf8')) as Record<
          string,
          unknown
        >;
        writeFileSync(file, JSON.stringify(old));
        expect((await repos.jobs.get(told.id))?.requestedBy).toBe('api');
      }
    });

    it('adds, lists, removes and re-adds tracked symbols', async () => {
      expect(await repos.symbols.list()).toEqual([]);
      await repos.symbols.add('ETH/USDT', 'crypto');
      const btc = await repos.symbols.add('BTC/USDT', 'crypto');
      expect(btc).toMatchObject({ symbol: 'BTC/USDT', assetClass: 'crypto', active: true });
      expect((await repos.symbols.list()).map((s) => s.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
      expect(await repos.symbols.remove('BTC/USDT')).toBe(true);
      expect(await repos.symbols.remove('BTC/USDT')).toBe(false);
      expect(await repos.symbols.remove('NOPE')).toBe(false);
      expect((await repos.symbols.list({ activeOnly: true })).map((s) => s.symbol)).toEqual([
        'ETH/USDT',
      ]);
      expect((await repos.symbols.list()).find((s) => s.symbol === 'BTC/USDT')?.active).toBe(false);
      await repos.symbols.add('BTC/USDT', 'crypto');
      expect(await repos.symbols.list({ activeOnly: true })).toHaveLength(2);
      await expect(repos.symbols.add('..', 'crypto')).rejects.toMatchObject({ code: 'BAD_SYMBOL' });
      await expect(repos.symbols.add('A\u0000B', 'crypto')).rejects.toMatchObject({
        code: 'BAD_SYMBOL',
      });
      await expect(repos.symbols.add('BTC', "x'; --")).rejects.toMatchObject({
        code: 'BAD_ASSET_CLASS',
      });
    });

    it('records history and lists it newest first, by symbol', async () => {
      const t = Date.UTC(2024, 5, 1);
      await repos.history.record({
        symbol: 'BTC/USDT',
        backfillTimestamp: t,
        recordsImported: 1440,
        success: true,
        errorDetails: null,
      });
      await repos.history.record({
        symbol: 'ETH/USDT',
        backfillTimestamp: t + 1_000,
        recordsImported: 0,
        success: false,
        errorDetails: 'boom',
      });
      await repos.history.record({
        symbol: 'BTC/USDT',
        backfillTimestamp: t + 86_400_000,
        recordsImported: 7,
        success: true,
        errorDetails: null,
      });
      const all = await repos.history.list({ limit: 10 });
      expect(all.map((e) => e.backfillTimestamp)).toEqual([t + 86_400_000, t + 1_000, t]);
      expect(all[1]).toEqual({
        symbol: 'ETH/USDT',
        backfillTimestamp: t + 1_000,
        recordsImported: 0,
        success: false,
        errorDetails: 'boom',
      });
      const btc = await repos.history.list({ limit: 1, symbol: 'BTC/USDT' });
      expect(btc).toEqual([
        {
          symbol: 'BTC/USDT',
          backfillTimestamp: t + 86_400_000,
          recordsImported: 7,
          success: true,
          errorDetails: null,
        },
      ]);
    });
  });
}

describe.skipIf(!havePostgres)('postgres migrations', () => {
  it('are applied once when two processes open the same database at once', async () => {
    const db = await freshDatabase();
    try {
      const config = parseConfig({ database_url: db.url, feeds: FEEDS });
      const [a, b] = await Promise.all([openRepositories(config), openRepositories(config)]);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const rows = await client.query('SELECT version FROM gapless_migrations ORDER BY version');
      await client.end();
      expect(rows.rows).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
      await Promise.all([a.close(), b.close()]);
      const again = await openRepositories(config);
      expect(await again.ping()).toBe(true);
      await again.close();
    } finally {
      await db.drop();
    }
  });
});
