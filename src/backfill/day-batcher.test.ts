import { describe, expect, it } from 'vitest';
import type { Candle, Page } from '../core/rows.js';
import { DAY_MS } from '../core/time.js';
import { DayBatcher, ObjectRowBuffer } from './day-batcher.js';

const HOUR = 3_600_000;

function page(startMs: number, endMs: number): Page<Candle> {
  const rows: Candle[] = [];
  for (let t = startMs; t < endMs; t += HOUR) {
    rows.push({ tsMs: t, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  }
  return { startMs, endMs, rows };
}

describe('DayBatcher', () => {
  it('cuts chunks on day boundaries once enough rows are gathered, losing nothing', () => {
    const batcher = new DayBatcher(new ObjectRowBuffer(), 30);
    const chunks = [];
    for (let t = 0; t < 5 * DAY_MS; t += 10 * HOUR) {
      const chunk = batcher.add(page(t, Math.min(5 * DAY_MS, t + 10 * HOUR)));
      if (chunk) chunks.push(chunk);
    }
    const rest = batcher.flush();
    if (rest) chunks.push(rest);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks.slice(0, -1)) expect(c.range.endMs % DAY_MS).toBe(0);
    // Contiguous ranges, every row once, each row inside its chunk.
    expect(chunks[0]!.range.startMs).toBe(0);
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]!.range.startMs).toBe(chunks[i - 1]!.range.endMs);
    }
    const all = chunks.flatMap((c) => c.rows.map((r) => r.tsMs));
    expect(all).toEqual(Array.from({ length: 120 }, (_, i) => i * HOUR));
    for (const c of chunks) {
      for (const r of c.rows) {
        expect(r.tsMs).toBeGreaterThanOrEqual(c.range.startMs);
        expect(r.tsMs).toBeLessThan(c.range.endMs);
      }
    }
  });

  it('cuts cleanly when a page ends exactly on a day boundary', () => {
    const batcher = new DayBatcher(new ObjectRowBuffer(), 1);
    expect(batcher.add(page(0, DAY_MS))?.range).toEqual({ startMs: 0, endMs: DAY_MS });
    expect(batcher.flush()).toBeUndefined();
    expect(batcher.add(page(DAY_MS, DAY_MS + HOUR))).toBeUndefined();
    expect(batcher.flush()?.range).toEqual({ startMs: DAY_MS, endMs: DAY_MS + HOUR });
  });

  it('never lets a chunk span a hole between pages', () => {
    const batcher = new DayBatcher(new ObjectRowBuffer(), 1);
    expect(batcher.add(page(0, 2 * HOUR))).toBeUndefined();
    const chunk = batcher.add(page(5 * HOUR, 6 * HOUR));
    expect(chunk?.range).toEqual({ startMs: 0, endMs: 2 * HOUR });
    expect(batcher.flush()?.range).toEqual({ startMs: 5 * HOUR, endMs: 6 * HOUR });
    expect(batcher.flush()).toBeUndefined();
  });
});
