import { type ErrorCategory, GaplessError } from '../core/errors.js';
import type { Range } from '../core/range-math.js';
import { type Series, seriesId } from '../core/series.js';
import { formatTime } from '../core/time.js';

/** Formats ranges as `[start, end)` ISO pairs for messages. */
export function describeRanges(ranges: readonly Range[], max = 5): string {
  const shown = ranges
    .slice(0, max)
    .map((r) => `[${formatTime(r.startMs)}, ${formatTime(r.endMs)})`)
    .join(', ');
  return ranges.length > max ? `${shown} and ${ranges.length - max} more` : shown;
}

/** A failure of one source, isolated so the next source could be tried. */
export interface SourceFailure {
  /** The source's name, e.g. `storage`. */
  readonly source: string;
  readonly message: string;
  readonly error: unknown;
}

/**
 * Data the request needs is not available under the chosen strategy
 * (`FAIL_FAST`, or a backfill that could not complete). `missing` lists the
 * ranges exactly; `failures` names sources that failed along the way.
 */
export class DataUnavailableError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'upstream';
  readonly series: Series;
  readonly missing: Range[];
  readonly failures: SourceFailure[];

  constructor(series: Series, missing: Range[], failures: SourceFailure[] = [], why = '') {
    const failed = failures.map((f) => `${f.source} failed: ${f.message}`).join('; ');
    super(
      'DATA_MISSING',
      `${seriesId(series)}: data missing for ${describeRanges(missing)}${why ? ` (${why})` : ''}${failed ? `; ${failed}` : ''}`,
      { cause: failures[0]?.error },
    );
    this.series = series;
    this.missing = missing;
    this.failures = failures;
  }
}

/** One SLA breach: a stage over its budget, the total deadline, or stale data. */
export interface SlaBreach {
  /** `cache`, `storage`, `backfill`, `live`, `total` or `freshness`. */
  readonly stage: string;
  /** What was measured: milliseconds spent, or the age of the newest bar. */
  readonly actualMs: number;
  readonly limitMs: number;
}

/** A request broke its SLA policy and the policy says `on_breach: 'raise'`. */
export class SLAExceededError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'upstream';
  readonly breaches: SlaBreach[];

  constructor(what: string, breaches: SlaBreach[]) {
    const detail = breaches
      .map((b) => `${b.stage} ${Math.round(b.actualMs)} ms > ${b.limitMs} ms`)
      .join(', ');
    super('SLA_EXCEEDED', `${what}: SLA exceeded: ${detail}`);
    this.breaches = breaches;
  }
}

export { QueueFullError } from '../backfill/queue-full-error.js';
