import type { BackfillEngine } from '../backfill/engine.js';
import type { Range } from '../core/range-math.js';
import type { Frame } from '../core/rows.js';
import type { Series } from '../core/series.js';
import type { Store } from '../storage/index.js';
import type { DataSource, SourceCallOptions } from './data-source.js';

/**
 * The upstream as a source: it covers every closed bar its fetcher serves;
 * `fetch` backfills the range into the store (single-flight, checked) and
 * reads it back.
 */
export class BackfillSource implements DataSource {
  readonly name = 'backfill' as const;
  readonly priority = 30;

  constructor(
    private readonly backfiller: BackfillEngine,
    private readonly store: Store,
  ) {}

  /** Always available; the fetcher's own errors surface from `fetch`. */
  isAvailable(): boolean {
    return true;
  }

  /** The closed part of `range` when the series' feed serves it, else nothing. */
  async coverage(series: Series, range: Range): Promise<Range[]> {
    if (!this.backfiller.canFill(series, range)) return [];
    const closed = this.backfiller.closedPart(series, range);
    return closed === undefined ? [] : [closed];
  }

  /** Backfills `range`, then reads it from the store. */
  async fetch(series: Series, range: Range, options: SourceCallOptions = {}): Promise<Frame> {
    const result = await this.backfiller.fill(series, range, {
      wholeWindows: true,
      signal: options.signal,
      onProgress: options.onProgress,
      logger: options.logger,
    });
    if (result.reports.length > 0) options.onReports?.(result.reports);
    return this.store.read(series, range);
  }
}
