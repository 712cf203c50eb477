import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimMarket } from '../src/sim/market.js';
import { postgresAvailable } from './helpers/postgres.js';
import {
  API_KEY,
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

function expectedRows(startMs: number, endMs: number) {
  return market.candles('BTC/USDT', '1m', { startMs, endMs }).map((c) => ({
    ts: new Date(c.tsMs).toISOString(),
    ts_ms: c.tsMs,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
  }));
}

for (const mode of MODES) {
  describe.skipIf(mode === 'postgres' && !pgAvailable)(`HTTP API contract (${mode})`, () => {
    let live: TestServer;
    let idle: TestServer;
    let jobId = '';

    beforeAll(async () => {
      [live, idle] = await Promise.all([
        startTestServer(mode),
        startTestServer(mode, { worker: false }),
      ]);
      const created = await postJson(`${live.url}/reports/backfill`, {
        ...DAY_JOB,
        end: '2024-01-03',
      });
      expect(created.status).toBe(201);
      jobId = (created.body as Json).id as string;
      const done = await waitForJob(live.url, jobId);
      expect(done.status).toBe('completed');
    });

    afterAll(async () => {
      await Promise.all([live?.close(), idle?.close()]);
    });

    it('GET /health reports storage, database and scheduler', async () => {
      const { status, body, headers } = await getJson(`${live.url}/health`);
      expect(status).toBe(200);
      expect(body).toEqual({
        status: 'ok',
        scheduler_running: true,
        storage: 'ok',
        database: 'ok',
        database_mode: mode,
      });
      expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const echoed = await fetch(`${live.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
      expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    });

    it('GET /reports/backfill/feeds lists the configured feeds', async () => {
      const { status, body } = await getJson(`${live.url}/reports/backfill/feeds`);
      expect(status).toBe(200);
      expect(body).toEqual({
        feeds: [
          {
            source: 'sim',
            exchange: 'sim',
            asset_class: 'crypto',
            subjects: ['BTC/USDT', 'ETH/USDT'],
            kinds: ['candle'],
            granularities: ['1m', '1h'],
          },
        ],
      });
    });

    it('POST /reports/backfill creates a job that completes with every bar', async () => {
      const { status, body } = await getJson(`${live.url}/reports/backfill/jobs/${jobId}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        id: jobId,
        source: 'sim',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: '2024-01-01T00:00:00.000Z',
        end: '2024-01-03T00:00:00.000Z',
        start_ms: JAN1,
        end_ms: JAN1 + 2 * DAY,
        cursor_ms: JAN1 + 2 * DAY,
        records_written: 2880,
        status: 'completed',
        error: null,
        percentage: 100,
      });
      expect((body as Json).pages_fetched).toBeGreaterThan(0);
    });

    it('POST /reports/backfill answers 201 with the view and Location, then 409 with the running id', async () => {
      const job = { ...DAY_JOB, subject: 'ETH/USDT', granularity: '1h' };
      const first = await postJson(`${idle.url}/reports/backfill`, job);
      expect(first.status).toBe(201);
      const view = first.body as Json;
      expect(view).toMatchObject({
        status: 'pending',
        percentage: 0,
        cursor: null,
        records_written: 0,
      });
      expect(first.headers.get('location')).toBe(`/reports/backfill/jobs/${view.id}`);
      const second = await postJson(`${idle.url}/reports/backfill`, {
        ...job,
        subject: 'BTC/USDT',
      });
      expect(second.status).toBe(409);
      expect(second.body).toEqual({
        error: {
          code: 'JOB_RUNNING',
          message: expect.stringContaining(String(view.id)),
          job_id: view.id,
        },
      });
      const cancelled = await postJson(`${idle.url}/reports/backfill/jobs/${view.id}/cancel`, {});
      expect(cancelled.status).toBe(200);
      expect((cancelled.body as Json).status).toBe('cancelled');
      const again = await postJson(`${idle.url}/reports/backfill/jobs/${view.id}/cancel`, {});
      expect(again.status).toBe(409);
      expect((again.body as Json).error).toMatchObject({ code: 'JOB_FINISHED' });
      const unknown = await postJson(
        `${idle.url}/reports/backfill/jobs/00000000-0000-4000-8000-000000000000/cancel`,
        {},
      );
      expect(unknown.status).toBe(404);
    });

    it('POST /reports/backfill refuses unknown feeds, subjects and bad ranges with named errors', async () => {
      const base = DAY_JOB;
      const cases: [Json, number, string][] = [
        [{ ...base, source: 'nope' }, 404, 'UNKNOWN_FEED'],
        [{ ...base, subject: 'DOGE/USDT' }, 404, 'UNKNOWN_SUBJECT'],
        [{ ...base, granularity: '7m' }, 400, 'BAD_GRANULARITY'],
        [{ ...base, end: '2023-01-01' }, 400, 'BAD_RANGE'],
        [{ ...base, start: '2020-01-01' }, 400, 'RANGE_TOO_LARGE'],
        [{ ...base, start: 'yesterday' }, 400, 'BAD_TIME'],
        [{ ...base, extra: 1 }, 400, 'BAD_REQUEST'],
        [{ ...base, start: true }, 400, 'BAD_REQUEST'],
      ];
      for (const [body, status, code] of cases) {
        const res = await postJson(`${idle.url}/reports/backfill`, body);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect((res.body as Json).error).toMatchObject({ code });
      }
      const unknownField = await postJson(`${idle.url}/reports/backfill`, {
        ...base,
        colour: 'red',
      });
      expect(JSON.stringify(unknownField.body)).toContain("'colour'");
      const wrongType = await postJson(`${idle.url}/reports/backfill`, { ...base, kind: 5 });
      expect(JSON.stringify(wrongType.body)).toContain("'kind'");
    });

    it('GET /reports/backfill/jobs filters, pages and sorts newest first', async () => {
      const second = await postJson(`${live.url}/reports/backfill`, {
        ...DAY_JOB,
        subject: 'ETH/USDT',
        granularity: '1h',
      });
      expect(second.status).toBe(201);
      const secondId = (second.body as Json).id as string;
      await waitForJob(live.url, secondId);
      const all = await getJson(`${live.url}/reports/backfill/jobs`);
      expect(all.status).toBe(200);
      const page = all.body as { jobs: Json[]; total: number; limit: number; offset: number };
      expect(page.total).toBe(2);
      expect(page.limit).toBe(50);
      expect(page.offset).toBe(0);
      expect(page.jobs.map((j) => j.id)).toEqual([secondId, jobId]);
      const filtered = await getJson(
        `${live.url}/reports/backfill/jobs?subject=BTC%2FUSDT&status=completed&granularity=1m&kind=candle&source=sim`,
      );
      expect((filtered.body as typeof page).jobs.map((j) => j.id)).toEqual([jobId]);
      const paged = await getJson(`${live.url}/reports/backfill/jobs?limit=1&offset=1`);
      expect(paged.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect((paged.body as typeof page).jobs.map((j) => j.id)).toEqual([jobId]);
      const none = await getJson(`${live.url}/reports/backfill/jobs?status=failed`);
      expect(none.body).toMatchObject({ jobs: [], total: 0 });
      for (const bad of [
        'limit=0',
        'limit=501',
        'offset=-1',
        'status=done',
        'limit=abc',
        'foo=1',
      ]) {
        const res = await getJson(`${live.url}/reports/backfill/jobs?${bad}`);
        expect(res.status, bad).toBe(400);
      }
    });

    it('GET /reports/backfill/jobs/{id} is 404 for unknown and malformed ids', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR '1'='1"]) {
        const res = await getJson(`${live.url}/reports/backfill/jobs/${encodeURIComponent(id)}`);
        expect(res.status).toBe(404);
        expect((res.body as Json).error).toMatchObject({ code: 'JOB_NOT_FOUND' });
      }
    });

    it('GET /data/backfill/index lists day files with records from Parquet metadata', async () => {
      const { status, body } = await getJson(
        `${live.url}/data/backfill/index?subject=BTC%2FUSDT&granularity=1m`,
      );
      expect(status).toBe(200);
      const entries = body as {
        path: string;
        records: number;
        size_bytes: number;
        date: string;
        sha256: string;
      }[];
      expect(entries.map((e) => e.date)).toEqual(['2024-01-01', '2024-01-02']);
      for (const e of entries) {
        expect(e.path).toBe(`sim/BTC%2FUSDT/candle/1m/${e.date}.parquet`);
        expect(e.records).toBe(1440);
        expect(e.size_bytes).toBe(statSync(join(live.dataDir, e.path)).size);
        expect(e.sha256).toBe(
          createHash('sha256')
            .update(readFileSync(join(live.dataDir, e.path)))
            .digest('hex'),
        );
      }
      const oneDay = await getJson(
        `${live.url}/data/backfill/index?start=2024-01-02&end=2024-01-03&source=sim&kind=candle`,
      );
      expect(
        (oneDay.body as typeof entries).filter((e) => e.path.includes('BTC')).map((e) => e.date),
      ).toEqual(['2024-01-02']);
      const none = await getJson(`${live.url}/data/backfill/index?subject=NOPE`);
      expect(none.body).toEqual([]);
      const bad = await getJson(`${live.url}/data/backfill/index?granularity=7m`);
      expect(bad.status).toBe(400);
    });

    it('GET /data/backfill/{...}/{file} serves the file with ETag, 304 and byte ranges', async () => {
      const rel = 'sim/BTC%2FUSDT/candle/1m/2024-01-01.parquet';
      const bytes = readFileSync(join(live.dataDir, rel));
      const url = `${live.url}/data/backfill/${rel}`;
      const full = await fetch(url);
      expect(full.status).toBe(200);
      expect(full.headers.get('content-type')).toBe('application/vnd.apache.parquet');
      expect(full.headers.get('accept-ranges')).toBe('bytes');
      expect(Buffer.from(await full.arrayBuffer()).equals(bytes)).toBe(true);
      const etag = full.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-z-]+"$/);

      const notModified = await fetch(url, { headers: { 'if-none-match': etag } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(etag);

      const part = await fetch(url, { headers: { range: 'bytes=100-299' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-299/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 300))).toBe(true);

      const tail = await fetch(url, { headers: { range: 'bytes=-64' } });
      expect(tail.status).toBe(206);
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 64))).toBe(
        true,
      );

      const open = await fetch(url, { headers: { range: `bytes=${bytes.length - 10}-` } });
      expect(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(
        true,
      );

      const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      expect(((await beyond.json()) as Json).error).toMatchObject({
        code: 'RANGE_NOT_SATISFIABLE',
      });

      const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
      expect(stale.status).toBe(200);
      expect((await stale.arrayBuffer()).byteLength).toBe(bytes.length);

      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(bytes.length));

      const plainSubject = await fetch(
        `${live.url}/data/backfill/sim/BTC%2FUSDT/candle/1m/2024-01-02.parquet`,
      );
      expect(plainSubject.status).toBe(200);
      const missing = await getJson(
        `${live.url}/data/backfill/sim/BTC%2FUSDT/candle/1m/2023-01-01.parquet`,
      );
      expect(missing.status).toBe(404);
      expect((missing.body as Json).error).toMatchObject({ code: 'FILE_NOT_FOUND' });
      const badName = await getJson(
        `${live.url}/data/backfill/sim/BTC%2FUSDT/candle/1m/_coverage.json`,
      );
      expect(badName.status).toBe(400);
    });

    it('GET /api/v1/historical/{symbol} streams exactly the stored candles as JSON', async () => {
      for (const symbol of ['BTC%2FUSDT', 'BTC-USDT', 'btcusdt']) {
        const res = await getJson(
          `${live.url}/api/v1/historical/${symbol}?start=2024-01-01&end=2024-01-02&granularity=1m`,
        );
        expect(res.status, symbol).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.body).toEqual({
          symbol: 'BTC/USDT',
          source: 'sim',
          kind: 'candle',
          granularity: '1m',
          start: '2024-01-01T00:00:00.000Z',
          end: '2024-01-02T00:00:00.000Z',
          start_ms: JAN1,
          end_ms: JAN1 + DAY,
          complete: true,
          gap_count: 0,
          gaps: [],
          rows: expectedRows(JAN1, JAN1 + DAY),
        });
      }
      // A month: the streamed (uncached) path; only the two covered days have rows, the rest is a gap.
      const month = await getJson(
        `${live.url}/api/v1/historical/BTC%2FUSDT?start=2023-12-31&end=2024-02-01&source=sim`,
      );
      const body = month.body as Json & { rows: unknown[] };
      expect(body.rows).toEqual(expectedRows(JAN1, JAN1 + 2 * DAY));
      expect(body.complete).toBe(false);
      expect(body.gaps).toEqual([
        {
          start: '2023-12-31T00:00:00.000Z',
          end: '2024-01-01T00:00:00.000Z',
          start_ms: JAN1 - DAY,
          end_ms: JAN1,
        },
        {
          start: '2024-01-03T00:00:00.000Z',
          end: '2024-02-01T00:00:00.000Z',
          start_ms: JAN1 + 2 * DAY,
          end_ms: Date.UTC(2024, 1, 1),
        },
      ]);
      const empty = await getJson(
        `${live.url}/api/v1/historical/ETH-USDT?start=2024-01-01&end=2024-01-02`,
      );
      expect((empty.body as Json).rows).toEqual([]);
    });

    it('GET /api/v1/historical/{symbol} as CSV and Parquet holds the same rows', async () => {
      const csv = await fetch(
        `${live.url}/api/v1/historical/BTC-USDT?start=2024-01-01T12:00:00Z&end=2024-01-02T12:00:00Z&format=csv`,
      );
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const lines = (await csv.text()).trimEnd().split('\n');
      const rows = expectedRows(JAN1 + DAY / 2, JAN1 + DAY + DAY / 2);
      expect(lines[0]).toBe('ts,ts_ms,open,high,low,close,volume');
      expect(lines.slice(1)).toEqual(
        rows.map((r) => [r.ts, r.ts_ms, r.open, r.high, r.low, r.close, r.volume].join(',')),
      );

      const parquet = await fetch(
        `${live.url}/api/v1/historical/BTC-USDT?start=2024-01-01T12:00:00Z&end=2024-01-02T12:00:00Z&format=parquet`,
      );
      expect(parquet.status).toBe(200);
      expect(parquet.headers.get('content-type')).toBe('application/vnd.apache.parquet');
      const dir = mkdtempSync(join(tmpdir(), 'gapless-pq-'));
      try {
        const file = join(dir, 'x.parquet');
        writeFileSync(file, Buffer.from(await parquet.arrayBuffer()));
        const db = await DuckDBInstance.create(':memory:');
        const conn = await db.connect();
        const result = await conn.runAndReadAll(
          `SELECT epoch_ms(ts_event) AS ts, open, high, low, close, volume FROM read_parquet('${file}') ORDER BY ts`,
        );
        const got = result.getRowObjectsJson().map((r) => ({ ...r, ts: Number(r.ts) }));
        conn.closeSync();
        db.closeSync();
        expect(got).toEqual(
          rows.map((r) => ({
            ts: r.ts_ms,
            open: r.open,
            high: r.high,
            low: r.low,
            close: r.close,
            volume: r.volume,
          })),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('GET /api/v1/historical/{symbol} refuses unknown symbols, feeds and bad ranges', async () => {
      const cases: [string, number, string][] = [
        ['DOGE-USDT?start=2024-01-01', 404, 'UNKNOWN_SYMBOL'],
        ['BTC-USDT?start=2024-01-01&source=nope', 404, 'UNKNOWN_FEED'],
        ['BTC-USDT?start=2024-01-01&granularity=4h', 400, 'BAD_GRANULARITY'],
        ['BTC-USDT?start=2024-01-02&end=2024-01-01', 400, 'BAD_RANGE'],
        ['BTC-USDT?start=2000-01-01&end=2024-01-01', 400, 'RANGE_TOO_LARGE'],
        ['BTC-USDT', 400, 'BAD_REQUEST'],
        ['BTC-USDT?start=2024-01-01&format=xml', 400, 'BAD_REQUEST'],
      ];
      for (const [path, status, code] of cases) {
        const res = await getJson(`${live.url}/api/v1/historical/${path}`);
        expect(res.status, path).toBe(status);
        expect((res.body as Json).error, path).toMatchObject({ code });
      }
    });

    it('GET /api/v1/status summarises the stored data', async () => {
      const { status, body } = await getJson(`${live.url}/api/v1/status`);
      expect(status).toBe(200);
      expect(body).toEqual({
        symbols_available: 2,
        series: 2,
        total_records: 2880 + 24,
        latest_data: '2024-01-03T00:00:00.000Z',
        latest_data_ms: JAN1 + 2 * DAY,
        validation_rate: 1,
        damaged_files: 0,
      });
    });

    it('admin endpoints need a valid X-API-Key; GET /api/v1/symbols shows tracked symbols', async () => {
      const url = `${live.url}/api/v1/admin/symbols`;
      const symbol = { symbol: 'SOL/USDT', asset_class: 'crypto' };
      expect((await postJson(url, symbol)).status).toBe(401);
      expect((await postJson(url, symbol, { 'x-api-key': 'wrong-key-0123456789' })).status).toBe(
        401,
      );
      expect((await postJson(url, symbol, { 'x-api-key': `${API_KEY}x` })).status).toBe(401);
      const added = await postJson(url, symbol, { 'x-api-key': API_KEY });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ symbol: 'SOL/USDT', asset_class: 'crypto', active: true });
      const bad = await postJson(
        url,
        { symbol: '..', asset_class: 'crypto' },
        { 'x-api-key': API_KEY },
      );
      expect(bad.status).toBe(400);

      const listed = await getJson(`${live.url}/api/v1/symbols`);
      expect(listed.body).toEqual({
        configured: [
          { symbol: 'BTC/USDT', sources: ['sim'] },
          { symbol: 'ETH/USDT', sources: ['sim'] },
        ],
        tracked: [
          {
            symbol: 'SOL/USDT',
            asset_class: 'crypto',
            active: true,
            created_at: expect.any(String),
          },
        ],
      });
      const feeds = await getJson(`${live.url}/reports/backfill/feeds`);
      expect((feeds.body as { feeds: Json[] }).feeds[0]?.subjects).toEqual([
        'BTC/USDT',
        'ETH/USDT',
        'SOL/USDT',
      ]);

      const del = `${live.url}/api/v1/admin/symbols/SOL%2FUSDT`;
      expect((await fetch(del, { method: 'DELETE' })).status).toBe(401);
      const removed = await getJson(del, { method: 'DELETE', headers: { 'x-api-key': API_KEY } });
      expect(removed.status).toBe(200);
      expect(removed.body).toEqual({ symbol: 'SOL/USDT', active: false });
      const again = await getJson(del, { method: 'DELETE', headers: { 'x-api-key': API_KEY } });
      expect(again.status).toBe(404);
    });

    it('admin endpoints are always 401 when no keys are configured', async () => {
      const res = await postJson(
        `${idle.url}/api/v1/admin/symbols`,
        { symbol: 'X/Y' },
        { 'x-api-key': '' },
      );
      expect(res.status).toBe(401);
      const server = await startTestServer(mode, {
        worker: false,
        config: { server: { api_keys: [] } },
      });
      try {
        for (const key of [undefined, '', API_KEY]) {
          const r = await postJson(
            `${server.url}/api/v1/admin/symbols`,
            { symbol: 'X/Y' },
            key === undefined ? {} : { 'x-api-key': key },
          );
          expect(r.status).toBe(401);
          expect((r.body as Json).error).toMatchObject({ code: 'UNAUTHORIZED' });
        }
      } finally {
        await server.close();
      }
    });

    it('GET /api/v1/metrics reports the last scheduled backfill', async () => {
      const before = await getJson(`${live.url}/api/v1/metrics`);
      expect(before.body).toEqual({ last_backfill: null, jobs: { running: 0, pending: 0 } });
      await live.service.repos.symbols.add('ETH/USDT', 'crypto');
      await live.service.scheduler!.runNow();
      await live.service.repos.symbols.remove('ETH/USDT');
      const after = await getJson(`${live.url}/api/v1/metrics`);
      const last = (after.body as { last_backfill: Json }).last_backfill;
      expect(last).toMatchObject({ successful_symbols: 1, failed_symbols: 0 });
      expect(last.total_records_imported).toBeGreaterThan(0);
      expect(Date.parse(String(last.time))).toBeGreaterThan(0);
    });

    it('GET /metrics is Prometheus text with job and request metrics', async () => {
      const res = await fetch(`${live.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(/^backfill_jobs_in_progress 0$/m);
      expect(text).toMatch(/^backfill_jobs_running 0$/m);
      // The library's metrics come through the same endpoint.
      expect(text).toContain('# TYPE seamless_sla_deadline_seconds histogram');
      expect(text).toContain('# TYPE backfill_retry_total counter');
      expect(text).toMatch(
        /^http_requests_total\{method="GET",route="\/health",status="200"\} \d+$/m,
      );
      expect(text).toContain('http_request_duration_seconds_bucket');
    });

    it('GET /openapi.json documents every route', async () => {
      const { status, body } = await getJson(`${live.url}/openapi.json`);
      expect(status).toBe(200);
      const doc = body as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toBe('3.1.0');
      const routes = live.server.app.routes.filter((r) => r.method !== 'ALL');
      for (const route of routes) {
        const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
        expect(doc.paths[path], path).toBeDefined();
        expect(
          doc.paths[path]?.[route.method.toLowerCase()],
          `${route.method} ${path}`,
        ).toBeDefined();
      }
      expect(Object.keys(doc.paths).length).toBe(new Set(routes.map((r) => r.path)).size);
    });

    it('GET / serves the web console, its files from this origin only', async () => {
      const res = await fetch(`${live.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      const text = await res.text();
      expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
      const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(
        text,
      )?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${live.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toContain('text/javascript');
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect((await js.text()).length).toBeGreaterThan(10_000);
      const missing = await getJson(`${live.url}/assets/nope.js`);
      expect(missing.status).toBe(404);
    });

    it('answers 404, 405 and 413 with the error shape', async () => {
      const nothing = await getJson(`${live.url}/no/such/route`);
      expect(nothing.status).toBe(404);
      expect((nothing.body as Json).error).toMatchObject({ code: 'NOT_FOUND' });
      const method = await getJson(`${live.url}/reports/backfill`, { method: 'PUT' });
      expect(method.status).toBe(405);
      expect(method.headers.get('allow')).toBe('POST');
      const big = await postJson(`${live.url}/reports/backfill`, { pad: 'x'.repeat(100_000) });
      expect(big.status).toBe(413);
      expect((big.body as Json).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });
  });
}
