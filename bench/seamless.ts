/**
 * Seamless provider figures: `cache_hit_ms` (one day of 1m bars from a warm
 * provider, median), `single_flight_ratio` (upstream requests of 64
 * concurrent callers over one caller, for a cold month of 1m bars through
 * ccxt and the sim server) and `seamless_overhead` (a stored year through the
 * seamless provider, cache cold, over `HistoryProvider.fetch`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseSeries } from '../src/core/series.js';
import { HistoryProvider } from '../src/seamless/history-provider.js';
import { SeamlessDataProvider } from '../src/seamless/seamless-provider.js';
import { SimMarket } from '../src/sim/market.js';
import { startSimServer } from '../src/sim/server.js';
import { createCcxtFetcher } from '../src/sources/ccxt-fetcher.js';
import { createSimFetcher } from '../src/sources/sim-fetcher.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';

const DAY = 86_400_000;
const YEAR_START = Date.UTC(2023, 0, 1);
const YEAR_END = Date.UTC(2024, 0, 1);
const NOW = YEAR_END + 2 * DAY;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs the seamless benchmarks in `dir` (created if missing). */
export async function runSeamlessBench(dir: string): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true });
  const market = new SimMarket({});
  const nowMs = () => NOW;

  // A stored year, filled in-process: the basis of the overhead and cache figures.
  const sim = parseSeries('candle:sim:BTC/USDT:1m');
  const store = await openEmbeddedStore({ dataDir: join(dir, 'year'), fsync: false });
  const history = new HistoryProvider({
    store,
    fetcher: createSimFetcher({ market, nowMs }),
    nowMs,
  });
  await history.fillMissing(YEAR_START, YEAR_END, { series: sim });
  const seamless = new SeamlessDataProvider({
    store,
    nowMs,
    logLevel: 'silent',
    strategy: 'FAIL_FAST',
  });

  // A full collection before every sample, on both sides: each sample pays for
  // its own garbage, not for the year the sample before it left behind.
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  const plain: number[] = [];
  const through: number[] = [];
  for (let i = 0; i < 7; i++) {
    collect();
    plain.push(await timed(() => history.fetch(YEAR_START, YEAR_END, { series: sim })));
    seamless.cache?.clear();
    collect();
    through.push(await timed(() => seamless.fetch(YEAR_START, YEAR_END, { series: sim })));
  }

  const day = { startMs: YEAR_START + 100 * DAY, endMs: YEAR_START + 101 * DAY };
  await seamless.fetch(day.startMs, day.endMs, { series: sim });
  const hits: number[] = [];
  for (let i = 0; i < 500; i++) {
    hits.push(await timed(() => seamless.fetch(day.startMs, day.endMs, { series: sim })));
  }
  await seamless.close();
  await store.close();

  const server = await startSimServer({ market, nowMs });
  const fetcher = createCcxtFetcher({
    source: 'binance',
    exchange: 'binance',
    apiUrl: server.url,
    nowMs,
    rateLimit: { tokensPerInterval: 10_000_000, intervalMs: 60_000 },
  });
  const binance = parseSeries('candle:binance:BTC/USDT:1m');
  const month = { startMs: YEAR_START, endMs: YEAR_START + 30 * DAY };
  const upstream = async (name: string, callers: number): Promise<number> => {
    const s = await openEmbeddedStore({ dataDir: join(dir, name), fsync: false });
    const p = new SeamlessDataProvider({
      store: s,
      fetcherFor: () => fetcher,
      nowMs,
      logLevel: 'silent',
    });
    const before = server.stats().dataRequests;
    await Promise.all(
      Array.from({ length: callers }, () =>
        p.fetch(month.startMs, month.endMs, { series: binance }),
      ),
    );
    const requests = server.stats().dataRequests - before;
    await p.close();
    await s.close();
    return requests;
  };
  const one = await upstream('one', 1);
  const many = await upstream('many', 64);
  await fetcher.close?.();
  await server.close();

  return {
    cache_hit_ms: median(hits),
    single_flight_ratio: many / one,
    seamless_overhead: median(through) / median(plain),
    plain_year_ms: median(plain),
    seamless_year_ms: median(through),
    upstream_requests_one: one,
  };
}
