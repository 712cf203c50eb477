/** @module The coverage map's cell: what is stored for one series on one UTC day. */
import { floorToBar } from '../core/granularity.js';
import { intersectRanges, type Range, totalMs } from '../core/range-math.js';
import { DAY_MS } from '../core/time.js';

/**
 * A day of a series: `covered` (every bar covered, rows stored), `empty`
 * (covered, and the source confirmed it has no rows), `partial` (some of the
 * day covered), `missing` (none of it).
 */
export const DAY_STATUSES = ['covered', 'empty', 'partial', 'missing'] as const;

/** A day's status. */
export type DayStatus = (typeof DAY_STATUSES)[number];

/**
 * The status of the UTC day starting at `dayMs`. Only bars closed by `nowMs`
 * count, so today is `covered` once every closed bar is.
 */
export function dayStatus(
  dayMs: number,
  coverage: readonly Range[],
  records: number,
  stepMs: number,
  nowMs: number,
): DayStatus {
  const endMs = Math.min(dayMs + DAY_MS, floorToBar(nowMs, stepMs));
  if (endMs <= dayMs) return 'missing';
  const covered = totalMs(intersectRanges(coverage, [{ startMs: dayMs, endMs }]));
  if (covered >= endMs - dayMs) return records > 0 ? 'covered' : 'empty';
  if (covered > 0 || records > 0) return 'partial';
  return 'missing';
}
