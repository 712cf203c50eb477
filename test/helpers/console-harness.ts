/** @module A console under test: the sim exchange over HTTP, `gapless serve` on it, and Chromium. */
import type { Browser, Page } from 'playwright-core';
import type { Range } from '../../src/core/range-math.js';
import { asCandles } from '../../src/core/rows.js';
import { makeSeries } from '../../src/core/series.js';
import { HistoryProvider } from '../../src/seamless/history-provider.js';
import { SimMarket } from '../../src/sim/market.js';
import { type SimServer, startSimServer } from '../../src/sim/server.js';
import { createSimFetcher } from '../../src/sources/sim-fetcher.js';
import { launchChromium, watchErrors } from './browser.js';
import { API_KEY, type Mode, startTestServer, type TestServer } from './server-harness.js';

/** Exchange maintenance on the sim server: no candles 2024-03-02 06:00 to 12:00 UTC. */
export const MAINTENANCE: Range = {
  startMs: Date.UTC(2024, 2, 2, 6),
  endMs: Date.UTC(2024, 2, 2, 12),
};

/** The sim market the server serves, for expected rows. */
export const MARKET = new SimMarket({ maintenance: [MAINTENANCE] });

/** Everything a console test drives. */
export interface ConsoleHarness {
  readonly sim: SimServer;
  readonly server: TestServer;
  readonly browser: Browser;
  /** A fresh page (1280 x 900 unless given) with its console errors collected. */
  page(options?: { width?: number; height?: number; bypassCSP?: boolean }): Promise<{
    page: Page;
    errors: string[];
  }>;
  close(): Promise<void>;
}

/**
 * Starts the sim exchange over HTTP (100 ms per request, so a long job can be
 * watched and cancelled), `gapless serve` pointed at it through ccxt (one
 * page in flight), and headless Chromium.
 */
export async function startConsole(mode: Mode): Promise<ConsoleHarness> {
  const sim = await startSimServer({ market: MARKET, latencyMs: 100 });
  const server = await startTestServer(mode, {
    config: {
      feeds: [
        {
          source: 'sim',
          exchange: 'sim',
          api_url: sim.url,
          subjects: ['BTC/USDT', 'ETH/USDT'],
          kinds: ['candle'],
          granularities: ['1m', '1h'],
          concurrency: 1,
        },
      ],
      server: { api_keys: [API_KEY], max_range_days: 400 },
      jobs: { poll_ms: 50, heartbeat_ms: 200 },
    },
  });
  const browser = await launchChromium();
  return {
    sim,
    server,
    browser,
    async page(options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
        bypassCSP: options.bypassCSP ?? false,
        timezoneId: 'America/New_York', // the console must show UTC whatever the zone
      });
      const page = await context.newPage();
      return { page, errors: watchErrors(page) };
    },
    async close() {
      await browser.close();
      await server.close();
      await sim.close();
    },
  };
}

/** The sim market's 1m candles of a subject, as stored rows compare. */
export function expectedCandles(subject: string, range: Range) {
  return MARKET.candles(subject, '1m', range).map((c) => [
    c.tsMs,
    c.open,
    c.high,
    c.low,
    c.close,
    c.volume,
  ]);
}

/** The stored 1m candles of a subject in the server's store. */
export async function storedCandles(server: TestServer, subject: string, range: Range) {
  const series = makeSeries({ source: 'sim', subject, kind: 'candle', granularity: '1m' });
  const frame = asCandles(await server.service.store.read(series, range));
  return Array.from({ length: frame.length }, (_, i) => [
    frame.tsMs[i],
    frame.open[i],
    frame.high[i],
    frame.low[i],
    frame.close[i],
    frame.volume[i],
  ]);
}

/**
 * Stores a long range of 1m candles straight from the same sim market (in
 * process, no HTTP latency), for charts of a year.
 */
export async function storeFromMarket(server: TestServer, subject: string, range: Range) {
  const provider = new HistoryProvider({
    store: server.service.store,
    fetcher: createSimFetcher({ source: 'sim', market: MARKET }),
  });
  return provider.fillMissing(range.startMs, range.endMs, {
    series: makeSeries({ source: 'sim', subject, kind: 'candle', granularity: '1m' }),
  });
}
