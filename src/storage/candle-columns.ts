import { allocateCandleColumns, setMeta } from '../core/candle-columns.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Range } from '../core/range-math.js';
import type { Candle, CandleColumns } from '../core/rows.js';
import type { RowBatch } from './row-batch.js';

const VALUES = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The checked, sorted candles of a batch, as columns. */
export function candleColumns(batch: RowBatch<Candle>): CandleColumns {
  const out = allocateCandleColumns(batch.order.length);
  for (let k = 0; k < out.length; k++) {
    const row = batch.rows[batch.order[k]!]!;
    out.tsMs[k] = row.tsMs;
    out.open[k] = row.open;
    out.high[k] = row.high;
    out.low[k] = row.low;
    out.close[k] = row.close;
    out.volume[k] = row.volume;
    setMeta(out.meta, k, row.meta);
  }
  return out;
}

/** Rows `[from, to)` of `columns`, sharing their memory. */
export function sliceCandleColumns(
  columns: CandleColumns,
  from: number,
  to: number,
): CandleColumns {
  return {
    length: to - from,
    tsMs: columns.tsMs.subarray(from, to),
    open: columns.open.subarray(from, to),
    high: columns.high.subarray(from, to),
    low: columns.low.subarray(from, to),
    close: columns.close.subarray(from, to),
    volume: columns.volume.subarray(from, to),
    meta: columns.meta.slice(from, to),
  };
}

/**
 * Checks candles handed over as columns (every time whole epoch ms inside
 * `range`, every column long enough) and returns them sorted by time with
 * repeats dropped, the last one kept. Throws `InvalidArgumentError` naming the
 * first bad row.
 */
export function checkedCandleColumns(columns: CandleColumns, range: Range): CandleColumns {
  const n = columns.length;
  if (!Number.isInteger(n) || n < 0) bad(`length must be a whole number, got ${String(n)}`);
  for (const name of VALUES) {
    if ((columns[name]?.length ?? -1) < n) bad(`column ${name} holds fewer than ${n} values`);
  }
  if (!Array.isArray(columns.meta)) bad('column meta must be an array');
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const ts = columns.tsMs[i]!;
    if (!Number.isSafeInteger(ts))
      bad(`row ${i}: tsMs must be whole epoch milliseconds, got ${ts}`);
    if (ts < range.startMs || ts >= range.endMs) {
      bad(`row ${i}: tsMs ${ts} is outside the written range [${range.startMs}, ${range.endMs})`);
    }
    if (i > 0 && ts <= columns.tsMs[i - 1]!) sorted = false;
  }
  if (sorted) return columns;
  const last = new Map<number, number>();
  for (let i = 0; i < n; i++) last.set(columns.tsMs[i]!, i);
  const order = [...last.values()].sort((a, b) => columns.tsMs[a]! - columns.tsMs[b]!);
  const out = allocateCandleColumns(order.length);
  order.forEach((i, k) => {
    for (const name of VALUES) out[name][k] = columns[name][i]!;
    setMeta(out.meta, k, columns.meta[i]);
  });
  return out;
}

function bad(message: string): never {
  throw new InvalidArgumentError(message, 'BAD_ROW');
}

/** `fresh` merged into `old`: both sorted and unique; on the same `tsMs`, `fresh` wins. */
export function mergeCandleColumns(fresh: CandleColumns, old: CandleColumns): CandleColumns {
  let kept = 0;
  for (let i = 0, j = 0; j < old.length; j++) {
    while (i < fresh.length && fresh.tsMs[i]! < old.tsMs[j]!) i++;
    if (i === fresh.length || fresh.tsMs[i] !== old.tsMs[j]) kept++;
  }
  const out = allocateCandleColumns(fresh.length + kept);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    // Take from `old` only where it comes strictly first; a tie goes to `fresh`, skipping `old`'s row.
    const fromOld = j < old.length && (i === fresh.length || old.tsMs[j]! < fresh.tsMs[i]!);
    const source = fromOld ? old : fresh;
    const at = fromOld ? j++ : i++;
    if (!fromOld && j < old.length && old.tsMs[j] === fresh.tsMs[at]) j++;
    for (const name of VALUES) out[name][k] = source[name][at]!;
    setMeta(out.meta, k, source.meta[at]);
  }
  return out;
}
