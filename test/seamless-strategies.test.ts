import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FillProgress } from '../src/backfill/engine.js';
import { CancelledError } from '../src/core/errors.js';
import { frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { DataUnavailableError, QueueFullError } from '../src/seamless/errors.js';
import type { LiveFeed } from '../src/seamless/live-source.js';
import {
  SeamlessDataProvider,
  type SeamlessProviderOptions,
} from '../src/seamless/seamless-provider.js';
import type { Store } from '../src/storage/store.js';
import { DAY, MIN, type SimUpstream, startUpstream, tempStores } from './seamless-harness.js';

const T0 = Date.UTC(2024, 0, 1);
const NOW = T0 + 10 * DAY + 30 * MIN + 7_000;
const series = parseSeries('candle:binance:BTC/USDT:1m');
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

describe('SeamlessDataProvider strategies over EmbeddedStore and the sim server', () => {
  let up: SimUpstream;
  const stores = tempStores('gapless-seamless-');
  const providers: SeamlessDataProvider[] = [];

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    up = await startUpstream(NOW);
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await up.close();
    await stores.cleanup();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  const make = (store: Store, extra: Partial<SeamlessProviderOptions> = {}) => {
    const provider = new SeamlessDataProvider({
      store,
      fetcherFor: () => up.fetcher,
      nowMs: () => NOW,
      logLevel: 'silent',
      ...extra,
    });
    providers.push(provider);
    return provider;
  };
  const expected = (startMs: number, endMs: number) =>
    up.market.candles('BTC/USDT', '1m', { startMs, endMs }, NOW);
  /** A store holding day 2 of the three days requested. */
  const storeWithMiddleDay = async () => {
    const store = await stores.open();
    await store.write(
      series,
      { startMs: T0 + DAY, endMs: T0 + 2 * DAY },
      expected(T0 + DAY, T0 + 2 * DAY),
    );
    return store;
  };

  it('FAIL_FAST names exactly the missing ranges and fetches nothing', async () => {
    const provider = make(await storeWithMiddleDay(), { strategy: 'FAIL_FAST' });
    const before = up.sim.stats().dataRequests;
    const error = await provider.fetch(T0, T0 + 3 * DAY, { series }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataUnavailableError);
    const missing = [
      { startMs: T0, endMs: T0 + DAY },
      { startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY },
    ];
    expect((error as DataUnavailableError).missing).toEqual(missing);
    expect((error as DataUnavailableError).code).toBe('DATA_MISSING');
    expect((error as Error).message).toContain(
      '[2024-01-01T00:00:00.000Z, 2024-01-02T00:00:00.000Z), [2024-01-03T00:00:00.000Z, 2024-01-04T00:00:00.000Z)',
    );
    expect(up.sim.stats().dataRequests).toBe(before);
    // The stored day alone is served.
    const day = await provider.fetch(T0 + DAY, T0 + 2 * DAY, { series });
    expect(day.frame.length).toBe(1440);
    expect(day.missing).toEqual([]);
  });

  it('AUTO_BACKFILL returns the complete window, stores it, and serves the next call from cache', async () => {
    const store = await storeWithMiddleDay();
    const provider = make(store, { strategy: 'AUTO_BACKFILL' });
    const progress: FillProgress[] = [];
    const result = await provider.fetch('2024-01-01', '2024-01-04', {
      series,
      onProgress: (p) => progress.push(p),
    });
    expect([...frameRows(result.frame)]).toEqual(
      expected(T0, T0 + 3 * DAY).map((c) => ({ ...c, meta: null })),
    );
    expect(result.missing).toEqual([]);
    expect(result.sources).toEqual({ cache: 0, storage: 1440, backfill: 2880, live: 0 });
    // Whole single-flight windows (5000 bars, epoch aligned) are filled around the request.
    const [covered] = await store.coverage(series);
    expect(covered!.startMs).toBeLessThanOrEqual(T0);
    expect(covered!.endMs).toBeGreaterThanOrEqual(T0 + 3 * DAY);
    expect(progress.at(-1)).toMatchObject({ coveredMs: progress.at(-1)!.totalMs });
    expect(progress.at(-1)!.windowsDone).toBe(progress.at(-1)!.windowsTotal);
    const again = await provider.fetch(T0, T0 + 3 * DAY, { series });
    expect(again.sources).toEqual({ cache: 4320, storage: 0, backfill: 0, live: 0 });
    expect(Array.from(again.frame.tsMs)).toEqual(Array.from(result.frame.tsMs));
  });

  it('PARTIAL_FILL returns what is stored with the missing ranges, then fills them in the background', async () => {
    const store = await storeWithMiddleDay();
    const provider = make(store, { strategy: 'PARTIAL_FILL' });
    const result = await provider.fetch(T0, T0 + 3 * DAY, { series });
    expect(result.frame.length).toBe(1440);
    expect(result.missing).toEqual([
      { startMs: T0, endMs: T0 + DAY },
      { startMs: T0 + 2 * DAY, endMs: T0 + 3 * DAY },
    ]);
    await provider.idle();
    expect(await provider.missing(T0, T0 + 3 * DAY, { series })).toEqual([]);
    const full = await provider.fetch(T0, T0 + 3 * DAY, { series, strategy: 'FAIL_FAST' });
    expect(full.frame.length).toBe(3 * 1440);
  });

  it('SEAMLESS combines storage, backfill and live bars without duplicates or holes', async () => {
    const store = await storeWithMiddleDay();
    const lastClosed = Math.floor(NOW / MIN) * MIN;
    const liveStart = lastClosed - 45 * MIN;
    const live: LiveFeed = {
      supports: (s) => s.source === 'binance',
      coverage: (_s, r) => {
        const startMs = Math.max(r.startMs, liveStart);
        const endMs = Math.min(r.endMs, lastClosed);
        return endMs > startMs ? [{ startMs, endMs }] : [];
      },
      // Over-delivers a bar before the window: the provider must drop it.
      bars: (_s, r) => expected(r.startMs - MIN, r.endMs),
    };
    const provider = make(store, { strategy: 'SEAMLESS', live });
    const result = await provider.fetch(T0 + DAY, NOW, { series });
    const want = expected(T0 + DAY, lastClosed);
    expect(Array.from(result.frame.tsMs)).toEqual(want.map((c) => c.tsMs));
    expect(result.sources.storage).toBe(1440);
    expect(result.sources.live).toBe(45);
    expect(result.sources.backfill).toBe(want.length - 1440 - 45);
    expect(result.missing).toEqual([]);
  });

  it('a caller can cancel; the shared flight stops only when nobody waits', async () => {
    const store = await stores.open();
    const provider = make(store, { backfill: { windowBars: 1440 } });
    const controller = new AbortController();
    const pending = provider.fetch(T0, T0 + 5 * DAY, { series, signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    // A later caller starts afresh and completes.
    const result = await provider.fetch(T0, T0 + 5 * DAY, { series });
    expect(result.frame.length).toBe(5 * 1440);
  });

  it('rejects with QUEUE_FULL when more windows wait than max_queued_requests', async () => {
    const store = await stores.open();
    const provider = make(store, {
      backfill: { windowBars: 60, maxConcurrentRequests: 1, maxQueuedRequests: 2 },
    });
    const error = await provider.fetch(T0, T0 + 6 * 60 * MIN, { series }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as Error).message).toMatch(/max_queued_requests/);
  });
});
