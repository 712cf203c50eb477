/** @module The window a model sees: a private copy of exactly `windowSize` rows, made only when the model looks. */
import { GaplessError } from '../core/errors.js';
import { COLUMN_NAMES, type DayColumns } from './day-columns.js';
import type { TickData, WindowCandle, WindowColumns } from './model.js';

/**
 * One subject's window arrays, reused from tick to tick. Each is its own
 * `ArrayBuffer` of exactly `windowSize` doubles, so neither an index past the
 * end nor `new Float64Array(close.buffer)` reaches a row after the current
 * one: the replay's day buffers are never handed out.
 */
export class WindowArrays {
  readonly size: number;
  readonly columns: WindowColumns;
  /** Which tick the arrays hold (see {@link WindowTick}); -1 for none. */
  filledFor = -1;
  /** The tick being replayed; data of older ticks is stale. */
  current = -1;

  constructor(size: number) {
    this.size = size;
    this.columns = Object.freeze({
      ts: new Float64Array(size),
      open: new Float64Array(size),
      high: new Float64Array(size),
      low: new Float64Array(size),
      close: new Float64Array(size),
      volume: new Float64Array(size),
    });
  }

  /** Copies rows `end - size .. end - 1` of `source` in. */
  fill(source: DayColumns, end: number): void {
    for (const name of COLUMN_NAMES) {
      this.columns[name].set(source[name].subarray(end - this.size, end));
    }
  }
}

/**
 * {@link TickData} of one tick. The window is copied from the replay's
 * buffers on first access (a model that reads nothing costs nothing), and
 * only while the tick is current: the rows it names may be gone later.
 */
export class WindowTick implements TickData {
  readonly symbol: string;
  readonly asof_ts: number;
  readonly #arrays: WindowArrays;
  readonly #source: DayColumns;
  readonly #end: number;
  readonly #tick: number;
  #candles: readonly WindowCandle[] | undefined;

  /** `end` is one past row i in `source`; `tick` numbers the tick within the run. */
  constructor(
    symbol: string,
    asofTs: number,
    arrays: WindowArrays,
    source: DayColumns,
    end: number,
    tick: number,
  ) {
    this.symbol = symbol;
    this.asof_ts = asofTs;
    this.#arrays = arrays;
    this.#source = source;
    this.#end = end;
    this.#tick = tick;
    Object.freeze(this);
  }

  get columns(): WindowColumns {
    const arrays = this.#arrays;
    if (arrays.current !== this.#tick) {
      throw new GaplessError(
        'STALE_WINDOW',
        'a tick’s window is only readable during that tick and its predict; copy what you keep',
      );
    }
    if (arrays.filledFor !== this.#tick) {
      arrays.fill(this.#source, this.#end);
      arrays.filledFor = this.#tick;
    }
    return arrays.columns;
  }

  get candles_1m(): readonly WindowCandle[] {
    if (this.#candles !== undefined) return this.#candles;
    const { ts, open, high, low, close, volume } = this.columns;
    const candles = new Array<WindowCandle>(ts.length);
    for (let k = 0; k < ts.length; k++) {
      candles[k] = Object.freeze({
        ts: ts[k]!,
        open: open[k]!,
        high: high[k]!,
        low: low[k]!,
        close: close[k]!,
        volume: volume[k]!,
      });
    }
    this.#candles = Object.freeze(candles);
    return this.#candles;
  }
}
