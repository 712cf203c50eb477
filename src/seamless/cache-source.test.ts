import { describe, expect, it } from 'vitest';
import type { Candle } from '../core/rows.js';
import { asCandles, frameRows } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { DAY_MS } from '../core/time.js';
import { CacheSource } from './cache-source.js';
import { frameFromRows } from './frame-ops.js';

const series = parseSeries('candle:sim:BTC/USDT:1h');
const H = 3_600_000;
const day = (d: number) => {
  const rows: Candle[] = [];
  for (let h = 0; h < 24; h++) {
    rows.push({ tsMs: d * DAY_MS + h * H, open: 1, high: 1, low: 1, close: 1, volume: d });
  }
  return frameFromRows(series, rows);
};
const rowsOf = (frame: ReturnType<typeof day>) => [...frameRows(frame)] as Candle[];
const range = (d: number, days = 1) => ({ startMs: d * DAY_MS, endMs: (d + days) * DAY_MS });

describe('CacheSource', () => {
  it('serves what was put, by day, until the TTL passes', async () => {
    let now = 0;
    const cache = new CacheSource({ ttlMs: 1_000, nowMs: () => now });
    cache.put(series, range(1), day(1));
    cache.put(series, range(2), day(2));
    expect(cache.coverageNow(series, range(0, 4))).toEqual([range(1, 2)]);
    const frame = await cache.fetch(series, {
      startMs: DAY_MS + 20 * H,
      endMs: 2 * DAY_MS + 2 * H,
    });
    expect(Array.from(frame.tsMs)).toEqual([20, 21, 22, 23, 24, 25].map((h) => DAY_MS + h * H));
    now = 999;
    expect(cache.coverageNow(series, range(1))).toEqual([range(1)]);
    now = 1_000;
    expect(cache.coverageNow(series, range(0, 4))).toEqual([]);
    expect(cache.stats()).toEqual({ entries: 0, rows: 0, bytes: 0 });
  });

  it('evicts the least recently used day past the row bound', () => {
    const cache = new CacheSource({ maxRows: 48 });
    cache.put(series, range(1), day(1));
    cache.put(series, range(2), day(2));
    cache.fetchNow(series, range(1)); // day 1 is now the most recent
    cache.put(series, range(3), day(3));
    expect(cache.coverageNow(series, range(0, 5))).toEqual([range(1), range(3)]);
    expect(cache.stats().rows).toBe(48);
  });

  it('keeps only the newest days of a long scan, so the scan flushes nothing', async () => {
    const cache = new CacheSource({ maxRows: 1_000, maxRowsPerPut: 48 });
    cache.put(series, range(1), day(1));
    const scan = frameFromRows(
      series,
      [10, 11, 12, 13, 14].flatMap((d) => rowsOf(day(d))),
    );
    cache.put(series, range(10, 5), scan);
    expect(cache.coverageNow(series, range(0, 20))).toEqual([range(1), range(13, 2)]);
    const served = await cache.fetch(series, range(13, 2));
    expect(Array.from(asCandles(served).volume)).toEqual([
      ...Array(24).fill(13),
      ...Array(24).fill(14),
    ]);
    // Its budget counts rows, not days: a day that does not fit whole is left out.
    const odd = new CacheSource({ maxRowsPerPut: 30 });
    odd.put(series, range(10, 5), scan);
    expect(odd.coverageNow(series, range(0, 20))).toEqual([range(14)]);
    // The default is an eighth of the cache.
    const small = new CacheSource({ maxRows: 8 * 24 });
    small.put(series, range(10, 5), scan);
    expect(small.coverageNow(series, range(0, 20))).toEqual([range(14)]);
  });

  it('evicts past the byte bound and skips entries larger than it', () => {
    const cache = new CacheSource({ maxBytes: 2_000 });
    cache.put(series, range(1), day(1));
    cache.put(series, range(2), day(2));
    expect(cache.stats().entries).toBe(1);
    expect(cache.coverageNow(series, range(0, 4))).toEqual([range(2)]);
    const tiny = new CacheSource({ maxBytes: 100 });
    tiny.put(series, range(1), day(1));
    expect(tiny.stats().entries).toBe(0);
  });

  it('returns copies, so callers cannot change the cache', () => {
    const cache = new CacheSource();
    cache.put(series, range(1), day(1));
    const a = cache.fetchNow(series, range(1));
    a.tsMs[0] = -1;
    expect(cache.fetchNow(series, range(1)).tsMs[0]).toBe(DAY_MS);
  });

  it('rejects bad limits', () => {
    expect(() => new CacheSource({ maxRows: -1 })).toThrow(
      /Expected `maxRows` to be an integer >= 0/,
    );
    expect(() => new CacheSource({ ttlMs: 1.5 })).toThrow(/`ttlMs`/);
  });
});
