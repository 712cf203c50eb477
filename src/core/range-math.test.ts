import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  intersectRanges,
  makeRange,
  mergeRanges,
  missingRanges,
  type Range,
  subtractRanges,
  totalMs,
} from './range-math.js';

const rangeArb = fc
  .tuple(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 1, max: 200 }))
  .map(([s, len]): Range => ({ startMs: s, endMs: s + len }));
const rangesArb = fc.array(rangeArb, { maxLength: 12 });

/** Points 0..1200 each range covers: the reference model for every operation. */
function points(ranges: readonly Range[]): Set<number> {
  const out = new Set<number>();
  for (const r of ranges) for (let t = r.startMs; t < r.endMs; t++) out.add(t);
  return out;
}

function isCanonical(ranges: readonly Range[]): boolean {
  return ranges.every(
    (r, i) => r.endMs > r.startMs && (i === 0 || r.startMs > ranges[i - 1]!.endMs),
  );
}

describe('range math (properties against a point-set model)', () => {
  it('merge keeps the same points, sorted, disjoint and non-adjacent', () => {
    fc.assert(
      fc.property(rangesArb, (rs) => {
        const merged = mergeRanges(rs);
        expect(points(merged)).toEqual(points(rs));
        expect(isCanonical(merged)).toBe(true);
      }),
    );
  });

  it('subtract, intersect and missing match set difference and intersection', () => {
    fc.assert(
      fc.property(rangesArb, rangesArb, rangeArb, (a, b, w) => {
        const pa = points(a);
        const pb = points(b);
        expect(points(subtractRanges(a, b))).toEqual(new Set([...pa].filter((t) => !pb.has(t))));
        expect(points(intersectRanges(a, b))).toEqual(new Set([...pa].filter((t) => pb.has(t))));
        const missing = missingRanges(w, b);
        expect(isCanonical(missing)).toBe(true);
        expect(points(missing)).toEqual(new Set([...points([w])].filter((t) => !pb.has(t))));
        expect(totalMs(missing) + totalMs(intersectRanges([w], b))).toBe(w.endMs - w.startMs);
      }),
    );
  });

  it('bar-aligned merge widens to whole bars and joins touching bars', () => {
    expect(
      mergeRanges(
        [
          { startMs: 61_000, endMs: 119_000 },
          { startMs: 120_000, endMs: 150_000 },
        ],
        60_000,
      ),
    ).toEqual([{ startMs: 60_000, endMs: 180_000 }]);
    fc.assert(
      fc.property(rangesArb, (rs) => {
        for (const r of mergeRanges(rs, 50)) {
          expect(r.startMs % 50).toBe(0);
          expect(r.endMs % 50).toBe(0);
        }
      }),
    );
  });

  it('makeRange rejects an end before start with a message naming both', () => {
    expect(() => makeRange(2_000, 1_000, 'backfill')).toThrow(
      /backfill: end .* must be after start/,
    );
    expect(() => makeRange(Number.NaN, 1_000)).toThrow(/whole milliseconds/);
  });
});
