import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedFetcher } from '../src/app/feed-fetcher.js';
import { parseConfig } from '../src/config/load-config.js';
import { makeSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { tempDir, writeConfig } from './helpers/cli.js';
import { freshDatabase, postgresAvailable } from './helpers/postgres.js';
import { freePort, type ServeProcess, startServe } from './helpers/serve.js';
import { getJson, MODES, postJson } from './helpers/server-harness.js';

const pgAvailable = await postgresAvailable();
const START = Date.UTC(2024, 0, 1);
// 90 days of 1m bars: about three 40k-row chunks, so the cursor moves well before the end.
const END = Date.UTC(2024, 2, 31);

for (const mode of MODES) {
  describe.skipIf(mode === 'postgres' && !pgAvailable)(
    `gapless serve killed mid-job (${mode})`,
    () => {
      let sim: SimServer;
      const tmp = tempDir();
      let db: { url: string; drop: () => Promise<void> } | undefined;
      let server: ServeProcess | undefined;
      const feed = (url: string) => ({
        source: 'simx',
        exchange: 'binance',
        api_url: url,
        subjects: ['BTC/USDT'],
        kinds: ['candle'],
        granularities: ['1m'],
        concurrency: 1,
        rate_limit: { tokens_per_interval: 600_000, interval_ms: 60_000, max_concurrency: 1 },
      });

      beforeAll(async () => {
        sim = await startSimServer({ latencyMs: 40 });
        db = mode === 'postgres' ? await freshDatabase() : undefined;
        writeConfig(tmp.dir, {
          data_dir: join(tmp.dir, 'data'),
          feeds: [feed(sim.url)],
          // A killed worker's lease must lapse quickly in PostgreSQL (embedded sees the dead pid at once).
          jobs: { lease_ttl_ms: 1_500, heartbeat_ms: 300, poll_ms: 100 },
        });
      });

      afterAll(async () => {
        await server?.kill();
        await sim?.close();
        await db?.drop();
        tmp.cleanup();
      });

      it('resumes the job from its cursor and ends with exactly the rows the source has', async () => {
        const port = await freePort();
        const env = { GAPLESS_LOG_LEVEL: 'warn', ...(db ? { DATABASE_URL: db.url } : {}) };
        const url = `http://127.0.0.1:${port}`;
        server = await startServe(tmp.dir, { port, env });

        const created = await postJson(`${url}/reports/backfill`, {
          source: 'simx',
          subject: 'BTC/USDT',
          kind: 'candle',
          granularity: '1m',
          start: START,
          end: END,
        });
        expect(created.status).toBe(201);
        const id = (created.body as { id: string }).id;

        let cursorAtKill = 0;
        for (;;) {
          const view = (await getJson(`${url}/reports/backfill/jobs/${id}`)).body as {
            cursor_ms: number | null;
            status: string;
          };
          expect(view.status).not.toBe('completed');
          if (view.cursor_ms !== null && view.cursor_ms > START) {
            cursorAtKill = view.cursor_ms;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        await server.kill();
        const requestsBeforeKill = sim.stats().dataRequests;
        sim.resetStats();

        server = await startServe(tmp.dir, { port, env });
        const resumed = (await getJson(`${url}/reports/backfill/jobs/${id}`)).body as {
          cursor_ms: number;
        };
        expect(resumed.cursor_ms).toBeGreaterThanOrEqual(cursorAtKill);
        let final: { status: string; cursor_ms: number; percentage: number } | undefined;
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          final = (await getJson(`${url}/reports/backfill/jobs/${id}`)).body as typeof final;
          if (final?.status !== 'pending' && final?.status !== 'running') break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(final).toMatchObject({ status: 'completed', cursor_ms: END, percentage: 100 });
        const requestsAfterRestart = sim.stats().dataRequests;

        const history = await getJson(
          `${url}/api/v1/historical/BTC-USDT?source=simx&start=${START}&end=${END}`,
        );
        const rows = (
          history.body as {
            rows: {
              ts_ms: number;
              open: number;
              high: number;
              low: number;
              close: number;
              volume: number;
            }[];
          }
        ).rows;
        const expected = sim.market.candles('BTC/USDT', '1m', { startMs: START, endMs: END });
        expect(rows.length).toBe(expected.length);
        expect(rows.map((r) => [r.ts_ms, r.open, r.high, r.low, r.close, r.volume])).toEqual(
          expected.map((c) => [c.tsMs, c.open, c.high, c.low, c.close, c.volume]),
        );
        expect((history.body as { complete: boolean }).complete).toBe(true);

        // What a full run costs upstream, measured with the same fetcher.
        sim.resetStats();
        const fast = {
          ...feed(sim.url),
          concurrency: 8,
          rate_limit: { tokens_per_interval: 600_000, interval_ms: 60_000, max_concurrency: 8 },
        };
        const config = parseConfig({ data_dir: tmp.dir, feeds: [fast] });
        const fetcher = createFeedFetcher(config.feeds[0]!);
        const series = makeSeries({
          source: 'simx',
          subject: 'BTC/USDT',
          kind: 'candle',
          granularity: '1m',
        });
        for await (const _page of fetcher.pages(series, { startMs: START, endMs: END })) {
          // Counting requests only.
        }
        await fetcher.close?.();
        const fullRun = sim.stats().dataRequests;
        expect(requestsBeforeKill).toBeGreaterThan(0);
        expect(requestsAfterRestart).toBeLessThan(fullRun);
        expect(requestsAfterRestart).toBeGreaterThan(0);
      });
    },
  );
}
