import type { Candle } from '../core/rows.js';
import type { DaySlice, RowBatch } from './row-batch.js';

/** Candles as columns, sorted by `tsMs` and unique: what a day file holds. */
export interface CandleColumns {
  readonly length: number;
  readonly tsMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly meta: readonly (string | null)[];
}

const VALUES = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

function allocate(length: number): {
  -readonly [K in keyof CandleColumns]: K extends 'meta' ? (string | null)[] : CandleColumns[K];
} {
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

/** The checked, sorted candles of one day of a batch, as columns. */
export function candleDayColumns(batch: RowBatch<Candle>, day: DaySlice): CandleColumns {
  const out = allocate(day.to - day.from);
  for (let k = day.from; k < day.to; k++) {
    const row = batch.rows[batch.order[k]!]!;
    const i = k - day.from;
    out.tsMs[i] = row.tsMs;
    out.open[i] = row.open;
    out.high[i] = row.high;
    out.low[i] = row.low;
    out.close[i] = row.close;
    out.volume[i] = row.volume;
    out.meta[i] = row.meta ?? null;
  }
  return out;
}

/** `fresh` merged into `old`: both sorted and unique; on the same `tsMs`, `fresh` wins. */
export function mergeCandleColumns(fresh: CandleColumns, old: CandleColumns): CandleColumns {
  let kept = 0;
  for (let i = 0, j = 0; j < old.length; j++) {
    while (i < fresh.length && fresh.tsMs[i]! < old.tsMs[j]!) i++;
    if (i === fresh.length || fresh.tsMs[i] !== old.tsMs[j]) kept++;
  }
  const out = allocate(fresh.length + kept);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    // Take from `old` only where it comes strictly first; a tie goes to `fresh`, skipping `old`'s row.
    const fromOld = j < old.length && (i === fresh.length || old.tsMs[j]! < fresh.tsMs[i]!);
    const source = fromOld ? old : fresh;
    const at = fromOld ? j++ : i++;
    if (!fromOld && j < old.length && old.tsMs[j] === fresh.tsMs[at]) j++;
    for (const name of VALUES) out[name][k] = source[name][at]!;
    out.meta[k] = source.meta[at] ?? null;
  }
  return out;
}
