/** @module What a prediction turned out to be, and how it is scored. */

/** The outcome of a prediction: the first row at or after `ts + horizon`. */
export interface Actual {
  /** Close of the row the prediction was made at. */
  readonly entry_price: number;
  /** Close of the first row with `ts >= ts_i + horizon`. */
  readonly resolved_price: number;
  /** `(resolved - entry) / max(|entry|, 1e-9)`. */
  readonly profit: number;
  /** Whether the price went up (`resolved > entry`). */
  readonly direction_up: boolean;
}

/** A score; `value` is what the metrics average. */
export interface Score {
  readonly value: number;
}

/** Scores one resolved prediction; may throw (the row is then marked `score_success: false`). */
export type ScoringFn = (output: Record<string, unknown>, actual: Actual) => Score;

/** `(resolved - entry) / max(|entry|, 1e-9)`: one formula for outcomes, columns and metrics. */
export function profitOf(entry: number, resolved: number): number {
  return (resolved - entry) / Math.max(Math.abs(entry), 1e-9);
}

/** The outcome of a prediction made at `entry` and resolved at `resolved`. */
export function actualOf(entry: number, resolved: number): Actual {
  return {
    entry_price: entry,
    resolved_price: resolved,
    profit: profitOf(entry, resolved),
    direction_up: resolved > entry,
  };
}

/** The prediction's `value` as a number, NaN when it has none. */
export function predictionValue(output: Record<string, unknown>): number {
  const v = output.value;
  return typeof v === 'number' ? v : Number.NaN;
}

/**
 * The default scorer: +1 when the sign of the prediction's `value` matches
 * the sign of the profit, or the prediction is 0; -1 otherwise.
 */
export const directionScore: ScoringFn = (output, actual) => {
  const score = directionScoreOf(predictionValue(output), actual.profit);
  if (Number.isNaN(score)) throw new TypeError('the prediction has no numeric value');
  return { value: score };
};

/**
 * {@link directionScore} of a prediction's `value` and its `profit`, as a
 * number: NaN when `value` is NaN (where `directionScore` throws). How the
 * runner scores plain-number predictions without an object each.
 */
export function directionScoreOf(value: number, profit: number): number {
  if (Number.isNaN(value)) return Number.NaN;
  return value === 0 || Math.sign(value) === Math.sign(profit) ? 1 : -1;
}
