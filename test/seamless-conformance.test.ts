import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConformanceError } from '../src/conformance/report.js';
import type { Candle, Page } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { SeamlessDataProvider } from '../src/seamless/seamless-provider.js';
import { SimMarket } from '../src/sim/market.js';
import { collectPages, type DataFetcher } from '../src/sources/data-fetcher.js';
import { createSimFetcher } from '../src/sources/sim-fetcher.js';
import type { EmbeddedStore } from '../src/storage/embedded-store.js';
import { DAY, MIN, tempStores } from './seamless-harness.js';

const D = Date.UTC(2024, 1, 1);
const NOW = D + 5 * DAY;
const series = parseSeries('candle:binance:BTC/USDT:1m');
const market = new SimMarket({});

/** A vendor whose page of day D carries bad prices, a repeat, a misaligned and an out-of-order row. */
function faultyVendor(): DataFetcher {
  const inner = createSimFetcher({ source: 'binance', market, nowMs: () => NOW });
  const corrupt = (page: Page): Page => {
    if (page.startMs !== D) return page;
    const rows = (page.rows as Candle[]).map((c) => ({ ...c }));
    rows[10]!.high = Math.max(rows[10]!.open, rows[10]!.close) - 1; // high below open/close
    rows[20]!.volume = -3; // negative volume
    rows[50]!.tsMs += 7_000; // misaligned
    [rows[60], rows[61]] = [rows[61]!, rows[60]!]; // index 61 goes back in time
    rows.splice(100, 0, { ...rows[99]! }); // index 100 repeats index 99
    return { ...page, rows };
  };
  const fetcher: DataFetcher = {
    name: 'faulty-vendor',
    supports: (s) => inner.supports(s),
    async *pages(s, r, o) {
      for await (const page of inner.pages(s, r, o)) yield corrupt(page);
    },
    fetch: (s, r, o) => collectPages(fetcher.pages(s, r, o)),
  };
  return fetcher;
}

const EXPECTED = [
  { rule: 'high_below_open_close', index: 10 },
  { rule: 'negative_volume', index: 20 },
  { rule: 'misaligned', index: 50 },
  { rule: 'out_of_order', index: 61 },
  { rule: 'duplicate', index: 100 },
];

function parquetFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.parquet'),
  );
}

describe('conformance on the backfill path', () => {
  const stores = tempStores('gapless-conformance-');
  afterAll(() => stores.cleanup());

  const make = (store: EmbeddedStore, partialOk: boolean) =>
    new SeamlessDataProvider({
      store,
      fetcherFor: () => faultyVendor(),
      nowMs: () => NOW,
      logLevel: 'silent',
      backfill: { windowBars: 1440 },
      conformance: { partialOk },
    });

  it('blocks by default: ConformanceError names each row and rule, nothing is stored', async () => {
    const store = await stores.open();
    const provider = make(store, false);
    const violations = provider.metricsRegistry.getSingleMetric('conformance_violations_total')!;
    const counted = (await violations.get()).values.reduce((n, v) => n + v.value, 0);
    const error = await provider.fetch(D, D + DAY, { series }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConformanceError);
    const report = (error as ConformanceError).report;
    expect((error as ConformanceError).code).toBe('CONFORMANCE_FAILED');
    expect(report.ok).toBe(false);
    expect(report.series).toBe('candle:binance:BTC/USDT:1m');
    const errors = report.violations.filter((v) => v.severity === 'error');
    expect(errors.map(({ rule, index }) => ({ rule, index }))).toEqual(EXPECTED);
    expect(errors[2]!.ts).toBe(D + 50 * MIN + 7_000);
    expect(errors[0]!.detail).toMatch(/high .* < max\(open/);
    expect((error as Error).message).toMatch(/row 10: high_below_open_close/);
    expect(await store.coverage(series)).toEqual([]);
    expect(parquetFiles(store.dataDir)).toEqual([]);
    expect(provider.conformanceReports(series)).toEqual([report]);
    expect(provider.lastConformanceReport).toBe(report);
    const after = (await violations.get()).values.reduce((n, v) => n + v.value, 0);
    expect(after - counted).toBeGreaterThanOrEqual(EXPECTED.length);
    await provider.close();
  });

  it('partial_ok stores only the good rows and leaves the bad bars missing', async () => {
    const store = await stores.open();
    const provider = make(store, true);
    const result = await provider.fetch(D, D + DAY, { series });
    const cutBars = [10, 20, 50, 60, 99].map((i) => D + i * MIN);
    expect(result.missing).toEqual(cutBars.map((startMs) => ({ startMs, endMs: startMs + MIN })));
    expect(result.frame.length).toBe(1440 - cutBars.length);
    expect(result.conformance?.[0]?.violations.filter((v) => v.severity === 'error')).toHaveLength(
      5,
    );
    expect(provider.lastConformanceReport?.ok).toBe(false);
    const stored = await store.read(series, { startMs: D, endMs: D + DAY });
    const storedTs = new Set(Array.from(stored.tsMs));
    expect(stored.length).toBe(1440 - cutBars.length);
    for (const ts of cutBars) expect(storedTs.has(ts)).toBe(false);
    const good = market.candles('BTC/USDT', '1m', { startMs: D, endMs: D + DAY }, NOW);
    const byTs = new Map(good.map((c) => [c.tsMs, c]));
    for (let i = 0; i < stored.length; i++) {
      expect(stored.tsMs[i]! % MIN).toBe(0);
      if (stored.kind === 'candle') expect(stored.close[i]).toBe(byTs.get(stored.tsMs[i]!)!.close);
    }
    await provider.close();
  });
});
