import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import { type SimServer, startSimServer } from '../sim/server.js';
import { createBinanceKlinesFetcher } from './binance-klines-fetcher.js';
import { createCcxtFetcher } from './ccxt-fetcher.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 4, 1);
const NOW = START + 4 * DAY + 98_765;

describe('binance klines fetcher (no ccxt)', () => {
  let sim: SimServer;
  const market = new SimMarket({
    maintenance: [{ startMs: START + DAY + 600_000, endMs: START + DAY + 5_400_000 }],
  });
  beforeAll(async () => {
    sim = await startSimServer({
      market,
      nowMs: () => NOW,
      errorRate: 0.1,
      duplicateRows: true,
      shuffleRows: true,
      faultSeed: 11,
    });
  });
  afterAll(() => sim.close());

  it('returns the same rows as the ccxt fetcher for the same range', async () => {
    const klines = createBinanceKlinesFetcher({
      source: 'binance',
      baseUrl: sim.url,
      nowMs: () => NOW,
    });
    const ccxt = createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      nowMs: () => NOW,
      retry: { retryBackoffMs: 1, maxDelayMs: 5, maxAttempts: 20 },
      rateLimit: { tokensPerInterval: 90_000, intervalMs: 60_000 },
    });
    for (const id of ['candle:binance:BTC/USDT:1m', 'candle:binance:ETH/USDT:15m']) {
      const series = parseSeries(id);
      // Runs past now: both stop at the last closed bar.
      const range = { startMs: START + 7 * 60_000, endMs: NOW + DAY };
      const mine = await klines.fetch(series, range);
      expect(mine).toEqual(await ccxt.fetch(series, range));
      expect(mine).toEqual(market.candles(series.subject, series.granularity!, range, NOW));
    }
    expect(sim.stats().http5xx).toBeGreaterThan(0);
    await ccxt.close?.();
  });

  it('tells the exchange clock, as ccxt does (GET /api/v3/time)', async () => {
    // Our clock agrees with the sim's here, so the learned offset is 0.
    const clock = { nowMs: () => NOW };
    const klines = createBinanceKlinesFetcher({ source: 'binance', baseUrl: sim.url, ...clock });
    const ccxt = createCcxtFetcher({
      source: 'binance',
      exchange: 'binance',
      apiUrl: sim.url,
      ...clock,
    });
    expect(await klines.serverTimeMs!()).toBe(NOW);
    expect(await ccxt.serverTimeMs!()).toBe(NOW);
    await ccxt.close?.();
  });
});
