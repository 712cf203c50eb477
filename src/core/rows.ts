import type { Series } from './series.js';

/** One OHLCV bar; `tsMs` is the bar's open time. */
export interface Candle {
  tsMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Vendor extras as a JSON string. */
  meta?: string | null;
}

/** Which side took liquidity; empty when the source does not say. */
export type TradeSide = 'buy' | 'sell' | '';

/** One trade. */
export interface Trade {
  tsMs: number;
  tradeId: string;
  price: number;
  amount: number;
  side: TradeSide;
  /** Vendor extras as a JSON string. */
  meta?: string | null;
}

/** A row of either kind. */
export type Row = Candle | Trade;

/**
 * Rows a source confirmed for `[startMs, endMs)`: every row it has in that
 * window, sorted and unique. An empty page still proves the window empty.
 */
export interface Page<R extends Row = Row> {
  readonly startMs: number;
  readonly endMs: number;
  readonly rows: R[];
  /** The same candles as columns, when the source read them so (bulk paths use these). */
  readonly columns?: CandleColumns;
}

/** Candles as columns, sorted by `tsMs` and unique. */
export interface CandleColumns {
  readonly length: number;
  readonly tsMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /**
   * Vendor extras per candle, as JSON strings. Candles past the end of this
   * array have none, so an empty array means no candle has any.
   */
  readonly meta: readonly (string | null)[];
}

/** Candle `i` of `columns` as an object; `meta` only when it has one. */
export function candleAt(columns: CandleColumns, i: number): Candle {
  const candle: Candle = {
    tsMs: columns.tsMs[i]!,
    open: columns.open[i]!,
    high: columns.high[i]!,
    low: columns.low[i]!,
    close: columns.close[i]!,
    volume: columns.volume[i]!,
  };
  const meta = columns.meta[i];
  if (meta != null) candle.meta = meta;
  return candle;
}

/**
 * A page of candles held as columns; its `rows` are made on first use, so a
 * consumer that takes the columns never builds an object per candle.
 */
export function columnarPage(startMs: number, endMs: number, columns: CandleColumns): Page<Candle> {
  let rows: Candle[] | undefined;
  return {
    startMs,
    endMs,
    columns,
    get rows() {
      rows ??= Array.from({ length: columns.length }, (_, i) => candleAt(columns, i));
      return rows;
    },
  };
}

/** Columnar candles read from storage, sorted by time. */
export interface CandleFrame extends CandleColumns {
  readonly series: Series;
  readonly kind: 'candle';
  readonly meta: (string | null)[];
}

/** Columnar trades read from storage, sorted by time then trade id. */
export interface TradeFrame {
  readonly series: Series;
  readonly kind: 'trade';
  readonly length: number;
  readonly tsMs: Float64Array;
  readonly tradeId: string[];
  readonly price: Float64Array;
  readonly amount: Float64Array;
  readonly side: string[];
  readonly meta: (string | null)[];
}

/** A frame of either kind. */
export type Frame = CandleFrame | TradeFrame;

/** The rows of a frame as objects, for small results and tests. */
export function* frameRows(frame: Frame): Generator<Row> {
  for (let i = 0; i < frame.length; i++) {
    if (frame.kind === 'candle') {
      yield { ...candleAt(frame, i), meta: frame.meta[i] ?? null };
    } else {
      yield {
        tsMs: frame.tsMs[i]!,
        tradeId: frame.tradeId[i]!,
        price: frame.price[i]!,
        amount: frame.amount[i]!,
        side: (frame.side[i] ?? '') as TradeSide,
        meta: frame.meta[i] ?? null,
      };
    }
  }
}

/** The key that makes a row unique in its series: time for candles, id for trades. */
export function rowKey(row: Row): string | number {
  return 'tradeId' in row ? row.tradeId : row.tsMs;
}

/** Sorts rows by time (then trade id) and drops repeats of the same key, keeping the last. */
export function sortUnique<R extends Row>(rows: readonly R[]): R[] {
  const byKey = new Map<string | number, R>();
  for (const row of rows) byKey.set(rowKey(row), row);
  return [...byKey.values()].sort(
    (a, b) =>
      a.tsMs - b.tsMs || ('tradeId' in a && 'tradeId' in b ? compareIds(a.tradeId, b.tradeId) : 0),
  );
}

// Trade ids are usually numeric strings; compare them as numbers when both are.
function compareIds(a: string, b: string): number {
  if (a.length !== b.length && /^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The frame as candles, or an error if it holds trades. */
export function asCandles(frame: Frame): CandleFrame {
  if (frame.kind !== 'candle') throw new TypeError('expected a candle frame, got trades');
  return frame;
}
