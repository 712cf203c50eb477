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
 * The {@link TickData} of one subject, reused from tick to tick (no object
 * per row): the runner points it at each new row. The window is copied
 * from the replay's buffers on first access (a model that reads nothing
 * costs nothing), and only while the tick is current: between ticks the
 * rows it names may be gone, so reading it then throws.
 */
export class WindowTick implements TickData {
  readonly #symbol: string;
  readonly #arrays: WindowArrays;
  #asofTs = Number.NaN;
  #source: DayColumns | undefined;
  #end = 0;
  #tick = -1;
  #candles: readonly WindowCandle[] | undefined;

  constructor(symbol: string, arrays: WindowArrays) {
    this.#symbol = symbol;
    this.#arrays = arrays;
    Object.freeze(this);
  }

  /**
   * Points the data at a new tick: `end` is one past row i in `source`,
   * `tick` numbers the tick within the run.
   */
  moveTo(asofTs: number, source: DayColumns, end: number, tick: number): void {
    this.#asofTs = asofTs;
    this.#source = source;
    this.#end = end;
    this.#tick = tick;
    this.#candles = undefined;
    this.#arrays.current = tick;
  }

  /** Ends the current tick: the window is no longer readable. */
  close(): void {
    this.#arrays.current = -1;
  }

  get symbol(): string {
    return this.#symbol;
  }

  get asof_ts(): number {
    return this.#asofTs;
  }

  get columns(): WindowColumns {
    const arrays = this.#arrays;
    if (arrays.current !== this.#tick || this.#source === undefined) {
      throw new GaplessError(
        'STALE_WINDOW',
        'a tick’s window is only readable during that tick and its predict; copy what you keep',
        { category: 'bad_input' },
      );
    }
    if (arrays.filledFor !== this.#tick) {
      arrays.fill(this.#source, this.#end);
      arrays.filledFor = this.#tick;
    }
    return arrays.columns;
  }

  get candles_1m(): readonly WindowCandle[] {
    const columns = this.columns;
    if (this.#candles !== undefined) return this.#candles;
    const { ts, open, high, low, close, volume } = columns;
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
