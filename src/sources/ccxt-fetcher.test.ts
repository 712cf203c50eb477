import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../core/errors.js';
import type { Range } from '../core/range-math.js';
import type { Page } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import { type SimServer, startSimServer } from '../sim/server.js';
import { createCcxtFetcher } from './ccxt-fetcher.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 2, 1);
const NOW = START + 6 * DAY + 123_456;
const MAINTENANCE: Range = {
  startMs: START + DAY + 3 * 3_600_000,
  endMs: START + DAY + 4 * 3_600_000,
};
const FAST_RETRY = { maxAttempts: 30, retryBackoffMs: 1, maxDelayMs: 5, jitterRatio: 0 };

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('ccxt fetcher against the faulty sim server (real ccxt binance)', () => {
  let sim: SimServer;
  const market = new SimMarket({ maintenance: [MAINTENANCE] });

  beforeAll(async () => {
    sim = await startSimServer({
      market,
      nowMs: () => NOW,
      errorRate: 0.1,
      truncateRate: 0.1,
      duplicateRows: true,
      shuffleRows: true,
      weightPerMinute: 100_000,
      faultSeed: 7,
    });
  });
  afterAll(() => sim.close());

  const fetcher = () =>
    createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      nowMs: () => NOW,
      retry: FAST_RETRY,
      rateLimit: { tokensPerInterval: 90_000, intervalMs: 60_000 },
    });

  it('fetches 1m candles exactly as the market has them, in contiguous pages', async () => {
    const f = fetcher();
    const range = { startMs: START + 17 * 60_000, endMs: START + 5 * DAY + 7 * 60_000 };
    for (const subject of ['BTC/USDT', 'ETH/USDT']) {
      const series = parseSeries(`candle:binance:${subject}:1m`);
      const pages = await collect(f.pages(series, range));
      expect(pages[0]!.startMs).toBe(range.startMs);
      expect(pages.at(-1)!.endMs).toBe(range.endMs);
      for (let i = 1; i < pages.length; i++) expect(pages[i]!.startMs).toBe(pages[i - 1]!.endMs);
      const rows = pages.flatMap((p) => p.rows);
      const expected = market.candles(subject, '1m', range, NOW);
      expect(rows.length).toBe(expected.length);
      expect(rows).toEqual(expected);
      const inMaintenance = rows.filter(
        (r) => r.tsMs >= MAINTENANCE.startMs && r.tsMs < MAINTENANCE.endMs,
      );
      expect(inMaintenance).toEqual([]);
      const holder = pages.find(
        (p) => p.startMs <= MAINTENANCE.startMs && p.endMs >= MAINTENANCE.endMs,
      );
      expect(holder).toBeDefined();
    }
    const stats = sim.stats();
    expect(stats.http5xx).toBeGreaterThan(0);
    expect(stats.truncated).toBeGreaterThan(0);
    await f.close?.();
  });

  it('drops the still-open candle', async () => {
    const f = fetcher();
    const series = parseSeries('candle:binance:SOL/USDT:1h');
    const rows = await f.fetch(series, { startMs: NOW - 5 * 3_600_000, endMs: NOW + DAY });
    expect(rows).toEqual(
      market.candles('SOL/USDT', '1h', { startMs: NOW - 5 * 3_600_000, endMs: NOW + DAY }, NOW),
    );
    expect(rows.at(-1)!.tsMs + 3_600_000).toBeLessThanOrEqual(NOW);
  });

  it('fetches trades exactly, paging full windows by time', async () => {
    const f = createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      nowMs: () => NOW,
      retry: FAST_RETRY,
      tradesPageLimit: 50,
    });
    const range = { startMs: START + DAY + 90 * 60_000 + 123, endMs: START + DAY + 6 * 3_600_000 };
    const rows = await f.fetch(parseSeries('trade:binance:BTC/USDT'), range);
    const expected = market.trades('BTC/USDT', range, NOW);
    expect(expected.length).toBeGreaterThan(500);
    expect(rows).toEqual(expected);
  });

  it('fails permanently on a symbol the exchange does not list, naming it', async () => {
    const f = fetcher();
    const series = parseSeries('candle:binance:DOGE/USDT:1m');
    const error = await f.fetch(series, { startMs: START, endMs: START + DAY }).catch((e) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(false);
    expect((error as Error).message).toContain('DOGE/USDT');
  });
});

describe('ccxt fetcher against a server that always fails', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer({ nowMs: () => NOW, errorRate: 1 });
  });
  afterAll(() => sim.close());

  it('gives up after maxAttempts with a message naming the series and the cause', async () => {
    const retries: number[] = [];
    const f = createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      nowMs: () => NOW,
      retry: { maxAttempts: 3, retryBackoffMs: 1, jitterRatio: 0 },
    });
    const series = parseSeries('candle:binance:BTC/USDT:1m');
    const error = await f
      .fetch(
        series,
        { startMs: START, endMs: START + 60 * 60_000 },
        {
          onRetry: ({ attempt }) => retries.push(attempt),
        },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('SOURCE_EXHAUSTED');
    expect((error as Error).message).toMatch(
      /candle:binance:BTC\/USDT:1m .*gave up after 3 attempts.*HTTP 50\d/,
    );
    expect(retries).toEqual([1, 2]);
  });
});

describe('createCcxtFetcher options', () => {
  it('rejects an unknown ccxt id, naming it', () => {
    expect(() => createCcxtFetcher({ source: 'x', exchange: 'nosuchexchange' })).toThrow(
      /nosuchexchange/,
    );
  });
  it('supports candles of the exchange timeframes and trades', () => {
    const f = createCcxtFetcher({ source: 'binance', exchange: 'binance' });
    expect(f.supports(parseSeries('candle:binance:BTC/USDT:1m'))).toBe(true);
    expect(f.supports(parseSeries('trade:binance:BTC/USDT'))).toBe(true);
    expect(f.supports(parseSeries('candle:other:BTC/USDT:1m'))).toBe(false);
  });
});

describe('ccxt fetcher against a throttling server', () => {
  let sim: SimServer;
  beforeAll(async () => {
    // exchangeInfo (20) and one klines call (2) fit; the second klines call does not.
    sim = await startSimServer({ nowMs: () => NOW, weightPerMinute: 22 });
  });
  afterAll(() => sim.close());

  it('captures 429 and its Retry-After per request as a retryable throttle', async () => {
    const f = createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      nowMs: () => NOW,
      candlesPageLimit: 10,
      concurrency: 1,
      // One attempt: a retry would honour the ~60 s Retry-After (and the limiter's penalty).
      retry: { maxAttempts: 1 },
    });
    const series = parseSeries('candle:binance:BTC/USDT:1m');
    const error = await f
      .fetch(series, { startMs: START, endMs: START + 20 * 60_000 })
      .catch((e: unknown) => e);
    expect(sim.stats().http429).toBe(1);
    expect((error as Error).message).toMatch(/gave up after 1 attempt; .*HTTP 429/);
    const cause = (error as SourceError).cause as SourceError;
    expect(cause).toMatchObject({ code: 'SOURCE_THROTTLED', retryable: true });
    expect(cause.retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });
});

describe('ccxt fetcher against a server whose bodies stall', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer({ nowMs: () => NOW, stallRate: 0.5, faultSeed: 2 });
  });
  afterAll(() => sim.close());

  it('bounds the whole request by timeoutMs, body included, and retries it visibly', async () => {
    const retries: Error[] = [];
    const f = createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      nowMs: () => NOW,
      timeoutMs: 200,
      retry: FAST_RETRY,
    });
    const series = parseSeries('candle:binance:BTC/USDT:1m');
    const range = { startMs: START, endMs: START + DAY };
    const rows = await f.fetch(series, range, { onRetry: ({ error }) => retries.push(error) });
    expect(rows).toEqual(new SimMarket().candles('BTC/USDT', '1m', range, NOW));
    expect(sim.stats().stalled).toBeGreaterThan(0);
    expect(retries.some((e) => /timed out \(200 ms\)/.test(e.message))).toBe(true);
    await f.close?.();
  });
});
