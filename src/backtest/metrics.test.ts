import { describe, expect, it } from 'vitest';
import { computeMetrics, spearman } from './metrics.js';

const H = 3600;

function inputs(rows: { ts: number; score: number; ok?: number; value: number; profit: number }[]) {
  return {
    length: rows.length,
    ts: Float64Array.from(rows, (r) => r.ts),
    score: Float64Array.from(rows, (r) => r.score),
    scoreSuccess: Int8Array.from(rows, (r) => r.ok ?? 1),
    value: Float64Array.from(rows, (r) => r.value),
    // Entered at 1, so the profit is the resolved price minus 1.
    entryPrice: new Float64Array(rows.length).fill(1),
    resolvedPrice: Float64Array.from(rows, (r) => 1 + r.profit),
  };
}

describe('computeMetrics', () => {
  it('averages each window back from the last scored prediction, skipping failed and unresolved rows', () => {
    const m = computeMetrics(
      inputs([
        { ts: 0, score: 1, value: 1, profit: 0.02 }, // 200 h before now: in no window
        { ts: 100 * H, score: -1, value: 1, profit: -0.01 }, // 100 h: anchor only
        { ts: 150 * H, score: 1, value: -1, profit: -0.03 }, // 50 h: steady and anchor
        { ts: 190 * H, score: 99, ok: 0, value: 1, profit: 0.5 }, // scorer failed: ignored
        { ts: 199 * H, score: 1, value: 2, profit: 0.01 }, // 1 h: all three
        { ts: 200 * H, score: -1, value: 1, profit: -0.02 }, // now
        { ts: 201 * H, score: Number.NaN, ok: -1, value: 1, profit: Number.NaN }, // unresolved
      ]),
    );
    expect(m.predictions).toBe(7);
    expect(m.scored).toBe(5);
    expect(m.score_recent).toBe((1 - 1) / 2);
    expect(m.score_steady).toBe((1 + 1 - 1) / 3);
    expect(m.score_anchor).toBe((-1 + 1 + 1 - 1) / 4);
    expect(m.hit_rate).toBe(3 / 5);
    // sign(value) * profit: 0.02, -0.01, 0.03, 0.01, -0.02.
    expect(m.mean_return).toBeCloseTo((0.02 - 0.01 + 0.03 + 0.01 - 0.02) / 5, 15);
    // Cumulative 1, 0, 1, 2, 1: the deepest fall from a peak is 1.
    expect(m.max_drawdown).toBe(1);
  });

  it('gives zeros and a null ic when nothing was scored', () => {
    expect(computeMetrics(inputs([]))).toEqual({
      predictions: 0,
      scored: 0,
      score_recent: 0,
      score_steady: 0,
      score_anchor: 0,
      hit_rate: 0,
      mean_return: 0,
      max_drawdown: 0,
      ic: null,
    });
  });
});

describe('spearman', () => {
  it('is 1 for any increasing relation and -1 for a decreasing one', () => {
    expect(spearman([1, 2, 3, 4], [10, 100, 1000, 10000])).toBe(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
  });

  it('gives ties their mean rank', () => {
    // x ranks 1.5 1.5 3 4, y ranks 1 2 3 4: Pearson of the ranks, by hand.
    const rx = [1.5, 1.5, 3, 4];
    const ry = [1, 2, 3, 4];
    const mean = 2.5;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < 4; i++) {
      sxy += (rx[i]! - mean) * (ry[i]! - mean);
      sxx += (rx[i]! - mean) ** 2;
      syy += (ry[i]! - mean) ** 2;
    }
    expect(spearman([5, 5, 7, 9], [1, 2, 3, 4])).toBeCloseTo(sxy / Math.sqrt(sxx * syy), 15);
  });

  it('is null without spread or pairs', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1], [1])).toBeNull();
  });
});
