import { intersectRanges, type Range } from '../core/range-math.js';
import type { Frame, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';
import type { Store, WriteResult } from '../storage/store.js';
import { checkConformance, goodPart } from './pipeline.js';
import { ConformanceError, type ConformanceReport } from './report.js';

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
 * Reads and coverage pass through.
 */
export function conformanceStore(inner: Store, options: ConformanceStoreOptions = {}): Store {
  const previousRows = async (series: Series, range: Range): Promise<Frame | undefined> => {
    // Reading is only worth it when something was stored there before.
    const covered = intersectRanges(await inner.coverage(series), [range]);
    return covered.length === 0 ? undefined : inner.read(series, range);
  };
  return {
    async write(series: Series, range: Range, rows: readonly Row[]): Promise<WriteResult> {
      const report = checkConformance(series, rows, {
        window: range,
        previous: await previousRows(series, range),
        ...(options.nowMs ? { nowMs: options.nowMs } : {}),
      });
      if (report.violations.length > 0) options.onReport?.(report);
      if (report.ok) return inner.write(series, range, rows);
      if (!options.partialOk) throw new ConformanceError(report);
      const good = goodPart(series, rows, report);
      let rowsWritten = 0;
      let filesWritten = 0;
      for (const part of good.ranges) {
        const inside = good.rows.filter((r) => r.tsMs >= part.startMs && r.tsMs < part.endMs);
        const result = await inner.write(series, part, inside);
        rowsWritten += result.rowsWritten;
        filesWritten += result.filesWritten;
      }
      return { rowsWritten, filesWritten };
    },
    read: (series, range) => inner.read(series, range),
    coverage: (series) => inner.coverage(series),
    listSeries: () => inner.listSeries(),
    // The wrapper does not own the store.
    close: async () => {},
  };
}
