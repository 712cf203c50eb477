import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../core/errors.js';
import type { Candle } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { HistoryProvider } from '../seamless/history-provider.js';
import { SimMarket } from '../sim/market.js';
import { type SimServer, startSimServer } from '../sim/server.js';
import { createBinanceKlinesFetcher } from '../sources/binance-klines-fetcher.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { type EmbeddedStore, openEmbeddedStore } from '../storage/index.js';
import { EventRecorder } from './event-recorder.js';
import { LiveFetcher } from './live-fetcher.js';
import { StreamInput } from './stream-input.js';

const MIN = 60_000;
const T12 = Date.UTC(2024, 2, 1, 12);
const series = parseSeries('candle:binance:BTC/USDT:1m');
const market = new SimMarket();
const expectedTs = (startMs: number, endMs: number) =>
  market.candles('BTC/USDT', '1m', { startMs, endMs }, Number.MAX_SAFE_INTEGER).map((c) => c.tsMs);

/** The one clock of the test: the sim server, the fetchers and the sleeps all read it. */
const clock = {
  now: 0,
  sleeps: [] as number[],
  oversleepMs: [] as number[],
  nowMs: () => clock.now,
  sleep: async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw new CancelledError();
    clock.sleeps.push(ms);
    clock.now += ms + (clock.oversleepMs.shift() ?? 0);
  },
};

describe('StreamInput over the sim server', () => {
  const root = mkdtempSync(join(tmpdir(), 'gapless-stream-'));
  let sim: SimServer;
  let store: EmbeddedStore;
  let fetcher: DataFetcher;

  beforeAll(async () => {
    sim = await startSimServer({ market, nowMs: clock.nowMs });
    fetcher = createBinanceKlinesFetcher({
      source: 'binance',
      baseUrl: sim.url,
      nowMs: clock.nowMs,
    });
  });
  afterAll(async () => {
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    clock.now = T12 + 10_000;
    clock.sleeps = [];
    clock.oversleepMs = [];
    store = await openEmbeddedStore({ dataDir: mkdtempSync(join(root, 'data-')) });
  });
  afterEach(() => store.close());

  it('yields history then live bars, each exactly once, and records the live ones', async () => {
    // Loading the history takes 2m10s of sim time: those bars must come from the live catch-up.
    let slowOnce = true;
    const slowHistory: DataFetcher = {
      ...fetcher,
      pages: (s, r, o) => {
        if (slowOnce) clock.now += 130_000;
        slowOnce = false;
        return fetcher.pages(s, r, o);
      },
    };
    clock.oversleepMs = [0, 0, 0, 170_000];
    const stream = new StreamInput({
      series: 'candle:binance:BTC/USDT:1m',
      interval: '1m',
      period: 30,
      historyProvider: new HistoryProvider({ store, fetcher: slowHistory, nowMs: clock.nowMs }),
      liveFetcher: new LiveFetcher({ fetcher, nowMs: clock.nowMs, sleep: clock.sleep }),
      eventRecorder: new EventRecorder({ store }),
      end: T12 + 15 * MIN,
      nowMs: clock.nowMs,
    });
    const bars: Candle[] = [];
    for await (const bar of stream) bars.push(bar);
    expect(bars.map((b) => b.tsMs)).toEqual(expectedTs(T12 - 30 * MIN, T12 + 15 * MIN));
    expect(bars.map(({ meta: _m, ...bar }) => bar)).toEqual(
      market.candles(
        'BTC/USDT',
        '1m',
        { startMs: T12 - 30 * MIN, endMs: T12 + 15 * MIN },
        T12 + 15 * MIN,
      ),
    );
    expect(await store.coverage(series)).toEqual([
      { startMs: T12 - 30 * MIN, endMs: T12 + 15 * MIN },
    ]);
    const stored = await store.read(series, { startMs: T12, endMs: T12 + 15 * MIN });
    expect(stored.length).toBe(15);
    // At 12:02:20 after the history: 40.25 s to the 12:03 close, then whole minutes.
    expect(clock.sleeps.slice(0, 3)).toEqual([40_250, 60_000, 60_000]);
  });

  it('starts history at `start` and ends quietly when cancelled', async () => {
    const controller = new AbortController();
    const stream = new StreamInput({
      series,
      interval: 60_000,
      period: 5,
      start: new Date(T12 - 3 * MIN).toISOString(),
      historyProvider: new HistoryProvider({ store, fetcher, nowMs: clock.nowMs }),
      liveFetcher: new LiveFetcher({ fetcher, nowMs: clock.nowMs, sleep: clock.sleep }),
      eventRecorder: new EventRecorder({ store, batchBars: 10 }),
      nowMs: clock.nowMs,
      signal: controller.signal,
    });
    const seen: number[] = [];
    for await (const bar of stream) {
      seen.push(bar.tsMs);
      if (seen.length === 7) controller.abort();
    }
    expect(seen).toEqual(expectedTs(T12 - 3 * MIN, T12 + 4 * MIN));
    // The recorder flushed what it held when the stream ended.
    expect(await store.coverage(series)).toEqual([
      { startMs: T12 - 3 * MIN, endMs: T12 + 4 * MIN },
    ]);
  });

  it('rejects bad arguments', () => {
    const base = {
      series,
      period: 5,
      historyProvider: new HistoryProvider({ store, fetcher }),
      liveFetcher: new LiveFetcher({ fetcher }),
    };
    expect(() => new StreamInput({ ...base, interval: '5m' })).toThrow(/interval/);
    expect(() => new StreamInput({ ...base, period: -1 })).toThrow(/period/);
    expect(() => new StreamInput({ ...base, start: '2024-01-02', end: '2024-01-01' })).toThrow(
      /end/,
    );
  });
});
