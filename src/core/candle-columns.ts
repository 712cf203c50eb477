import type { CandleColumns } from './rows.js';

const VALUES = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

/** {@link CandleColumns} whose arrays may be filled in. */
export type MutableCandleColumns = {
  -readonly [K in keyof CandleColumns]: K extends 'meta' ? (string | null)[] : CandleColumns[K];
};

/** Zeroed columns for `length` candles, `meta` all null. */
export function allocateCandleColumns(length: number): MutableCandleColumns {
  return {
    length,
    tsMs: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
    meta: new Array<string | null>(length).fill(null),
  };
}

/**
 * Candle columns that grow as candles are pushed, and give up their first
 * rows on `take`: how candles travel in bulk without an object per candle.
 * @example
 * const builder = new CandleColumnsBuilder();
 * builder.push(1_700_000_000_000, 1, 2, 0.5, 1.5, 10);
 * const columns = builder.take(builder.length);
 */
export class CandleColumnsBuilder {
  #columns: MutableCandleColumns;
  #length = 0;

  constructor(capacity = 1024) {
    this.#columns = allocateCandleColumns(capacity);
  }

  /** Candles held. */
  get length(): number {
    return this.#length;
  }

  /** Time of the i-th candle held. */
  tsAt(i: number): number {
    return this.#columns.tsMs[i]!;
  }

  /** Appends one candle. */
  push(
    tsMs: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
    meta: string | null = null,
  ): void {
    this.#reserve(this.#length + 1);
    const c = this.#columns;
    const i = this.#length++;
    c.tsMs[i] = tsMs;
    c.open[i] = open;
    c.high[i] = high;
    c.low[i] = low;
    c.close[i] = close;
    c.volume[i] = volume;
    c.meta[i] = meta;
  }

  /** Appends every candle of `from`. */
  pushColumns(from: CandleColumns): void {
    this.#reserve(this.#length + from.length);
    const c = this.#columns;
    for (const name of VALUES) c[name].set(from[name].subarray(0, from.length), this.#length);
    for (let i = 0; i < from.length; i++) c.meta[this.#length + i] = from.meta[i] ?? null;
    this.#length += from.length;
  }

  /** Removes the first `count` candles and returns them as columns of their own. */
  take(count: number): CandleColumns {
    const c = this.#columns;
    const head = allocateCandleColumns(count);
    for (const name of VALUES) {
      head[name].set(c[name].subarray(0, count));
      c[name].copyWithin(0, count, this.#length);
    }
    for (let i = 0; i < count; i++) head.meta[i] = c.meta[i]!;
    c.meta.copyWithin(0, count, this.#length);
    this.#length -= count;
    return head;
  }

  #reserve(size: number): void {
    const old = this.#columns;
    if (size <= old.length) return;
    const grown = allocateCandleColumns(Math.max(size, old.length * 2));
    for (const name of VALUES) grown[name].set(old[name].subarray(0, this.#length));
    for (let i = 0; i < this.#length; i++) grown.meta[i] = old.meta[i]!;
    this.#columns = grown;
  }
}
