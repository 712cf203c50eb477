import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimMarket } from '../src/sim/market.js';
import { postgresAvailable } from './helpers/postgres.js';
import {
  DAY_JOB,
  getJson,
  MODES,
  postJson,
  startTestServer,
  type TestServer,
  waitForJob,
} from './helpers/server-harness.js';

const pgAvailable = await postgresAvailable();
const market = new SimMarket();
const DAY = 86_400_000;
const JAN1 = Date.UTC(2024, 0, 1);

type Json = Record<string, unknown>;

async function run(url: string, body: Json): Promise<Json> {
  const created = await postJson(`${url}/reports/backfill`, body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return waitForJob(url, (created.body as Json).id as string);
}

/** The market's 1m candles rolled up to `bucketMs` the plain way, for comparison with DuckDB's. */
function rolledUp(startMs: number, endMs: number, bucketMs: number) {
  const out = new Map<number, number[]>();
  for (const c of market.candles('BTC/USDT', '1m', { startMs, endMs })) {
    const t = Math.floor(c.tsMs / bucketMs) * bucketMs;
    const bar = out.get(t);
    if (bar === undefined) out.set(t, [c.open, c.high, c.low, c.close, c.volume]);
    else {
      bar[1] = Math.max(bar[1]!, c.high);
      bar[2] = Math.min(bar[2]!, c.low);
      bar[3] = c.close;
      bar[4] = bar[4]! + c.volume;
    }
  }
  return out;
}

for (const mode of MODES) {
  describe.skipIf(mode === 'postgres' && !pgAvailable)(`console API (${mode})`, () => {
    let s: TestServer;

    beforeAll(async () => {
      s = await startTestServer(mode);
    });

    afterAll(async () => {
      await s?.close();
    });

    it('POST /reports/backfill/preview plans exactly the pages the job then fetches, creating nothing', async () => {
      const body = { ...DAY_JOB, start: '2024-01-01', end: '2024-01-03' };
      const before = await postJson(`${s.url}/reports/backfill/preview`, body);
      expect(before.status).toBe(200);
      expect(before.body).toEqual({
        series: 'candle:sim:BTC/USDT:1m',
        start: '2024-01-01T00:00:00.000Z',
        end: '2024-01-03T00:00:00.000Z',
        start_ms: JAN1,
        end_ms: JAN1 + 2 * DAY,
        missing: [
          {
            start: '2024-01-01T00:00:00.000Z',
            end: '2024-01-03T00:00:00.000Z',
            start_ms: JAN1,
            end_ms: JAN1 + 2 * DAY,
          },
        ],
        missing_bars: 2880,
        pages: 2, // the in-process sim pages by UTC day
        archive_files: 0,
        pages_exact: true,
        request_weight: 2,
        eta_s: null,
        rate_limit: null,
      });
      expect(((await getJson(`${s.url}/reports/backfill/jobs`)).body as Json).total).toBe(0);
      const done = await run(s.url, body);
      expect(done.pages_fetched).toBe(2);
      expect(done.requested_by).toBe('api');
      const after = await postJson(`${s.url}/reports/backfill/preview`, body);
      expect(after.body).toMatchObject({ missing: [], missing_bars: 0, pages: 0 });
    });

    it('preview refuses what a submission refuses, with the same messages', async () => {
      for (const bad of [
        { ...DAY_JOB, start: '2024-01-05', end: '2024-01-02' },
        { ...DAY_JOB, source: 'nope' },
        { ...DAY_JOB, granularity: '7m' },
      ]) {
        const preview = await postJson(`${s.url}/reports/backfill/preview`, bad);
        const submit = await postJson(`${s.url}/reports/backfill`, bad);
        expect(preview.status).toBeGreaterThanOrEqual(400);
        expect(preview).toMatchObject({ status: submit.status, body: submit.body });
      }
      const unknown = await postJson(`${s.url}/reports/backfill/preview`, {
        ...DAY_JOB,
        source: 'nope',
      });
      expect(unknown.body).toEqual({
        error: { code: 'UNKNOWN_FEED', message: "unknown feed 'nope' (configured: sim)" },
      });
    });

    it('jobs record who asked for them: api by default, ui from the console', async () => {
      const ui = await run(s.url, {
        ...DAY_JOB,
        start: '2024-01-10',
        end: '2024-01-11',
        requested_by: 'ui',
      });
      expect(ui.requested_by).toBe('ui');
      const listed = (await getJson(`${s.url}/reports/backfill/jobs`)).body as { jobs: Json[] };
      expect(listed.jobs.map((j) => j.requested_by)).toEqual(['ui', 'api']);
      const refused = await postJson(`${s.url}/reports/backfill`, {
        ...DAY_JOB,
        requested_by: 'scheduler',
      });
      expect(refused.status).toBe(400);
    });

    it('GET /reports/backfill/coverage gives each day covered, empty, partial or missing', async () => {
      await run(s.url, { ...DAY_JOB, start: '2016-12-31', end: '2017-01-01' }); // before the sim's genesis
      await run(s.url, { ...DAY_JOB, start: '2024-01-05T00:00Z', end: '2024-01-05T12:00Z' });
      const map = await getJson(
        `${s.url}/reports/backfill/coverage?source=sim&subject=BTC%2FUSDT&granularity=1m&start=2024-01-01&end=2024-01-06`,
      );
      expect(map.status).toBe(200);
      const body = map.body as { days: string[]; series: Json[] };
      expect(body.days).toEqual([
        '2024-01-01',
        '2024-01-02',
        '2024-01-03',
        '2024-01-04',
        '2024-01-05',
      ]);
      expect(body.series).toHaveLength(1);
      expect(body.series[0]).toMatchObject({
        id: 'candle:sim:BTC/USDT:1m',
        statuses: ['covered', 'covered', 'missing', 'missing', 'partial'],
        records: [1440, 1440, 0, 0, 720],
      });
      const genesis = await getJson(
        `${s.url}/reports/backfill/coverage?source=sim&subject=BTC%2FUSDT&granularity=1m&start=2016-12-31&end=2017-01-01`,
      );
      expect((genesis.body as { series: Json[] }).series[0]).toMatchObject({
        statuses: ['empty'],
        records: [0],
      });
      // Every configured series is listed, stored or not.
      const all = (await getJson(`${s.url}/reports/backfill/coverage`)).body as { series: Json[] };
      expect(all.series.map((x) => x.id).sort()).toEqual([
        'candle:sim:BTC/USDT:1h',
        'candle:sim:BTC/USDT:1m',
        'candle:sim:ETH/USDT:1h',
        'candle:sim:ETH/USDT:1m',
      ]);
      const tooWide = await getJson(
        `${s.url}/reports/backfill/coverage?start=2020-01-01&end=2024-01-01`,
      );
      expect(tooWide.status).toBe(400);
    });

    it('GET /reports/backfill/chart answers stored bars, or DuckDB bars of 5m, 1h, 1d past max_bars', async () => {
      await run(s.url, { ...DAY_JOB, start: '2024-01-01', end: '2024-01-05' });
      const base = `${s.url}/reports/backfill/chart?series=candle:sim:BTC/USDT:1m`;
      const day = (await getJson(`${base}&start=2024-01-01&end=2024-01-02`)).body as Json;
      const candles = market.candles('BTC/USDT', '1m', { startMs: JAN1, endMs: JAN1 + DAY });
      expect(day).toMatchObject({ bar: '1m', aggregated: false, count: 1440, gaps: [] });
      expect(day.time).toEqual(candles.map((c) => c.tsMs / 1000));
      expect(day.close).toEqual(candles.map((c) => c.close));

      for (const [maxBars, bar, bucketMs, count] of [
        [5000, '5m', 300_000, 1152],
        [100, '1h', 3_600_000, 96],
        [10, '1d', DAY, 4],
      ] as const) {
        const got = (await getJson(`${base}&start=2024-01-01&end=2024-01-05&max_bars=${maxBars}`))
          .body as Record<string, number[]> & Json;
        expect([got.bar, got.aggregated, got.count]).toEqual([bar, true, count]);
        const want = rolledUp(JAN1, JAN1 + 4 * DAY, bucketMs);
        expect(got.time).toEqual([...want.keys()].map((t) => t / 1000));
        const [open, high, low, close, volume] = [0, 1, 2, 3, 4].map((k) =>
          [...want.values()].map((b) => b[k]!),
        );
        expect([got.open, got.high, got.low, got.close]).toEqual([open, high, low, close]);
        for (const [i, v] of got.volume!.entries()) expect(v).toBeCloseTo(volume![i]!, 6);
      }

      const gap = (await getJson(`${base}&start=2023-12-31&end=2024-01-02`)).body as Json;
      expect(gap.gaps).toEqual([{ start_ms: JAN1 - DAY, end_ms: JAN1 }]);
      expect(gap.count).toBe(1440);
      const trades = await getJson(
        `${s.url}/reports/backfill/chart?series=trade:sim:BTC/USDT&start=2024-01-01`,
      );
      expect(trades.status).toBe(400);
    });

    it('GET /reports/backfill/runs lists the scheduler runs newest first', async () => {
      const t = Date.UTC(2024, 0, 2, 0, 30);
      await s.service.repos.history.record({
        symbol: 'BTC/USDT',
        backfillTimestamp: t,
        recordsImported: 1440,
        success: true,
        errorDetails: null,
      });
      await s.service.repos.history.record({
        symbol: 'ETH/USDT',
        backfillTimestamp: t + DAY,
        recordsImported: 0,
        success: false,
        errorDetails: 'SOURCE_FAILED: boom',
      });
      const { status, body } = await getJson(`${s.url}/reports/backfill/runs?limit=5`);
      expect(status).toBe(200);
      expect(body).toEqual({
        runs: [
          {
            symbol: 'ETH/USDT',
            time: '2024-01-03T00:30:00.000Z',
            time_ms: t + DAY,
            records_imported: 0,
            success: false,
            error: 'SOURCE_FAILED: boom',
          },
          {
            symbol: 'BTC/USDT',
            time: '2024-01-02T00:30:00.000Z',
            time_ms: t,
            records_imported: 1440,
            success: true,
            error: null,
          },
        ],
      });
    });
  });
}
