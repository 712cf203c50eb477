/** @module A Store wrapper that checks every batch (schema, temporal, regression) before it is written. */

import { checkConformance, goodPart } from '../conformance/pipeline.js';
import { ConformanceError, type ConformanceReport } from '../conformance/report.js';
import { floorToBar } from '../core/granularity.js';
import { intersectRanges, type Range } from '../core/range-math.js';
import { type CandleColumns, candleAt, type Frame, type Row } from '../core/rows.js';
import { type Series, seriesStepMs } from '../core/series.js';
import type { Store, WriteOptions, WriteResult } from '../storage/index.js';

/** Options of {@link conformanceStore}. */
export interface ConformanceStoreOptions {
  /**
   * Store the good rows of a batch with errors (bad rows dropped, their bars
   * left uncovered) instead of refusing the whole batch.
   * @default false
   */
  readonly partialOk?: boolean;
  /** Called with every report that has violations, before the write. */
  readonly onReport?: (report: ConformanceReport) => void;
  /** Clock for reports. */
  readonly nowMs?: () => number;
}

/**
 * Wraps a store so every write is checked before it reaches `inner`: a batch
 * with errors throws `ConformanceError` and stores nothing, unless
 * `partialOk`. Rows already stored in the window feed the regression stage.
 * Candle columns take a fast pass over the typed arrays; anything it does not
 * clear (a bad value, a hole, rows stored before) goes through the exact
 * row-by-row pipeline, so both paths report the same.
 */
export function conformanceStore(inner: Store, options: ConformanceStoreOptions = {}): Store {
  const previousRows = async (series: Series, range: Range): Promise<Frame | undefined> => {
    // Reading is only worth it when something was stored there before.
    const covered = intersectRanges(await inner.coverage(series), [range]);
    return covered.length === 0 ? undefined : inner.read(series, range);
  };
  const write = async (
    series: Series,
    range: Range,
    rows: readonly Row[],
    writeOptions: WriteOptions = {},
  ) => {
    const report = checkConformance(series, rows, {
      window: range,
      previous: await previousRows(series, range),
      ...(options.nowMs ? { nowMs: options.nowMs } : {}),
    });
    if (report.violations.length > 0) options.onReport?.(report);
    if (report.ok) return inner.write(series, range, rows, writeOptions);
    if (!options.partialOk) throw new ConformanceError(report);
    const good = goodPart(series, rows, report);
    let rowsWritten = 0;
    let filesWritten = 0;
    for (const part of good.ranges) {
      const inside = good.rows.filter((r) => r.tsMs >= part.startMs && r.tsMs < part.endMs);
      const result = await inner.write(series, part, inside, writeOptions);
      rowsWritten += result.rowsWritten;
      filesWritten += result.filesWritten;
    }
    return { rowsWritten, filesWritten };
  };
  const wrapped: Store = {
    write,
    read: (series, range) => inner.read(series, range),
    coverage: (series) => inner.coverage(series),
    listSeries: () => inner.listSeries(),
    // The wrapper does not own the store.
    close: async () => {},
  };
  const writeCandles = inner.writeCandles?.bind(inner);
  if (writeCandles !== undefined) {
    wrapped.writeCandles = async (series, range, columns, writeOptions): Promise<WriteResult> => {
      if (
        cleanCandles(series, range, columns) &&
        intersectRanges(await inner.coverage(series), [range]).length === 0
      ) {
        return writeCandles(series, range, columns, writeOptions);
      }
      const rows = Array.from({ length: columns.length }, (_, i) => candleAt(columns, i));
      return write(series, range, rows, writeOptions);
    };
  }
  return wrapped;
}

/**
 * True when the columns certainly pass every rule with no warning: times
 * whole, inside the window, strictly rising, on bar boundaries, no bar
 * missing; values finite, not negative, high and low around open and close.
 * False sends the batch to the exact pipeline, which names what is wrong.
 */
function cleanCandles(series: Series, range: Range, c: CandleColumns): boolean {
  const stepMs = seriesStepMs(series);
  let expected = range.startMs;
  for (let i = 0; i < c.length; i++) {
    const ts = c.tsMs[i]!;
    const o = c.open[i]!;
    const h = c.high[i]!;
    const l = c.low[i]!;
    const cl = c.close[i]!;
    const v = c.volume[i]!;
    if (ts !== expected || floorToBar(ts, stepMs) !== ts) return false;
    // NaN fails every comparison below, so `!(x >= 0)` also catches it.
    if (!(l >= 0 && v >= 0 && h < Number.POSITIVE_INFINITY && v < Number.POSITIVE_INFINITY)) {
      return false;
    }
    if (!(h >= o && h >= cl && l <= o && l <= cl)) return false;
    expected = ts + stepMs;
  }
  // Bars missing after the last row are no violation (the temporal stage only counts them).
  return true;
}
