import { csvNumber, jsonNumber } from '../core/number-text.js';
import { alignRange, missingRanges, type Range } from '../core/range-math.js';
import type { CandleFrame } from '../core/rows.js';
import { asCandles } from '../core/rows.js';
import { type Series, seriesStepMs } from '../core/series.js';
import { DAY_MS, formatTime, utcDay } from '../core/time.js';
import type { FileStore } from '../storage/index.js';

/** Text formats of the history endpoint. */
export type TextFormat = 'json' | 'csv';

/** What a history response describes besides its rows. */
export interface HistoryMeta {
  readonly symbol: string;
  readonly series: Series;
  readonly range: Range;
}

/** Gaps listed in a JSON head at most; the count is always exact. */
const MAX_GAPS_LISTED = 1000;
/** Rows per store read while streaming: bounds memory whatever the range. */
const ROWS_PER_READ = 20_000;

/** CSV header of candle rows. */
export const CSV_HEADER = 'ts,ts_ms,open,high,low,close,volume\n';

/**
 * The body of a history response, chunk by chunk: a head, the rows read from
 * the store a bounded number of days at a time, and a tail. Nothing holds
 * more than one chunk, whatever the range.
 */
export async function* historyChunks(
  store: FileStore,
  meta: HistoryMeta,
  format: TextFormat,
): AsyncGenerator<string> {
  const { series, range } = meta;
  const stepMs = seriesStepMs(series);
  if (format === 'json') {
    const gaps = missingRanges(alignRange(range, stepMs), await store.coverage(series));
    yield jsonHead(meta, gaps);
  } else {
    yield CSV_HEADER;
  }
  // One listing decides which chunks have files at all; empty stretches cost nothing.
  const days = new Set(await store.days(series));
  const chunkMs = Math.max(1, Math.floor((ROWS_PER_READ * stepMs) / DAY_MS)) * DAY_MS;
  let first = true;
  for (let from = range.startMs; from < range.endMs; ) {
    const to = Math.min(range.endMs, Math.floor(from / DAY_MS) * DAY_MS + chunkMs);
    if (hasDay(days, from, to)) {
      const frame = asCandles(await store.read(series, { startMs: from, endMs: to }));
      if (frame.length > 0) {
        yield format === 'json' ? jsonRows(frame, first) : csvRows(frame);
        first = false;
      }
    }
    from = to;
  }
  if (format === 'json') yield '\n]}\n';
}

function hasDay(days: Set<string>, fromMs: number, toMs: number): boolean {
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d < toMs; d += DAY_MS) {
    if (days.has(utcDay(d))) return true;
  }
  return false;
}

function jsonHead(meta: HistoryMeta, gaps: Range[]): string {
  const { series, range } = meta;
  const head = {
    symbol: meta.symbol,
    source: series.source,
    kind: series.kind,
    granularity: series.granularity,
    start: formatTime(range.startMs),
    end: formatTime(range.endMs),
    start_ms: range.startMs,
    end_ms: range.endMs,
    complete: gaps.length === 0,
    gap_count: gaps.length,
    gaps: gaps.slice(0, MAX_GAPS_LISTED).map((g) => ({
      start: formatTime(g.startMs),
      end: formatTime(g.endMs),
      start_ms: g.startMs,
      end_ms: g.endMs,
    })),
  };
  const text = JSON.stringify(head);
  return `${text.slice(0, -1)},"rows":[`;
}

function jsonRows(frame: CandleFrame, first: boolean): string {
  let text = '';
  for (let i = 0; i < frame.length; i++) {
    const ts = frame.tsMs[i]!;
    text += `${first && i === 0 ? '' : ','}\n{"ts":"${formatTime(ts)}","ts_ms":${ts},"open":${jsonNumber(frame.open[i]!)},"high":${jsonNumber(frame.high[i]!)},"low":${jsonNumber(frame.low[i]!)},"close":${jsonNumber(frame.close[i]!)},"volume":${jsonNumber(frame.volume[i]!)}}`;
  }
  return text;
}

function csvRows(frame: CandleFrame): string {
  let text = '';
  for (let i = 0; i < frame.length; i++) {
    const ts = frame.tsMs[i]!;
    text += `${formatTime(ts)},${ts},${csvNumber(frame.open[i]!)},${csvNumber(frame.high[i]!)},${csvNumber(frame.low[i]!)},${csvNumber(frame.close[i]!)},${csvNumber(frame.volume[i]!)}\n`;
  }
  return text;
}
