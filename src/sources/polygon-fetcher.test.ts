import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../core/errors.js';
import type { Candle, Page } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import { polygonSimMarket } from '../sim/polygon-routes.js';
import { type SimServer, startSimServer } from '../sim/server.js';
import { createPolygonFetcher, type PolygonFetcherOptions } from './polygon-fetcher.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 2, 1);
const NOW = START + 6 * DAY + 123_456;
const FAST_RETRY = { maxAttempts: 30, retryBackoffMs: 1, maxDelayMs: 5, jitterRatio: 0 };
const OPEN_LIMIT = { tokensPerInterval: 100_000, intervalMs: 60_000 };
const aapl = parseSeries('candle:polygon:AAPL:1m');

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The parts of a Polygon aggregates body the tests read. */
interface AggsBody {
  status: string;
  results?: { t: number }[];
  next_url?: string;
}

const withoutMeta = (rows: readonly Candle[]) => rows.map(({ meta: _meta, ...rest }) => rest);

describe('polygon fetcher against the sim server', () => {
  let sim: SimServer;
  let faulty: SimServer;
  const market = new SimMarket({
    maintenance: [{ startMs: START + DAY, endMs: START + DAY + 3_600_000 }],
  });
  const stocks = polygonSimMarket(market);

  beforeAll(async () => {
    sim = await startSimServer({ market, nowMs: () => NOW, polygon: { maxResults: 1000 } });
    faulty = await startSimServer({
      market,
      nowMs: () => NOW,
      errorRate: 0.2,
      truncateRate: 0.1,
      faultSeed: 9,
      polygon: { apiKey: 'other-key', maxResults: 300 },
    });
  });
  afterAll(async () => {
    await sim.close();
    await faulty.close();
  });

  const fetcher = (extra: Partial<PolygonFetcherOptions> = {}) =>
    createPolygonFetcher({
      source: 'polygon',
      apiKey: 'sim-key',
      baseUrl: sim.url,
      nowMs: () => NOW,
      retry: FAST_RETRY,
      rateLimit: OPEN_LIMIT,
      ...extra,
    });

  it('returns exactly the market candles across windows and next_url pages', async () => {
    sim.resetStats();
    const range = { startMs: START + 17 * 60_000, endMs: START + 3 * DAY + 7 * 60_000 };
    const pages = await collect(fetcher({ pageLimit: 2000 }).pages(aapl, range));
    expect(pages[0]!.startMs).toBe(range.startMs);
    expect(pages.at(-1)!.endMs).toBe(range.endMs);
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.startMs).toBe(pages[i - 1]!.endMs);
    const rows = pages.flatMap((p) => p.rows) as Candle[];
    const expected = stocks.candles('AAPL', '1m', range, NOW);
    expect(expected.length).toBeGreaterThan(4000);
    expect(withoutMeta(rows)).toEqual(expected);
    expect(JSON.parse(rows[0]!.meta!)).toEqual({ vw: expect.any(Number), n: expect.any(Number) });
    // 3 windows of 2000 bars, each answered 1000 bars at a time.
    expect(pages).toHaveLength(3);
    expect(sim.stats().dataRequests).toBeGreaterThanOrEqual(5);
  });

  it('drops the open bar and serves split-unadjusted prices when asked', async () => {
    const series = parseSeries('candle:polygon:MSFT:1h');
    const range = { startMs: Date.UTC(2024, 2, 3), endMs: NOW + 3 * DAY };
    const adjusted = (await fetcher().fetch(series, range)) as Candle[];
    const raw = (await fetcher({ adjusted: false }).fetch(series, range)) as Candle[];
    expect(withoutMeta(adjusted)).toEqual(stocks.candles('MSFT', '1h', range, NOW));
    expect(adjusted.at(-1)!.tsMs + 3_600_000).toBeLessThanOrEqual(NOW);
    const split = Date.UTC(2024, 2, 4);
    raw.forEach((bar, i) => {
      const k = bar.tsMs < split ? 2 : 1;
      expect(bar.close).toBeCloseTo(adjusted[i]!.close * k, 6);
    });
  });

  it('retries 5xx and truncated bodies', async () => {
    const rows = await fetcher({ baseUrl: faulty.url, apiKey: 'other-key' }).fetch(aapl, {
      startMs: START,
      endMs: START + 2 * DAY,
    });
    expect(withoutMeta(rows as Candle[])).toEqual(
      stocks.candles('AAPL', '1m', { startMs: START, endMs: START + 2 * DAY }, NOW),
    );
    expect(faulty.stats().http5xx).toBeGreaterThan(0);
    expect(faulty.stats().truncated).toBeGreaterThan(0);
  });

  describe('API key', () => {
    const saved = process.env.POLYGON_API_KEY;
    afterEach(() => {
      if (saved === undefined) delete process.env.POLYGON_API_KEY;
      else process.env.POLYGON_API_KEY = saved;
    });

    it('without one, fails when fetching with an error naming POLYGON_API_KEY', async () => {
      delete process.env.POLYGON_API_KEY;
      const f = createPolygonFetcher({ source: 'polygon', baseUrl: sim.url });
      const error = await f.fetch(aapl, { startMs: START, endMs: START + DAY }).catch((e) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/POLYGON_API_KEY/);
    });

    it('reads POLYGON_API_KEY from the environment', async () => {
      process.env.POLYGON_API_KEY = 'sim-key';
      const f = fetcher({ apiKey: undefined });
      const rows = await f.fetch(aapl, { startMs: START, endMs: START + 3_600_000 });
      expect(rows).toHaveLength(60);
    });

    it('a wrong key is a permanent error, not retried', async () => {
      sim.resetStats();
      const error = await fetcher({ apiKey: 'wrong' })
        .fetch(aapl, { startMs: START, endMs: START + DAY })
        .catch((e) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect(error.code).toBe('SOURCE_AUTH');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/403 Unknown API Key.*POLYGON_API_KEY/);
      expect(sim.stats().dataRequests).toBe(1);
    });
  });

  it('serves Polygon-shaped JSON with a cursor next_url and 401 without a key', async () => {
    const base = `${sim.url}/v2/aggs/ticker/SPY/range/1/minute/${START}/${START + DAY}`;
    const noKey = await fetch(`${base}?limit=10`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ status: 'ERROR', error: expect.any(String) });
    const res = await fetch(`${base}?adjusted=true&sort=asc&limit=10&apiKey=sim-key`);
    const body = (await res.json()) as AggsBody;
    expect(body).toMatchObject({
      ticker: 'SPY',
      queryCount: 10,
      resultsCount: 10,
      adjusted: true,
      status: 'OK',
      request_id: expect.any(String),
    });
    expect(Object.keys(body.results![0]!).sort()).toEqual([
      'c',
      'h',
      'l',
      'n',
      'o',
      't',
      'v',
      'vw',
    ]);
    expect(body.next_url).toMatch(/\?cursor=[\w-]+$/);
    expect(body.next_url).not.toMatch(/apiKey/);
    const next = (await (await fetch(`${body.next_url}&apiKey=sim-key`)).json()) as AggsBody;
    expect(next.results![0]!.t).toBe(body.results![9]!.t + 60_000);
    const empty = (await (
      await fetch(
        `${sim.url}/v2/aggs/ticker/NOPE/range/1/minute/${START}/${START + DAY}?apiKey=sim-key`,
      )
    ).json()) as AggsBody;
    expect(empty).toMatchObject({ status: 'OK', resultsCount: 0 });
    expect(empty.results).toBeUndefined();
  });
});

describe('polygon fetcher and malformed vendor data', () => {
  let body = '';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const bar = { v: 1, vw: 2, o: 2, c: 2, h: 3, l: 1, t: START, n: 4 };
  it.each([
    [{ ...bar, h: 'abc' }, /results\[0\]\.h is "abc" \(expected a number\)/],
    [{ ...bar, c: undefined }, /results\[0\]\.c is missing/],
    [{ ...bar, t: START + 1 }, /results\[0\]\.t .* bar boundary/],
  ])('rejects %j permanently, naming the field', async (result, message) => {
    body = JSON.stringify({ status: 'OK', resultsCount: 1, results: [result] });
    const f = createPolygonFetcher({
      source: 'polygon',
      apiKey: 'k',
      baseUrl: url,
      nowMs: () => NOW,
      retry: FAST_RETRY,
      rateLimit: OPEN_LIMIT,
    });
    const error = await f.fetch(aapl, { startMs: START, endMs: START + DAY }).catch((e) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.code).toBe('SOURCE_MALFORMED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(message);
  });

  it('refuses a next_url to another origin (it would get the key)', async () => {
    body = JSON.stringify({
      status: 'OK',
      resultsCount: 1,
      results: [bar],
      next_url: 'https://evil.example/v2/aggs?cursor=x',
    });
    const f = createPolygonFetcher({
      source: 'polygon',
      apiKey: 'k',
      baseUrl: url,
      nowMs: () => NOW,
      rateLimit: OPEN_LIMIT,
    });
    await expect(f.fetch(aapl, { startMs: START, endMs: START + DAY })).rejects.toThrow(
      /next_url leaves/,
    );
  });
});
