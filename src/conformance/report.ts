import { type ErrorCategory, GaplessError } from '../core/errors.js';

/** The rules the conformance pipeline checks, by stage. */
export const CONFORMANCE_RULES = [
  // schema
  'missing_field',
  'not_finite',
  'negative_price',
  'negative_volume',
  'high_below_open_close',
  'low_above_open_close',
  'bad_trade_id',
  'bad_side',
  // temporal
  'bad_timestamp',
  'out_of_order',
  'duplicate',
  'misaligned',
  'outside_range',
  'gap',
  // regression
  'changed',
] as const;

/** A conformance rule name. */
export type ConformanceRule = (typeof CONFORMANCE_RULES)[number];

/**
 * `error` rows are dropped (or block the write); `warning`s are reported only:
 * gaps (an exchange may have no bars) and changes against stored rows.
 */
export type ViolationSeverity = 'error' | 'warning';

/** One finding about one row (or one gap before a row). */
export interface Violation {
  readonly rule: ConformanceRule;
  readonly severity: ViolationSeverity;
  /** Index of the row in the checked batch. */
  readonly index: number;
  /** The row's time (epoch ms), NaN when it has none. */
  readonly ts: number;
  readonly detail: string;
}

/** Counts of a conformance run. */
export interface ConformanceStats {
  readonly rows: number;
  /** Rows with at least one error. */
  readonly badRows: number;
  readonly warnings: number;
  /** Rows that differ from what was stored before for the same key. */
  readonly changedRows: number;
  /** Bars missing inside the checked window (candles only). */
  readonly gapBars: number;
}

/** The result of checking a batch of rows. `ok` is false when any error was found. */
export interface ConformanceReport {
  /** The series id. */
  readonly series: string;
  readonly ok: boolean;
  /** The checked window, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
  /** When the check ran, epoch ms. */
  readonly checkedAtMs: number;
  readonly violations: Violation[];
  readonly stats: ConformanceStats;
}

/** Rows failed the conformance checks and the policy blocks them; nothing was stored. */
export class ConformanceError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'upstream';
  readonly report: ConformanceReport;

  constructor(report: ConformanceReport) {
    const errors = report.violations.filter((v) => v.severity === 'error');
    const shown = errors
      .slice(0, 3)
      .map((v) => `row ${v.index}: ${v.rule} (${v.detail})`)
      .join('; ');
    super(
      'CONFORMANCE_FAILED',
      `${report.series}: ${report.stats.badRows} of ${report.stats.rows} rows failed conformance: ${shown}${errors.length > 3 ? `; and ${errors.length - 3} more` : ''}`,
    );
    this.report = report;
  }
}
