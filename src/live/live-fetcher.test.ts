import { describe, expect, it } from 'vitest';
import { CancelledError, SourceError } from '../core/errors.js';
import type { Candle } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { createSimFetcher } from '../sources/sim-fetcher.js';
import { LiveFetcher, nextPollDelayMs } from './live-fetcher.js';

const MIN = 60_000;
const T12 = Date.UTC(2024, 2, 1, 12);
const series = parseSeries('candle:sim:BTC/USDT:1m');
const market = new SimMarket();

/** A clock that only moves when the code under test sleeps; `oversleepMs` simulates a missed poll. */
function fakeClock(startMs: number, oversleepMs: number[] = []) {
  const clock = {
    now: startMs,
    sleeps: [] as number[],
    nowMs: () => clock.now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new CancelledError();
      clock.sleeps.push(ms);
      clock.now += ms + (oversleepMs.shift() ?? 0);
    },
  };
  return clock;
}

async function take<T>(iterable: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

describe('nextPollDelayMs', () => {
  it('sleeps to the next close plus the settle delay, in ms', () => {
    expect(nextPollDelayMs(T12 + 10_000, MIN, 250)).toBe(50_250);
    expect(nextPollDelayMs(T12 + 250, MIN, 250)).toBe(60_000);
    expect(nextPollDelayMs(T12 + 100, MIN, 250)).toBe(150);
    expect(nextPollDelayMs(T12 + 59_999, 3_600_000, 0)).toBe(3_600_000 - 59_999);
  });
});

describe('LiveFetcher', () => {
  it('polls at bar boundaries without drift and yields each closed bar once', async () => {
    const clock = fakeClock(T12 + 10_000);
    const live = new LiveFetcher({
      fetcher: createSimFetcher({ market, nowMs: clock.nowMs }),
      nowMs: clock.nowMs,
      sleep: clock.sleep,
    });
    const bars = await take(live.bars(series, { startMs: T12 }), 4);
    expect(bars.map((b) => b.tsMs)).toEqual([T12, T12 + MIN, T12 + 2 * MIN, T12 + 3 * MIN]);
    expect(bars).toEqual(market.candles('BTC/USDT', '1m', { startMs: T12, endMs: T12 + 4 * MIN }));
    expect(clock.sleeps).toEqual([50_250, 60_000, 60_000, 60_000]);
  });

  it('catches up after a missed poll, with no gap', async () => {
    const clock = fakeClock(T12 + 10_000, [0, 150_000]);
    const live = new LiveFetcher({
      fetcher: createSimFetcher({ market, nowMs: clock.nowMs }),
      nowMs: clock.nowMs,
      sleep: clock.sleep,
    });
    const batches = await take(live.batches(series, { startMs: T12 - 2 * MIN }), 4);
    expect(batches.map((b) => b.map((bar) => (bar.tsMs - T12) / MIN))).toEqual([
      [-2, -1],
      [0],
      [1, 2, 3],
      [4],
    ]);
    // After the oversleep (12:04:30.25) the next close is 12:05:00.25, not a whole minute on.
    expect(clock.sleeps).toEqual([50_250, 60_000, 30_000]);
  });

  it('stops at endMs and reports a failed poll, then catches up', async () => {
    const clock = fakeClock(T12 + 10_000);
    const sim = createSimFetcher({ market, nowMs: clock.nowMs });
    let calls = 0;
    const flaky: DataFetcher = {
      ...sim,
      pages: (s, r, o) => {
        calls++;
        if (calls === 2) throw new SourceError('upstream down', { retryable: false });
        return sim.pages(s, r, o);
      },
    };
    const errors: unknown[] = [];
    const live = new LiveFetcher({
      fetcher: flaky,
      nowMs: clock.nowMs,
      sleep: clock.sleep,
      onError: (e) => errors.push(e),
    });
    const bars: Candle[] = [];
    for await (const bar of live.bars(series, { startMs: T12, endMs: T12 + 3 * MIN + 1 })) {
      bars.push(bar);
    }
    expect(bars.map((b) => (b.tsMs - T12) / MIN)).toEqual([0, 1, 2, 3]);
    expect(errors).toHaveLength(1);
  });

  it('without onError, a failed poll ends the iteration with the error', async () => {
    const clock = fakeClock(T12 + 10_000);
    const broken: DataFetcher = {
      ...createSimFetcher({ market, nowMs: clock.nowMs }),
      pages: () => {
        throw new SourceError('upstream down', { retryable: false });
      },
    };
    const live = new LiveFetcher({ fetcher: broken, nowMs: clock.nowMs, sleep: clock.sleep });
    await expect(take(live.bars(series, { startMs: T12 - MIN }), 1)).rejects.toThrow(
      'upstream down',
    );
  });

  it('cancellation while sleeping ends the iteration quietly', async () => {
    const controller = new AbortController();
    const now = T12 + 10_000;
    const live = new LiveFetcher({
      fetcher: createSimFetcher({ market, nowMs: () => now }),
      nowMs: () => now,
      // The real sleep: the abort must interrupt it.
      settleMs: 0,
    });
    const bars: Candle[] = [];
    setTimeout(() => controller.abort(), 20);
    for await (const bar of live.bars(series, {
      startMs: T12 - 2 * MIN,
      signal: controller.signal,
    })) {
      bars.push(bar);
    }
    expect(bars.map((b) => b.tsMs)).toEqual([T12 - 2 * MIN, T12 - MIN]);
  });

  it('rejects bad options and trade series', () => {
    const fetcher = createSimFetcher();
    expect(() => new LiveFetcher({ fetcher, settleMs: -1 })).toThrow(/settleMs/);
    const live = new LiveFetcher({ fetcher });
    return expect(live.bars('trade:sim:BTC/USDT', { startMs: 0 }).next()).rejects.toThrow(
      /candle series/,
    );
  });
});
