import { InvalidArgumentError } from '../core/errors.js';
import type { Range } from '../core/range-math.js';
import type { Candle, Row, Trade } from '../core/rows.js';
import { DAY_MS, utcDay } from '../core/time.js';

/** The rows of one UTC day inside a batch: `order[from..to)`. */
export interface DaySlice {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly startMs: number;
  readonly from: number;
  readonly to: number;
}

/** Rows checked, de-duplicated (last wins) and sorted by time, as indices into the input. */
export interface RowBatch<R extends Row = Row> {
  readonly rows: readonly R[];
  /** Input indices of the kept rows, in time order. */
  readonly order: Uint32Array;
  readonly days: DaySlice[];
  /** Whether any kept row carries `meta`. */
  readonly hasMeta: boolean;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function bad(message: string): never {
  throw new InvalidArgumentError(message, 'BAD_ROW');
}

function checkTs(tsMs: unknown, range: Range, i: number): void {
  if (typeof tsMs !== 'number' || !Number.isSafeInteger(tsMs) || Math.abs(tsMs) > 8.64e15) {
    bad(`row ${i}: tsMs must be whole epoch milliseconds, got ${String(tsMs)}`);
  }
  if (tsMs < range.startMs || tsMs >= range.endMs) {
    bad(`row ${i}: tsMs ${tsMs} is outside the written range [${range.startMs}, ${range.endMs})`);
  }
}

function checkNumber(value: unknown, field: string, i: number): void {
  if (typeof value !== 'number') bad(`row ${i}: ${field} must be a number, got ${typeof value}`);
}

function checkMeta(value: unknown, i: number): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'string') bad(`row ${i}: meta must be a JSON string or null`);
  return true;
}

/**
 * Checks candles, keeps the last of repeated `tsMs`, sorts them and cuts them
 * into UTC days. Throws `InvalidArgumentError` naming the first bad row.
 */
export function candleBatch(rows: readonly Candle[], range: Range): RowBatch<Candle> {
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row === null || typeof row !== 'object') bad(`row ${i}: not a candle`);
    checkTs(row.tsMs, range, i);
    checkNumber(row.open, 'open', i);
    checkNumber(row.high, 'high', i);
    checkNumber(row.low, 'low', i);
    checkNumber(row.close, 'close', i);
    checkNumber(row.volume, 'volume', i);
    if (row.tsMs <= previous) sorted = false;
    previous = row.tsMs;
  }
  // The usual batch (one exchange page, in order, no repeats) needs no work.
  const order = sorted
    ? Uint32Array.from({ length: rows.length }, (_, i) => i)
    : lastWins(rows, (row) => row.tsMs);
  return finish(rows, order, (i) => checkMeta(rows[i]!.meta, i));
}

/**
 * Checks trades, keeps the last of repeated `tradeId`, sorts them by time and
 * cuts them into UTC days. Throws `InvalidArgumentError` naming the first bad row.
 */
export function tradeBatch(rows: readonly Trade[], range: Range): RowBatch<Trade> {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row === null || typeof row !== 'object') bad(`row ${i}: not a trade`);
    checkTs(row.tsMs, range, i);
    if (typeof row.tradeId !== 'string' || row.tradeId === '') {
      bad(`row ${i}: tradeId must be a non-empty string`);
    }
    checkNumber(row.price, 'price', i);
    checkNumber(row.amount, 'amount', i);
    if (row.side !== 'buy' && row.side !== 'sell' && row.side !== '') {
      bad(`row ${i}: side must be 'buy', 'sell' or '', got '${String(row.side)}'`);
    }
  }
  return finish(
    rows,
    lastWins(rows, (row) => row.tradeId),
    (i) => checkMeta(rows[i]!.meta, i),
  );
}

// Indices of the last row of each key, sorted by time (stable, so ties keep input order).
function lastWins<R extends Row>(
  rows: readonly R[],
  key: (row: R) => string | number,
): Uint32Array {
  const last = new Map<string | number, number>();
  for (let i = 0; i < rows.length; i++) last.set(key(rows[i]!), i);
  const kept = [...last.values()].sort((a, b) => rows[a]!.tsMs - rows[b]!.tsMs || a - b);
  return Uint32Array.from(kept);
}

function finish<R extends Row>(
  rows: readonly R[],
  order: Uint32Array,
  hasMetaAt: (i: number) => boolean,
): RowBatch<R> {
  let hasMeta = false;
  for (let k = 0; k < order.length && !hasMeta; k++) hasMeta = hasMetaAt(order[k]!);
  return { rows, order, days: daySlices(order.length, (k) => rows[order[k]!]!.tsMs), hasMeta };
}

/**
 * Cuts `count` rows sorted by time (the k-th at `tsAt(k)`) into UTC days.
 * Throws `InvalidArgumentError` for a time outside years 0000-9999.
 */
export function daySlices(count: number, tsAt: (k: number) => number): DaySlice[] {
  const days: DaySlice[] = [];
  let from = 0;
  for (let k = 0; k < count; k++) {
    const dayStart = Math.floor(tsAt(k) / DAY_MS) * DAY_MS;
    if (k + 1 === count || Math.floor(tsAt(k + 1) / DAY_MS) * DAY_MS !== dayStart) {
      const day = utcDay(dayStart);
      if (!DAY_RE.test(day)) bad(`row ${k}: tsMs ${tsAt(k)} is outside years 0000-9999`);
      days.push({ day, startMs: dayStart, from, to: k + 1 });
      from = k + 1;
    }
  }
  return days;
}
