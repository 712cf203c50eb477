import { describe, expect, it } from 'vitest';
import { SourceError } from '../core/errors.js';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import { createSimFetcher } from './sim-fetcher.js';

const DAY = 86_400_000;
const START = Date.UTC(2022, 5, 1, 6);
const NOW = START + 10 * DAY + 90_000;

describe('sim fetcher', () => {
  const market = new SimMarket({
    maintenance: [{ startMs: START + DAY, endMs: START + DAY + 3_600_000 }],
  });
  const fetcher = createSimFetcher({ market, nowMs: () => NOW });

  it('yields contiguous whole-day pages that equal the market', async () => {
    const series = parseSeries('candle:sim:BTC/USDT:1m');
    const range = { startMs: START, endMs: START + 3 * DAY };
    const pages = [];
    for await (const page of fetcher.pages(series, range)) pages.push(page);
    expect(pages.map((p) => [p.startMs, p.endMs])).toEqual([
      [START, Date.UTC(2022, 5, 2)],
      [Date.UTC(2022, 5, 2), Date.UTC(2022, 5, 3)],
      [Date.UTC(2022, 5, 3), Date.UTC(2022, 5, 4)],
      [Date.UTC(2022, 5, 4), START + 3 * DAY],
    ]);
    expect(pages.flatMap((p) => p.rows)).toEqual(market.candles('BTC/USDT', '1m', range, NOW));
    const trades = await fetcher.fetch(parseSeries('trade:sim:ETH/USDT'), {
      startMs: START,
      endMs: START + DAY / 2,
    });
    expect(trades).toEqual(
      market.trades('ETH/USDT', { startMs: START, endMs: START + DAY / 2 }, NOW),
    );
  });

  it('stops at the last closed bar', async () => {
    const rows = await fetcher.fetch(parseSeries('candle:sim:BTC/USDT:1h'), {
      startMs: NOW - DAY,
      endMs: NOW + DAY,
    });
    expect(rows.at(-1)!.tsMs + 3_600_000).toBeLessThanOrEqual(NOW);
    expect(rows).toHaveLength(23);
  });

  it('is fast: millions of candles in seconds', async () => {
    const t0 = performance.now();
    const rows = await fetcher.fetch(parseSeries('candle:sim:ETH/USDT:1m'), {
      startMs: START - 730 * DAY,
      endMs: START,
    });
    expect(rows.length).toBeGreaterThan(1_000_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('rejects an unknown subject permanently, naming it', async () => {
    const error = await fetcher
      .fetch(parseSeries('candle:sim:DOGE/USDT:1m'), { startMs: START, endMs: START + DAY })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(false);
    expect((error as Error).message).toContain('DOGE/USDT');
  });
});
