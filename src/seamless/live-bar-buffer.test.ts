import { describe, expect, it } from 'vitest';
import type { Candle } from '../core/rows.js';
import { LiveBarBuffer } from './live-bar-buffer.js';

const M = 60_000;
const bar = (i: number): Candle => ({ tsMs: i * M, open: 1, high: 1, low: 1, close: 1, volume: 1 });

describe('LiveBarBuffer', () => {
  it('covers the contiguous run it saw and restarts after a hole', async () => {
    const buffer = new LiveBarBuffer('candle:sim:BTC/USDT:1m', { maxBars: 3 });
    async function* stream() {
      yield* [bar(1), bar(2), bar(2), bar(3), bar(4)];
      throw new Error('socket closed');
    }
    const errors: unknown[] = [];
    await buffer.follow(stream(), (e) => errors.push(e));
    expect(errors).toHaveLength(1);
    const all = { startMs: 0, endMs: 100 * M };
    expect(buffer.coverage(buffer.series, all)).toEqual([{ startMs: 2 * M, endMs: 5 * M }]);
    buffer.push(bar(9));
    expect(buffer.coverage(buffer.series, all)).toEqual([{ startMs: 9 * M, endMs: 10 * M }]);
    expect(buffer.bars(buffer.series, all).map((b) => b.tsMs)).toEqual([9 * M]);
    expect(() => new LiveBarBuffer('trade:sim:BTC/USDT')).toThrow(/candle/);
  });
});
