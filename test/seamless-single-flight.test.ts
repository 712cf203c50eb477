import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCandles } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { SeamlessDataProvider } from '../src/seamless/seamless-provider.js';
import type { Store } from '../src/storage/store.js';
import { DAY, type SimUpstream, startUpstream, tempStores } from './seamless-harness.js';

const START = Date.UTC(2023, 0, 1);
const END = Date.UTC(2024, 0, 1);
const NOW = END + 3 * DAY;
const series = parseSeries('candle:binance:BTC/USDT:1m');

describe('single-flight backfills (ccxt against the sim server over HTTP)', () => {
  let up: SimUpstream;
  const stores = tempStores('gapless-flight-');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    up = await startUpstream(NOW);
  });
  afterAll(async () => {
    await up.close();
    await stores.cleanup();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  const provider = (store: Store) =>
    new SeamlessDataProvider({
      store,
      fetcherFor: () => up.fetcher,
      nowMs: () => NOW,
      logLevel: 'silent',
      strategy: 'AUTO_BACKFILL',
      // The whole year fits in the cache, so 64 callers do not each read it from disk.
      cache: { maxRows: 1_000_000 },
    });

  it('64 concurrent requests for a cold year make as many upstream requests as one', async () => {
    const one = provider(await stores.open());
    let before = up.sim.stats().dataRequests;
    const single = await one.fetch(START, END, { series });
    const baseline = up.sim.stats().dataRequests - before;
    expect(single.frame.length).toBe(365 * 1440);
    expect(baseline).toBeGreaterThanOrEqual(526);

    const shared = provider(await stores.open());
    before = up.sim.stats().dataRequests;
    const results = await Promise.all(
      Array.from({ length: 64 }, () => shared.fetch(START, END, { series })),
    );
    expect(up.sim.stats().dataRequests - before).toBe(baseline);
    for (const r of results) {
      expect(r.frame.length).toBe(365 * 1440);
      expect(r.missing).toEqual([]);
    }
    expect(Array.from(asCandles(results[63]!.frame).close)).toEqual(
      Array.from(asCandles(single.frame).close),
    );
    await Promise.all([one.close(), shared.close()]);
  }, 300_000);
});
