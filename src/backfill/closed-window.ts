/** @module Which part of a range a backfill may cover: bar aligned, closed bars only. */
import { floorToBar } from '../core/granularity.js';
import { alignRange, type Range } from '../core/range-math.js';
import { type Series, seriesStepMs } from '../core/series.js';

/**
 * The part of `range` a backfill can cover: aligned to the series' bars and
 * cut at the last bar closed at `nowMs`, or undefined when no bar of it is
 * closed yet. The one definition every entry point uses.
 */
export function closedWindow(series: Series, range: Range, nowMs: number): Range | undefined {
  const stepMs = seriesStepMs(series);
  const aligned = alignRange(range, stepMs);
  const endMs = Math.min(aligned.endMs, floorToBar(nowMs, stepMs));
  return endMs > aligned.startMs ? { startMs: aligned.startMs, endMs } : undefined;
}
