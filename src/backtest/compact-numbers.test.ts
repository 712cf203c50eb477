import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactNumbers } from './compact-numbers.js';

// Reads every value back with Object.is: -0 stays -0, NaN stays NaN, no double is rounded.
function expectSame(column: CompactNumbers, expected: number[]): void {
  const all = column.toFloat64Array(expected.length);
  const wrong: string[] = [];
  for (let k = 0; k < expected.length && wrong.length < 5; k++) {
    if (!Object.is(column.at(k), expected[k]) || !Object.is(all[k], expected[k])) {
      wrong.push(`[${k}] ${column.at(k)} / ${all[k]}, expected ${expected[k]}`);
    }
  }
  expect(wrong).toEqual([]);
}

describe('CompactNumbers', () => {
  it('keeps decimals, whole seconds and scores in a few bytes each, exactly', () => {
    const prices = new CompactNumbers();
    const ts = new CompactNumbers();
    const scores = new CompactNumbers();
    const expected: number[][] = [[], [], []];
    for (let k = 0; k < 200_000; k++) {
      const price = Math.round((42_000 + 3000 * Math.sin(k / 5000) + (k % 7) * 0.01) * 100) / 100;
      const t = 1_672_531_200 + 60 * k;
      const score = k % 3 === 0 ? -1 : 1;
      prices.set(k, price);
      ts.set(k, t);
      scores.set(k, score);
      expected[0]!.push(price);
      expected[1]!.push(t);
      expected[2]!.push(score);
    }
    expectSame(prices, expected[0]!);
    expectSame(ts, expected[1]!);
    expectSame(scores, expected[2]!);
    expect(prices.byteLength).toBeLessThanOrEqual(4 * 4 * 65_536);
    expect(ts.byteLength).toBeLessThanOrEqual(4 * 4 * 65_536);
    expect(scores.byteLength).toBeLessThanOrEqual(4 * 65_536);
  });

  it('falls back to doubles for values no integer form holds, in that chunk only', () => {
    const c = new CompactNumbers();
    const values = [
      1,
      0.1 + 0.2,
      -0,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      1e300,
      5e-324,
      2 ** 53 + 2,
    ];
    for (const [k, v] of values.entries()) c.set(k, v);
    expectSame(c, values);
    c.set(70_000, 3);
    expect(c.at(70_000)).toBe(3);
    expect(c.at(69_999)).toBeNaN();
    expect(c.length).toBe(70_001);
  });

  it('reads unset values as NaN and lets values be set in any order, and overwritten', () => {
    const c = new CompactNumbers();
    c.set(5, 1.5);
    c.set(2, -7);
    c.set(5, 123_456.789);
    expectSame(c, [Number.NaN, Number.NaN, -7, Number.NaN, Number.NaN, 123_456.789]);
    expect(c.at(1_000_000)).toBeNaN();
    const into = new Float64Array(3);
    c.readInto(4, into, 3);
    expect([...into]).toEqual([Number.NaN, 123_456.789, Number.NaN]);
  });

  it('reads back exactly whatever doubles are set, wherever (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 140_000 }),
            fc.oneof(
              fc.double(),
              fc.integer().map((i) => i / 100),
              fc.integer({ min: -300, max: 300 }),
              fc.constantFrom(-0, 0, Number.NaN, 1e15, -1e15, 2 ** 53),
            ),
          ),
          { maxLength: 300 },
        ),
        (sets) => {
          const c = new CompactNumbers();
          const model = new Map<number, number>();
          for (const [k, v] of sets) {
            c.set(k, v);
            model.set(k, v);
          }
          for (const [k, v] of model) expect(Object.is(c.at(k), v)).toBe(true);
          const n = Math.max(0, ...model.keys()) + 1;
          if (sets.length > 0) expect(c.length).toBe(n);
        },
      ),
      { numRuns: 300 },
    );
  });
});
