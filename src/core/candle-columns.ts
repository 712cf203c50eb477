import type { CandleColumns, CandleFrame } from './rows.js';
import type { Series } from './series.js';

const VALUES = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

/** {@link CandleColumns} whose arrays may be filled in. */
export type MutableCandleColumns = {
  -readonly [K in keyof CandleColumns]: K extends 'meta' ? (string | null)[] : CandleColumns[K];
};

/** Zeroed columns for `length` candles, with no `meta`. */
export function allocateCandleColumns(length: number): MutableCandleColumns {
  return {
    length,
    tsMs: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
    meta: [],
  };
}

/** A candle frame of `length` zeroed rows, `meta` all null, to be filled in. */
export function allocateCandleFrame(series: Series, length: number): CandleFrame {
  return {
    series,
    kind: 'candle',
    ...allocateCandleColumns(length),
    meta: new Array<string | null>(length).fill(null),
  };
}

/**
 * Sets the meta of candle `i`, padding with nulls so the array stays dense;
 * a null past the end is left out, as it is null already.
 */
export function setMeta(
  meta: (string | null)[],
  i: number,
  value: string | null | undefined,
): void {
  if (value == null && i >= meta.length) return;
  while (meta.length < i) meta.push(null);
  meta[i] = value ?? null;
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
    setMeta(c.meta, i, meta);
  }

  /** Appends every candle of `from`. */
  pushColumns(from: CandleColumns): void {
    this.#reserve(this.#length + from.length);
    const c = this.#columns;
    for (const name of VALUES) c[name].set(from[name].subarray(0, from.length), this.#length);
    const metas = Math.min(from.length, from.meta.length);
    for (let i = 0; i < metas; i++) setMeta(c.meta, this.#length + i, from.meta[i]);
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
    head.meta = c.meta.slice(0, count);
    c.meta.splice(0, count);
    this.#length -= count;
    return head;
  }

  #reserve(size: number): void {
    const old = this.#columns;
    if (size <= old.length) return;
    const grown = allocateCandleColumns(Math.max(size, old.length * 2));
    for (const name of VALUES) grown[name].set(old[name].subarray(0, this.#length));
    grown.meta = old.meta;
    this.#columns = grown;
  }
}
