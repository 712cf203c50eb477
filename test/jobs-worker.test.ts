import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../src/app/runtime.js';
import { BackfillEngine } from '../src/backfill/engine.js';
import { parseConfig } from '../src/config/load-config.js';
import { parseSeries } from '../src/core/series.js';
import type { BackfillJob } from '../src/jobs/job.js';
import { JobWorker } from '../src/jobs/job-worker.js';
import { SimMarket } from '../src/sim/market.js';
import { collectPages, type DataFetcher } from '../src/sources/data-fetcher.js';
import { createSimFetcher } from '../src/sources/sim-fetcher.js';
import { type JobBackend, openJobBackend } from './helpers/job-backends.js';
import { postgresAvailable } from './helpers/postgres.js';

const SERIES = parseSeries('candle:sim:BTC/USDT:1m');
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const market = new SimMarket();
const expected = (startMs: number, endMs: number) =>
  market.candles('BTC/USDT', '1m', { startMs, endMs });

async function storedTs(service: Runtime, startMs: number, endMs: number): Promise<number[]> {
  const frame = await service.store.read(SERIES, { startMs, endMs });
  return Array.from(frame.tsMs);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The sim with 15 ms per page, like a remote exchange: DuckDB writes keep the
 * thread pool busy, so without it a fill outruns the cancel it is racing.
 */
function slowSim(): DataFetcher {
  const sim = createSimFetcher();
  const fetcher: DataFetcher = {
    name: 'slow-sim',
    supports: (series) => sim.supports(series),
    async *pages(series, range, options) {
      for await (const page of sim.pages(series, range, options)) {
        await new Promise((r) => setTimeout(r, 15));
        yield page;
      }
    },
    fetch: (series, range, options) => collectPages(fetcher.pages(series, range, options)),
  };
  return fetcher;
}

const havePostgres = await postgresAvailable();

for (const mode of ['embedded', 'postgres'] as const) {
  describe.skipIf(mode === 'postgres' && !havePostgres)(`job worker (${mode})`, () => {
    let backend: JobBackend;
    let service: Runtime;
    const errors: unknown[] = [];

    beforeAll(async () => {
      backend = await openJobBackend(mode);
      const config = parseConfig({
        data_dir: backend.dataDir,
        ...(backend.databaseUrl ? { database_url: backend.databaseUrl } : {}),
        feeds: [{ source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'] }],
        jobs: { concurrency: 1 },
      });
      service = await openRuntime(config, {
        worker: false,
        scheduler: false,
        onError: (e) => errors.push(e),
      });
    });
    afterAll(async () => {
      await service?.close();
      await backend?.cleanup();
    });

    const slow = () => {
      const fetcher = slowSim();
      return new BackfillEngine({ store: service.store, fetcherFor: () => fetcher });
    };

    const worker = (id: string, hooks: Partial<ConstructorParameters<typeof JobWorker>[0]> = {}) =>
      new JobWorker({
        repos: service.repos,
        engine: service.engine,
        workerId: id,
        leaseTtlMs: 60_000,
        heartbeatMs: 1_000,
        pollMs: 10,
        onError: (e) => errors.push(e),
        ...hooks,
      });

    it('runs a job to completion with exactly the rows of the source', async () => {
      const job = await service.jobs.submit({
        source: 'sim',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: '2024-01-01',
        end: '2024-01-04',
      });
      const done = await worker('w1').runOnce();
      expect(done).toMatchObject({ id: job.id, status: 'completed', error: null });
      const rows = expected(START, START + 3 * DAY);
      expect(done?.recordsWritten).toBe(rows.length);
      expect(done?.cursorTs).toBe(START + 3 * DAY);
      expect(done?.pagesFetched).toBe(3);
      expect(await storedTs(service, START, START + 3 * DAY)).toEqual(rows.map((r) => r.tsMs));
      expect(service.jobs.view(done as BackfillJob).percentage).toBe(100);
      expect(errors).toEqual([]);
    });

    it('stops a cancelled job mid-way; the same range again fetches only what is missing', async () => {
      const from = START + 10 * DAY;
      const to = from + 90 * DAY;
      const input = {
        source: 'sim',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: from,
        end: to,
      };
      const first = await service.jobs.submit(input);
      let cancelled = false;
      const w = worker('w2', {
        engine: slow(),
        onProgress: () => {
          if (!cancelled) {
            cancelled = true;
            void service.jobs.cancel(first.id);
          }
        },
      });
      const stopped = await w.runOnce();
      expect(stopped?.status).toBe('cancelled');
      const partial = (await storedTs(service, from, to)).length;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(expected(from, to).length);
      // Chunks stored after the cancel are kept (as coverage) but not counted by the cancelled job.
      expect(stopped?.recordsWritten).toBeLessThanOrEqual(partial);

      const again = await service.jobs.submit(input);
      const done = await worker('w3').runOnce();
      expect(done).toMatchObject({ id: again.id, status: 'completed' });
      const rows = expected(from, to);
      expect(done?.recordsWritten).toBe(rows.length - partial);
      expect(done?.pagesFetched).toBeLessThan(90);
      expect(await storedTs(service, from, to)).toEqual(rows.map((r) => r.tsMs));
      expect(errors).toEqual([]);
    });

    it('resumes a job left running by a crashed worker once its lease expires', async () => {
      const from = START + 120 * DAY;
      const to = from + 90 * DAY;
      const job = await service.jobs.submit({
        source: 'sim',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: new Date(from).toISOString(),
        end: new Date(to).toISOString(),
      });
      let beats = 0;
      let crashed: Promise<void> | undefined;
      const doomed = worker('doomed', {
        engine: slow(),
        onProgress: () => {
          beats++;
          if (beats === 1) crashed = doomed.stop({ release: false });
        },
      });
      doomed.start();
      await waitFor(async () => crashed !== undefined);
      await crashed;
      const left = await service.jobs.get(job.id);
      expect(left).toMatchObject({ status: 'running', leaseOwner: 'doomed' });
      const partial = (await storedTs(service, from, to)).length;
      expect(partial).toBeLessThan(expected(from, to).length);
      expect(left?.recordsWritten).toBe(partial);

      const rescuer = worker('rescuer');
      expect(await rescuer.runOnce()).toBeUndefined();
      await backend.expireLease(job.id);
      const done = await rescuer.runOnce();
      expect(done).toMatchObject({ id: job.id, status: 'completed', leaseOwner: null });
      const rows = expected(from, to);
      expect(done?.recordsWritten).toBe(rows.length);
      expect(await storedTs(service, from, to)).toEqual(rows.map((r) => r.tsMs));
      expect(errors).toEqual([]);
    });

    it('a started worker picks up submitted jobs and stops gracefully', async () => {
      const w = worker('loop');
      w.start();
      expect(w.state).toBe('running');
      const job = await service.jobs.submit({
        source: 'sim',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: START + 300 * DAY,
        end: START + 302 * DAY,
      });
      await waitFor(async () => (await service.jobs.get(job.id)).status === 'completed');
      await w.stop();
      expect(w.state).toBe('stopped');
      expect(errors).toEqual([]);
    });
  });
}
