import { allocateCandleFrame } from '../core/candle-columns.js';
import type { Range } from '../core/range-math.js';
import {
  type Candle,
  type CandleFrame,
  type Frame,
  type Row,
  sortUnique,
  type Trade,
  type TradeFrame,
} from '../core/rows.js';
import type { Series } from '../core/series.js';

/** Rows (any order, repeats allowed: last wins) as a sorted frame. */
export function frameFromRows(series: Series, rows: readonly Row[]): Frame {
  const sorted = sortUnique(rows);
  const n = sorted.length;
  if (series.kind === 'candle') {
    const f = allocateCandleFrame(series, n);
    (sorted as Candle[]).forEach((c, i) => {
      f.tsMs[i] = c.tsMs;
      f.open[i] = c.open;
      f.high[i] = c.high;
      f.low[i] = c.low;
      f.close[i] = c.close;
      f.volume[i] = c.volume;
      f.meta[i] = c.meta ?? null;
    });
    return f;
  }
  const trades = sorted as Trade[];
  return {
    series,
    kind: 'trade',
    length: n,
    tsMs: Float64Array.from(trades, (t) => t.tsMs),
    tradeId: trades.map((t) => t.tradeId),
    price: Float64Array.from(trades, (t) => t.price),
    amount: Float64Array.from(trades, (t) => t.amount),
    side: trades.map((t) => t.side),
    meta: trades.map((t) => t.meta ?? null),
  };
}

/** First index whose time is `>= tsMs` (frames are sorted by time). */
export function lowerBound(frame: Frame, tsMs: number): number {
  let lo = 0;
  let hi = frame.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (frame.tsMs[mid]! < tsMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A copy of rows `[from, to)` of a frame. */
export function sliceRows(frame: Frame, from: number, to: number): Frame {
  const length = Math.max(0, to - from);
  if (frame.kind === 'candle') {
    return {
      series: frame.series,
      kind: 'candle',
      length,
      tsMs: frame.tsMs.slice(from, to),
      open: frame.open.slice(from, to),
      high: frame.high.slice(from, to),
      low: frame.low.slice(from, to),
      close: frame.close.slice(from, to),
      volume: frame.volume.slice(from, to),
      meta: frame.meta.slice(from, to),
    };
  }
  return {
    series: frame.series,
    kind: 'trade',
    length,
    tsMs: frame.tsMs.slice(from, to),
    tradeId: frame.tradeId.slice(from, to),
    price: frame.price.slice(from, to),
    amount: frame.amount.slice(from, to),
    side: frame.side.slice(from, to),
    meta: frame.meta.slice(from, to),
  };
}

/** A copy of the rows with `startMs <= ts < endMs`. */
export function sliceFrame(frame: Frame, range: Range): Frame {
  return sliceRows(frame, lowerBound(frame, range.startMs), lowerBound(frame, range.endMs));
}

/**
 * Joins frames of one series in time order into one frame. Pieces usually
 * hold disjoint windows; where they overlap, the earlier piece wins and the
 * later one's repeats (same time, or same trade id) are dropped.
 */
export function concatFrames(series: Series, pieces: readonly Frame[]): Frame {
  const nonEmpty = [...pieces].filter((f) => f.length > 0).sort((a, b) => a.tsMs[0]! - b.tsMs[0]!);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  const keep: [Frame, number][] = [];
  let lastTs = Number.NEGATIVE_INFINITY;
  const idsAtLast = new Set<string>();
  for (const frame of nonEmpty) {
    for (let i = 0; i < frame.length; i++) {
      const ts = frame.tsMs[i]!;
      if (frame.kind === 'candle') {
        if (ts <= lastTs) continue;
      } else {
        const id = frame.tradeId[i]!;
        if (ts < lastTs || (ts === lastTs && idsAtLast.has(id))) continue;
        if (ts > lastTs) idsAtLast.clear();
        idsAtLast.add(id);
      }
      lastTs = ts;
      keep.push([frame, i]);
    }
  }
  return gather(series, keep);
}

function gather(series: Series, keep: readonly [Frame, number][]): Frame {
  const n = keep.length;
  if (series.kind === 'candle') {
    const out = allocateCandleFrame(series, n);
    keep.forEach(([f, i], j) => {
      const c = f as CandleFrame;
      out.tsMs[j] = c.tsMs[i]!;
      out.open[j] = c.open[i]!;
      out.high[j] = c.high[i]!;
      out.low[j] = c.low[i]!;
      out.close[j] = c.close[i]!;
      out.volume[j] = c.volume[i]!;
      out.meta[j] = c.meta[i] ?? null;
    });
    return out;
  }
  const out: TradeFrame = {
    series,
    kind: 'trade',
    length: n,
    tsMs: new Float64Array(n),
    tradeId: new Array<string>(n),
    price: new Float64Array(n),
    amount: new Float64Array(n),
    side: new Array<string>(n),
    meta: new Array<string | null>(n),
  };
  keep.forEach(([f, i], j) => {
    const t = f as TradeFrame;
    out.tsMs[j] = t.tsMs[i]!;
    out.tradeId[j] = t.tradeId[i]!;
    out.price[j] = t.price[i]!;
    out.amount[j] = t.amount[i]!;
    out.side[j] = t.side[i]!;
    out.meta[j] = t.meta[i] ?? null;
  });
  return out;
}

/** Rough heap size of a frame, for the cache's byte bound. */
export function frameBytes(frame: Frame): number {
  let bytes = frame.length * (frame.kind === 'candle' ? 48 : 24) + 200;
  for (const m of frame.meta) if (m !== null) bytes += 2 * m.length;
  if (frame.kind === 'trade') for (const id of frame.tradeId) bytes += 2 * id.length + 16;
  return bytes;
}
