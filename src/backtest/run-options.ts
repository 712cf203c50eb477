/** @module The options of a run, checked once and resolved into a frozen object. */
import { InvalidArgumentError } from '../core/errors.js';
import { parseGranularity } from '../core/granularity.js';
import { type DayRange, parseDayRange, type TimeInput } from './day-range.js';

/** What to replay, and how. */
export interface RunOptions {
  /** Feed source, e.g. `binance` or `sim`. */
  readonly source: string;
  /** One subject, e.g. `BTC/USDT`; or give {@link RunOptions.subjects}. */
  readonly subject?: string;
  /** Several subjects, replayed interleaved by time. */
  readonly subjects?: readonly string[];
  /** Only candles are replayed. @default 'candle' */
  readonly kind?: 'candle';
  /** @default '1m' */
  readonly granularity?: string;
  /** First UTC day, included (ISO date or date-time, epoch s or ms, Date). */
  readonly start: TimeInput;
  /** Last UTC day, included. */
  readonly end: TimeInput;
  /** Rows in the window `tick` gets; the first tick is at row `windowSize`. @default 120 */
  readonly windowSize?: number;
  /** Least data time between two predictions of a subject. @default 60 */
  readonly predictionIntervalSeconds?: number;
  /** A prediction made at `ts` is resolved by the first row at or after `ts + horizon`. @default 60 */
  readonly resolveHorizonSeconds?: number;
  /** Passed to `predict` as `stepSeconds`. @default predictionIntervalSeconds */
  readonly stepSeconds?: number;
}

/** {@link RunOptions} checked, with every default filled in. */
export interface ResolvedRunOptions {
  readonly source: string;
  readonly subjects: readonly string[];
  readonly granularity: string;
  readonly range: DayRange;
  readonly windowSize: number;
  readonly predictionIntervalSeconds: number;
  readonly resolveHorizonSeconds: number;
  readonly stepSeconds: number;
}

/** Checks `options`; throws `InvalidArgumentError` in one line naming the option. */
export function resolveRunOptions(options: RunOptions): ResolvedRunOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('Expected run options to be an object');
  }
  if (typeof options.source !== 'string' || options.source === '') {
    throw new InvalidArgumentError(
      `Expected \`source\` to be a feed name, got \`${String(options.source)}\``,
    );
  }
  if ((options.kind ?? 'candle') !== 'candle') {
    throw new InvalidArgumentError(
      `Expected \`kind\` to be 'candle', got \`${String(options.kind)}\``,
    );
  }
  const subjects =
    options.subjects !== undefined
      ? [...options.subjects]
      : options.subject !== undefined
        ? [options.subject]
        : [];
  if (options.subject !== undefined && options.subjects !== undefined) {
    throw new InvalidArgumentError('Give `subject` or `subjects`, not both');
  }
  if (subjects.length === 0 || subjects.some((s) => typeof s !== 'string' || s === '')) {
    throw new InvalidArgumentError(
      'Expected `subject` (or `subjects`) to name at least one subject',
    );
  }
  if (subjects.length > 65_535) {
    throw new InvalidArgumentError(`Expected at most 65535 subjects, got ${subjects.length}`);
  }
  if (new Set(subjects).size !== subjects.length) {
    throw new InvalidArgumentError(
      `Expected \`subjects\` without repeats, got \`${subjects.join(',')}\``,
    );
  }
  const windowSize = options.windowSize ?? 120;
  if (!Number.isInteger(windowSize) || windowSize < 1) {
    throw new InvalidArgumentError(
      `Expected \`windowSize\` to be a whole number >= 1, got \`${windowSize}\``,
    );
  }
  const predictionIntervalSeconds = seconds(
    options.predictionIntervalSeconds,
    60,
    'predictionIntervalSeconds',
  );
  const resolveHorizonSeconds = seconds(options.resolveHorizonSeconds, 60, 'resolveHorizonSeconds');
  const stepSeconds = seconds(options.stepSeconds, predictionIntervalSeconds, 'stepSeconds');
  return Object.freeze({
    source: options.source,
    subjects: Object.freeze(subjects),
    granularity: parseGranularity(options.granularity ?? '1m'),
    range: parseDayRange(options.start, options.end),
    windowSize,
    predictionIntervalSeconds,
    resolveHorizonSeconds,
    stepSeconds,
  });
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a number of seconds >= 0, got \`${String(v)}\``,
    );
  }
  return v;
}
