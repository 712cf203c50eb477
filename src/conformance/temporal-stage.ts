import { floorToBar } from '../core/granularity.js';
import { missingRanges, type Range } from '../core/range-math.js';
import { type Row, rowKey } from '../core/rows.js';
import { type Series, seriesStepMs } from '../core/series.js';
import type { Violation } from './report.js';

/** What the temporal stage found besides violations. */
export interface TemporalStats {
  readonly gapBars: number;
}

/**
 * The temporal stage: whole-millisecond times inside `window`, in order,
 * no repeated key, candles on bar boundaries; bars absent inside the
 * window (the batch claims to cover it) are reported as `gap` warnings,
 * one per hole, on the row after it.
 */
export function temporalStage(
  series: Series,
  rows: readonly Row[],
  window: Range,
  out: Violation[],
): TemporalStats {
  const stepMs = seriesStepMs(series);
  const isCandle = series.kind === 'candle';
  const seen = new Set<string | number>();
  let lastTs = Number.NEGATIVE_INFINITY;
  let expectedNext = window.startMs;
  let gapBars = 0;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    const ts = row?.tsMs;
    const push = (
      rule: Violation['rule'],
      detail: string,
      severity: Violation['severity'] = 'error',
    ) => out.push({ rule, severity, index, ts: typeof ts === 'number' ? ts : Number.NaN, detail });
    if (row === undefined || typeof ts !== 'number' || !Number.isSafeInteger(ts)) {
      push('bad_timestamp', `tsMs ${String(ts)} is not whole epoch milliseconds`);
      continue;
    }
    if (ts < window.startMs || ts >= window.endMs) {
      push('outside_range', `ts ${ts} outside [${window.startMs}, ${window.endMs})`);
      continue;
    }
    if (ts < lastTs) push('out_of_order', `ts ${ts} after ${lastTs}`);
    const key = rowKey(row);
    if (seen.has(key)) push('duplicate', `key ${String(key)} repeats an earlier row`);
    seen.add(key);
    if (isCandle && floorToBar(ts, stepMs) !== ts) {
      push('misaligned', `ts ${ts} is not on a ${series.granularity} bar boundary`);
    }
    if (isCandle && ts > expectedNext && ts >= lastTs) {
      const bars = Math.floor((ts - expectedNext) / stepMs);
      if (bars > 0) {
        gapBars += bars;
        push('gap', `${bars} bar(s) missing before this row`, 'warning');
      }
    }
    if (ts >= lastTs) {
      lastTs = ts;
      expectedNext = Math.max(expectedNext, ts + stepMs);
    }
  }
  if (isCandle) {
    const tail = missingRanges(window, [{ startMs: window.startMs, endMs: expectedNext }]);
    for (const r of tail) gapBars += Math.floor((r.endMs - r.startMs) / stepMs);
  }
  return { gapBars };
}
