/** @module Which parts of a range come from monthly archives, daily archives and REST. */
import { monthOf } from '../../core/archive-layout.js';
import { granularityMs } from '../../core/granularity.js';
import type { Range } from '../../core/range-math.js';
import type { Series } from '../../core/series.js';
import { DAY_MS } from '../../core/time.js';

/** One part of a planned fill. */
export interface PlanPiece extends Range {
  /** `monthly` and `daily`: one archive file holds the whole piece; `rest`: the exchange's API. */
  readonly via: 'monthly' | 'daily' | 'rest';
}

/**
 * Splits `range` into whole months (monthly archives), whole UTC days
 * (daily archives) and the rest (REST): an archive file is used only when
 * its whole period lies inside the range and has ended by `publishedBeforeMs`
 * (the exchange's clock), so the current day, and a part of a day at either
 * end, come over REST. Pieces are in time order, REST pieces merged.
 * @example
 * planArchive({ startMs: Date.UTC(2024, 0, 1), endMs: Date.UTC(2024, 1, 3, 12) }, now);
 * // monthly 2024-01, daily 02-01, daily 02-02, rest 02-03T00..12
 */
export function planArchive(range: Range, publishedBeforeMs: number): PlanPiece[] {
  const out: PlanPiece[] = [];
  const push = (piece: PlanPiece) => {
    const last = out[out.length - 1];
    if (piece.via === 'rest' && last?.via === 'rest' && last.endMs === piece.startMs) {
      out[out.length - 1] = { ...last, endMs: piece.endMs };
    } else {
      out.push(piece);
    }
  };
  const limit = Math.min(range.endMs, publishedBeforeMs);
  let at = range.startMs;
  while (at < range.endMs) {
    const month = monthOf(at);
    if (at === month.startMs && month.endMs <= limit) {
      push({ via: 'monthly', ...month });
      at = month.endMs;
      continue;
    }
    const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
    const dayEnd = dayStart + DAY_MS;
    if (at === dayStart && dayEnd <= limit) {
      push({ via: 'daily', startMs: dayStart, endMs: dayEnd });
    } else {
      push({ via: 'rest', startMs: at, endMs: Math.min(dayEnd, range.endMs) });
    }
    at = Math.min(dayEnd, range.endMs);
  }
  return out;
}

/**
 * How an archive-backed fetch of `series` splits `range`: {@link planArchive}
 * up to the range's end, which the caller has cut at the last closed bar.
 * Bars longer than a day do not fit a daily or monthly file: all REST.
 */
export function planSeriesArchive(series: Series, range: Range): PlanPiece[] {
  const stepMs = series.kind === 'candle' ? granularityMs(series.granularity ?? '') : 0;
  const archived = series.kind === 'trade' || DAY_MS % stepMs === 0;
  return archived ? planArchive(range, range.endMs) : [{ via: 'rest', ...range }];
}
