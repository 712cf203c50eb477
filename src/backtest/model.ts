/** @module The model contract a backtest replays: the same `tick` / `predict` as production. */
import { InvalidArgumentError } from '../core/errors.js';

/** One candle as the production contract hands it over; `ts` is the bar's open in epoch seconds. */
export interface WindowCandle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * The window as typed columns, oldest first, exactly `windowSize` long (no
 * element, and no byte of `.buffer`, beyond the current row). The arrays are
 * the runner's: they hold the current tick's window and are overwritten at
 * the next one, so copy (`close.slice()`) whatever you keep.
 */
export interface WindowColumns {
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** What `tick` receives: the last `windowSize` candles up to and including row i. */
export interface TickData {
  /** The subject, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** Open time of row i, epoch seconds. */
  readonly asof_ts: number;
  /**
   * The window as candle objects (the production shape; the name is the
   * production contract's, whatever the bar size). Built on first access;
   * {@link TickData.columns} is the fast way in.
   */
  readonly candles_1m: readonly WindowCandle[];
  /** The window as typed columns: no object per candle. */
  readonly columns: WindowColumns;
}

/** What `predict` receives. */
export interface PredictScope {
  readonly subject: string;
  /** How far ahead the prediction is resolved. */
  readonly resolveHorizonSeconds: number;
  /** The prediction step of the run (its `stepSeconds`, by default the prediction interval). */
  readonly stepSeconds: number;
}

/** A prediction: a number (taken as `{ value }`) or an object of fields. */
export type PredictOutput = number | Record<string, unknown>;

/**
 * A model: `tick` sees every row from `windowSize` on, `predict` is asked
 * every prediction interval. Either may be async.
 * @example
 * const model: Model = {
 *   tick(data) { this.last = data.columns.close.at(-1); },
 *   predict() { return 0; },
 * };
 */
export interface Model {
  tick(data: TickData): void | Promise<void>;
  predict(scope: PredictScope): PredictOutput | Promise<PredictOutput>;
}

/**
 * Checks that `candidate` has `tick` and `predict` functions and returns it
 * as a {@link Model}; throws `InvalidArgumentError` (`BAD_MODEL`) naming what
 * is missing. `what` names the model in the message (a file, an option).
 */
export function asModel(candidate: unknown, what = 'model'): Model {
  const missing: string[] = [];
  const m = candidate as Partial<Record<'tick' | 'predict', unknown>> | null | undefined;
  if (m === null || (typeof m !== 'object' && typeof m !== 'function')) {
    throw new InvalidArgumentError(
      `${what} must be an object with tick() and predict(), got ${m === null ? 'null' : typeof m}`,
      'BAD_MODEL',
    );
  }
  if (typeof m.tick !== 'function') missing.push('tick');
  if (typeof m.predict !== 'function') missing.push('predict');
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `${what} has no ${missing.join(' and ')} function (a model needs tick(data) and predict(scope))`,
      'BAD_MODEL',
    );
  }
  return m as Model;
}
