/** @module `GET /reports/backfill/chart`: candles of the visible range, coarser when it is long. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { findFeed } from '../../config/feeds.js';
import { clip } from '../../core/clip.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { granularityMs } from '../../core/granularity.js';
import { alignRange, makeRange, missingRanges } from '../../core/range-math.js';
import { asCandles } from '../../core/rows.js';
import { parseSeries, seriesId } from '../../core/series.js';
import { DAY_MS, parseTime } from '../../core/time.js';
import type { BarColumns } from '../../storage/index.js';
import type { AppEnv, ServerContext } from '../context.js';
import { parseQuery } from '../validation.js';

/** Query of `GET /reports/backfill/chart`. */
export const chartQuerySchema = z
  .object({
    series: z.string().min(1).max(200),
    start: z.string().min(1).max(64),
    end: z.string().min(1).max(64).optional(),
    max_bars: z
      .string()
      .regex(/^\d{1,5}$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(10).max(20_000))
      .default(5_000),
  })
  .strict();

/** Bars the server may aggregate to, finest first; each divides a day. */
export const CHART_BARS = ['5m', '1h', '1d'] as const;

/** The finest bar (the series' own, or one of {@link CHART_BARS}) that keeps the range under `maxBars`. */
export function chooseBar(nativeMs: number, spanMs: number, maxBars: number): number {
  if (spanMs / nativeMs <= maxBars) return nativeMs;
  for (const bar of CHART_BARS) {
    const ms = granularityMs(bar);
    if (ms > nativeMs && spanMs / ms <= maxBars) return ms;
  }
  return Math.max(nativeMs, DAY_MS);
}

const BAR_NAMES = new Map<number, string>(
  ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '1w'].map(
    (g) => [granularityMs(g), g],
  ),
);

/**
 * Stored candles of one series over `[start, end)`: as stored while the
 * range holds at most `max_bars` (default 5,000) of them, else aggregated by
 * DuckDB to the finest of 5m, 1h, 1d that fits. Times are epoch seconds (what
 * charts take); `gaps` are the uncovered ranges, so a chart shows them as
 * gaps rather than closing them up.
 */
export function registerChartRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { service } = ctx;
  const store = service.store;

  app.get('/reports/backfill/chart', async (c) => {
    const q = parseQuery(c, chartQuerySchema);
    const series = parseSeries(q.series);
    if (series.kind !== 'candle' || series.granularity === undefined) {
      throw new InvalidArgumentError(
        `series '${clip(q.series)}' is not a candle series`,
        'BAD_SERIES',
      );
    }
    findFeed(service.config, series.source);
    const nowMs = ctx.nowMs();
    const nativeMs = granularityMs(series.granularity);
    const requested = makeRange(
      parseTime(q.start, 'start', nowMs),
      q.end === undefined ? nowMs : parseTime(q.end, 'end', nowMs),
      'start/end',
    );
    const barMs = chooseBar(nativeMs, requested.endMs - requested.startMs, q.max_bars);
    const range = alignRange(requested, barMs);
    // Bars up to the last closed one: the key moves with the clock only while the range reaches now.
    const closedEnd = Math.min(range.endMs, Math.floor(nowMs / nativeMs) * nativeMs);
    const key = `chart|${seriesId(series)}|${barMs}|${range.startMs}|${range.endMs}|${closedEnd}`;
    const signature = store.seriesVersion(series);
    c.header('cache-control', 'no-cache');
    c.header('content-type', 'application/json; charset=utf-8');
    const cached = ctx.historyCache.get(key, signature);
    if (cached !== undefined) return c.body(cached as Uint8Array<ArrayBuffer>, 200);
    let bars: BarColumns;
    if (barMs === nativeMs) {
      const frame = asCandles(await store.read(series, range));
      bars = {
        timeMs: Array.from(frame.tsMs),
        open: Array.from(frame.open),
        high: Array.from(frame.high),
        low: Array.from(frame.low),
        close: Array.from(frame.close),
        volume: Array.from(frame.volume),
      };
    } else {
      bars = await store.aggregate(series, range, barMs);
    }
    const coverage = await store.coverage(series);
    const gaps =
      closedEnd > range.startMs
        ? missingRanges({ startMs: range.startMs, endMs: closedEnd }, coverage)
        : [];
    const body = new TextEncoder().encode(
      JSON.stringify({
        series: seriesId(series),
        granularity: series.granularity,
        bar: BAR_NAMES.get(barMs) ?? `${barMs / 1000}s`,
        bar_s: barMs / 1000,
        aggregated: barMs !== nativeMs,
        start_ms: range.startMs,
        end_ms: range.endMs,
        count: bars.timeMs.length,
        time: bars.timeMs.map((t) => t / 1000),
        open: bars.open,
        high: bars.high,
        low: bars.low,
        close: bars.close,
        volume: bars.volume,
        gaps: gaps.map((g) => ({ start_ms: g.startMs, end_ms: g.endMs })),
      }),
    );
    // Kept only if nothing was written while it was built.
    if (store.seriesVersion(series) === signature) {
      ctx.historyCache.set(key, signature, body);
    }
    return c.body(body, 200);
  });
}
