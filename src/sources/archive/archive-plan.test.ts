import { describe, expect, it } from 'vitest';
import { planArchive } from './archive-plan.js';

const d = (m: number, day: number, h = 0) => Date.UTC(2024, m, day, h);

describe('planArchive', () => {
  it('takes whole months monthly, whole days daily and the rest over REST', () => {
    const plan = planArchive({ startMs: d(0, 30, 12), endMs: d(2, 3, 6) }, d(2, 3, 6));
    expect(plan).toEqual([
      { via: 'rest', startMs: d(0, 30, 12), endMs: d(0, 31) },
      { via: 'daily', startMs: d(0, 31), endMs: d(1, 1) },
      { via: 'monthly', startMs: d(1, 1), endMs: d(2, 1) },
      { via: 'daily', startMs: d(2, 1), endMs: d(2, 2) },
      { via: 'daily', startMs: d(2, 2), endMs: d(2, 3) },
      { via: 'rest', startMs: d(2, 3), endMs: d(2, 3, 6) },
    ]);
  });

  it('uses no file whose period has not ended, and merges REST pieces', () => {
    const plan = planArchive({ startMs: d(0, 1), endMs: d(0, 10) }, d(0, 2, 5));
    expect(plan).toEqual([
      { via: 'daily', startMs: d(0, 1), endMs: d(0, 2) },
      { via: 'rest', startMs: d(0, 2), endMs: d(0, 10) },
    ]);
  });

  it('covers the range exactly, in order, for any bounds', () => {
    for (let i = 0; i < 200; i++) {
      const startMs = d(0, 1) + Math.floor(Math.random() * 400) * 3_600_000;
      const endMs = startMs + Math.floor(Math.random() * 2000) * 3_600_000 + 60_000;
      const plan = planArchive({ startMs, endMs }, endMs);
      expect(plan[0]!.startMs).toBe(startMs);
      expect(plan[plan.length - 1]!.endMs).toBe(endMs);
      for (let k = 1; k < plan.length; k++) expect(plan[k]!.startMs).toBe(plan[k - 1]!.endMs);
    }
  });
});
