import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asCandles, frameRows } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { createSimFetcher } from '../sources/sim-fetcher.js';
import { type EmbeddedStore, openEmbeddedStore } from '../storage/index.js';
import { HistoryProvider } from './history-provider.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const series = parseSeries('candle:sim:BTC/USDT:1m');

/** Wraps a fetcher to record the ranges it was asked for. */
function recording(fetcher: DataFetcher): {
  fetcher: DataFetcher;
  asked: { startMs: number; endMs: number }[];
} {
  const asked: { startMs: number; endMs: number }[] = [];
  return {
    asked,
    fetcher: {
      ...fetcher,
      name: fetcher.name,
      supports: (s) => fetcher.supports(s),
      fetch: (s, r, o) => fetcher.fetch(s, r, o),
      pages: (s, r, o) => {
        asked.push(r);
        return fetcher.pages(s, r, o);
      },
    },
  };
}

describe('HistoryProvider', () => {
  const root = mkdtempSync(join(tmpdir(), 'gapless-provider-'));
  let store: EmbeddedStore;
  const market = new SimMarket({});

  beforeEach(async () => {
    store = await openEmbeddedStore({ dataDir: mkdtempSync(join(root, 'data-')) });
  });
  afterEach(async () => {
    await store.close();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('fills only the missing ranges and then serves exactly the source rows', async () => {
    const { fetcher, asked } = recording(createSimFetcher({ market }));
    const provider = new HistoryProvider({ store, fetcher });
    await provider.fillMissing(T0 + DAY, T0 + 2 * DAY, { series });
    const result = await provider.fillMissing(T0, T0 + 3 * DAY, { series });
    // The first call asks for its day; the second for the two days around it,
    // which the engine fetches concurrently, so in either order.
    expect(asked[0]).toEqual({ startMs: T0 + DAY, endMs: T0 + 2 * DAY });
    expect(asked.slice(1).sort((a, b) => a.startMs - b.startMs)).toEqual([
      { startMs: T0, endMs: T0 + DAY },
      { startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY },
    ]);
    expect(asked).toHaveLength(3);
    expect(result.gapsLeft).toEqual([]);
    expect(result.rowsWritten).toBe(2 * 1440);
    expect(await provider.coverage(series)).toEqual([{ startMs: T0, endMs: T0 + 3 * DAY }]);
    const frame = await provider.fetch('2024-01-01', '2024-01-04', { series });
    const expected = market.candles('BTC/USDT', '1m', { startMs: T0, endMs: T0 + 3 * DAY });
    expect([...frameRows(frame)].map((r) => r.tsMs)).toEqual(expected.map((c) => c.tsMs));
    expect(Array.from(asCandles(frame).close)).toEqual(expected.map((c) => c.close));
  });

  it('reports progress up to the whole window', async () => {
    const provider = new HistoryProvider({ store, fetcher: createSimFetcher({ market }) });
    const seen: number[] = [];
    await provider.fillMissing(T0, T0 + 90 * DAY, {
      series,
      onProgress: (p) => seen.push(p.coveredMs / p.totalMs),
    });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toBe(1);
  });

  it('never covers the bar that is still open', async () => {
    const now = T0 + 90 * 60_000 + 30_000; // 01:30:30
    const provider = new HistoryProvider({
      store,
      fetcher: createSimFetcher({ market, nowMs: () => now }),
      nowMs: () => now,
    });
    const result = await provider.fillMissing(T0, now, { series });
    expect(result.window).toEqual({ startMs: T0, endMs: T0 + 90 * 60_000 });
    expect(result.rowsWritten).toBe(90);
    expect(await provider.missing(T0, now, { series })).toEqual([]);
  });

  it('without a fetcher, fillMissing fails clearly and fetch still reads', async () => {
    const provider = new HistoryProvider({ store });
    await expect(provider.fillMissing(T0, T0 + DAY, { series })).rejects.toMatchObject({
      code: 'UNSUPPORTED_SERIES',
      category: 'bad_input',
      message: 'no configured feed cannot serve candle:sim:BTC/USDT:1m',
    });
    expect((await provider.fetch(T0, T0 + DAY, { series })).length).toBe(0);
  });

  it('rejects bad arguments with clear errors', async () => {
    const provider = new HistoryProvider({ store, fetcher: createSimFetcher({ market }) });
    await expect(provider.fetch(T0 + DAY, T0, { series })).rejects.toThrow(/must be after start/);
    await expect(provider.fetch('2024-13-01', T0, { series })).rejects.toThrow(/bad start/);
    await expect(provider.fillMissing(T0, T0 + DAY, { series: 'candle:sim:X' })).rejects.toThrow(
      /bad series id/,
    );
  });
});
