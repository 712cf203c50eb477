import type { Logger } from 'pino';
import type { FillProgress } from '../backfill/engine.js';
import type { ConformanceReport } from '../conformance/report.js';
import type { Range } from '../core/range-math.js';
import type { Frame, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';

/** The kinds of source a seamless request draws from; also the keys of its counts. */
export const SOURCE_NAMES = ['cache', 'storage', 'backfill', 'live'] as const;

/** A source kind. */
export type SourceName = (typeof SOURCE_NAMES)[number];

/** Options of one source call; sources use what applies to them. */
export interface SourceCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** The request's child logger (carries its request id). */
  readonly logger?: Logger | undefined;
  /** Progress of a backfill the call starts. */
  readonly onProgress?: ((progress: FillProgress) => void) | undefined;
  /** Conformance reports with violations found while the call stored rows. */
  readonly onReports?: ((reports: ConformanceReport[]) => void) | undefined;
}

/**
 * One place data can come from. The seamless provider asks sources in
 * `priority` order (lowest first) what they can serve of the window
 * (`coverage`), fetches exactly that from each, and passes the rest on.
 * @example
 * const covered = await source.coverage(series, window);
 * const frame = await source.fetch(series, covered[0]);
 */
export interface DataSource {
  /** Which kind it is; names it in counts, metrics and errors. */
  readonly name: SourceName;
  /** Lower is asked first. */
  readonly priority: number;
  /** Whether to ask it at all now (a live feed may be disconnected). */
  isAvailable(): boolean;
  /** The parts of `range` this source can serve completely, sorted and merged. */
  coverage(series: Series, range: Range, options?: SourceCallOptions): Promise<Range[]>;
  /** Every row with `startMs <= ts < endMs`; only called for ranges it said it covers. */
  fetch(series: Series, range: Range, options?: SourceCallOptions): Promise<Frame | Row[]>;
}
