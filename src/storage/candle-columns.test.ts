import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Candle, type CandleColumns, candleAt as candleOf } from '../core/rows.js';
import { DAY_MS } from '../core/time.js';
import {
  candleColumns,
  checkedCandleColumns,
  mergeCandleColumns,
  sliceCandleColumns,
} from './candle-columns.js';
import { candleBatch, daySlices } from './row-batch.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const VALUES = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

function toColumns(rows: readonly Candle[]): CandleColumns {
  const col = (name: (typeof VALUES)[number]) => Float64Array.from(rows, (r) => r[name]);
  return {
    length: rows.length,
    tsMs: col('tsMs'),
    open: col('open'),
    high: col('high'),
    low: col('low'),
    close: col('close'),
    volume: col('volume'),
    meta: rows.map((r) => r.meta ?? null),
  };
}

/** The columns back as rows, checking every column has `length` entries (meta at most). */
function rowsOf(cols: CandleColumns): Candle[] {
  for (const name of VALUES) expect(cols[name].length, name).toBe(cols.length);
  // Meta may stop early: past its end means null.
  expect(cols.meta.length).toBeLessThanOrEqual(cols.length);
  return Array.from({ length: cols.length }, (_, i) => ({
    ...candleOf(cols, i),
    meta: cols.meta[i] ?? null,
  }));
}

/** Exact equality: -0 is not 0 and NaN is NaN, as in the files. */
function expectSameRows(actual: readonly Candle[], expected: readonly Candle[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    for (const name of VALUES) {
      expect(Object.is(row[name], expected[i]![name]), `row ${i} ${name}`).toBe(true);
    }
    expect(row.meta, `row ${i} meta`).toBe(expected[i]!.meta ?? null);
  });
}

// Doubles include NaN, ±0 and infinities: a merge must copy them bit for bit.
const candleAt = (tsMs: number) =>
  fc
    .record({
      open: fc.double(),
      high: fc.double(),
      low: fc.double(),
      close: fc.double(),
      volume: fc.double(),
      meta: fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
    })
    .map((v): Candle => ({ tsMs, ...v }));

// Sorted unique bar times; a small domain makes overlaps and interleavings common.
const times = (maxLength: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength })
    .map((ks) => ks.sort((a, b) => a - b).map((k) => T0 + k * MIN));
const rowsAt = (ts: readonly number[]) => fc.tuple(...ts.map(candleAt));

/** Old and fresh rows: random sets, plus the shapes a backfill produces most. */
const oldAndFresh = fc
  .tuple(times(30), times(30), fc.constantFrom('random', 'same', 'disjoint', 'no-fresh', 'no-old'))
  .map(([a, b, shape]) => {
    if (shape === 'same') return [a, a];
    if (shape === 'disjoint') return [a, b.filter((t) => !a.includes(t))];
    if (shape === 'no-fresh') return [a, []];
    if (shape === 'no-old') return [[], b];
    return [a, b];
  })
  .chain(([a, b]) => fc.tuple(rowsAt(a!), rowsAt(b!)));

describe('mergeCandleColumns', () => {
  it('matches a map model: old rows, overwritten by fresh ones, sorted by time', () => {
    fc.assert(
      fc.property(oldAndFresh, ([old, fresh]) => {
        const model = new Map<number, Candle>();
        for (const row of [...old, ...fresh]) model.set(row.tsMs, { ...row });
        const expected = [...model.values()].sort((a, b) => a.tsMs - b.tsMs);
        expectSameRows(rowsOf(mergeCandleColumns(toColumns(fresh), toColumns(old))), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps fresh rows on every tie, including the first and last', () => {
    const row = (tsMs: number, v: number, meta: string | null): Candle => ({
      tsMs,
      open: v,
      high: v,
      low: v,
      close: v,
      volume: v,
      meta,
    });
    const old = [row(T0, 1, 'old'), row(T0 + MIN, 1, null), row(T0 + 3 * MIN, 1, 'old')];
    const fresh = [row(T0, 2, null), row(T0 + 2 * MIN, 2, 'ü'), row(T0 + 3 * MIN, -0, 'new')];
    expectSameRows(rowsOf(mergeCandleColumns(toColumns(fresh), toColumns(old))), [
      fresh[0]!,
      old[1]!,
      fresh[1]!,
      fresh[2]!,
    ]);
  });
});

// The store cuts a batch's columns into days: `sliceCandleColumns(candleColumns(batch), from, to)`.
describe('candle columns of a batch, by day', () => {
  // Rows every 2 h over 4 days, in any order and with repeats: what a page merge may pass in.
  const shuffled = fc.array(
    fc.integer({ min: 0, max: 47 }).chain((k) => candleAt(T0 + k * 2 * 3_600_000 + (k % 3) * MIN)),
    { maxLength: 80 },
  );
  const range = { startMs: T0, endMs: T0 + 4 * DAY_MS };

  /** Each day's rows, in time order, the last given of a repeated time winning. */
  function modelDays(rows: readonly Candle[]): Map<number, Candle[]> {
    const last = new Map(rows.map((r) => [r.tsMs, r]));
    const days = new Map<number, Candle[]>();
    for (const r of [...last.values()].sort((a, b) => a.tsMs - b.tsMs)) {
      const day = Math.floor(r.tsMs / DAY_MS) * DAY_MS;
      days.set(day, [...(days.get(day) ?? []), r]);
    }
    return days;
  }

  it('picks each day in time order, the last of repeated times winning', () => {
    fc.assert(
      fc.property(shuffled, (input) => {
        // Some rows leave `meta` out altogether; the columns hold null for them.
        const rows = input.map((r, i) => (i % 4 === 0 ? { ...r, meta: undefined } : r));
        const batch = candleBatch(rows, range);
        const columns = candleColumns(batch);
        const want = modelDays(rows);
        expect(batch.days.map((d) => d.startMs)).toEqual([...want.keys()]);
        // The store recuts the columns itself; it must find the same days.
        expect(daySlices(columns.length, (k) => columns.tsMs[k]!)).toEqual(batch.days);
        for (const day of batch.days) {
          expectSameRows(
            rowsOf(sliceCandleColumns(columns, day.from, day.to)),
            want.get(day.startMs)!,
          );
        }
        // Columns handed over directly (writeCandles) are sorted and de-duplicated the same way.
        expectSameRows(
          rowsOf(checkedCandleColumns(toColumns(rows), range)),
          [...want.values()].flat(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the last row given for a repeated time, with days given out of order', () => {
    const row = (tsMs: number, open: number): Candle => ({
      tsMs,
      open,
      high: open,
      low: open,
      close: open,
      volume: 1,
    });
    const rows = [row(T0 + DAY_MS + MIN, 1), row(T0 + 5, 2), row(T0 + DAY_MS, 3), row(T0 + 5, 4)];
    const batch = candleBatch(rows, { startMs: T0, endMs: T0 + 2 * DAY_MS });
    const all = candleColumns(batch);
    const opens = batch.days.map((d) =>
      rowsOf(sliceCandleColumns(all, d.from, d.to)).map((r) => r.open),
    );
    expect(batch.days.map((d) => d.day)).toEqual(['2024-01-01', '2024-01-02']);
    expect(opens).toEqual([[4], [3, 1]]);
  });
});
