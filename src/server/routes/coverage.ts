/** @module `GET /reports/backfill/coverage`: the coverage map, series by UTC day. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { selectSeries } from '../../config/feeds.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { parseGranularity } from '../../core/granularity.js';
import { makeRange, mergeRanges, missingRanges } from '../../core/range-math.js';
import { type Series, seriesId, seriesStepMs } from '../../core/series.js';
import { DAY_MS, formatTime, parseTime, utcDay } from '../../core/time.js';
import type { AppEnv, ServerContext } from '../context.js';
import { dayStatus } from '../day-status.js';
import { parseQuery } from '../validation.js';

const text = z.string().min(1).max(100);

/** Query of `GET /reports/backfill/coverage`. */
export const coverageQuerySchema = z
  .object({
    source: text.optional(),
    subject: text.optional(),
    kind: z.enum(['candle', 'trade']).optional(),
    granularity: z.string().min(1).max(16).optional(),
    start: z.string().min(1).max(64).optional(),
    end: z.string().min(1).max(64).optional(),
  })
  .strict();

/** The widest map one request may ask for. */
export const MAX_MAP_DAYS = 1_000;
const DEFAULT_DAYS = 30;

/**
 * Every configured series (tracked symbols included) and every stored one,
 * with a status per UTC day of `[start, end)` (default: the last 30 days),
 * the records stored that day and the missing ranges.
 */
export function registerCoverageRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { service } = ctx;
  const store = service.store;

  app.get('/reports/backfill/coverage', async (c) => {
    const q = parseQuery(c, coverageQuerySchema);
    const nowMs = ctx.nowMs();
    const endMs =
      q.end === undefined
        ? Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS
        : Math.ceil(parseTime(q.end, 'end', nowMs) / DAY_MS) * DAY_MS;
    const startMs =
      q.start === undefined
        ? endMs - DEFAULT_DAYS * DAY_MS
        : Math.floor(parseTime(q.start, 'start', nowMs) / DAY_MS) * DAY_MS;
    makeRange(startMs, endMs, 'start/end');
    const dayCount = (endMs - startMs) / DAY_MS;
    if (dayCount > MAX_MAP_DAYS) {
      throw new InvalidArgumentError(
        `the map spans ${dayCount} days; at most ${MAX_MAP_DAYS} at once`,
        'RANGE_TOO_LARGE',
      );
    }
    const granularity = q.granularity === undefined ? undefined : parseGranularity(q.granularity);
    const all = new Map<string, Series>();
    const tracked = await service.repos.symbols.list({ activeOnly: true });
    for (const feed of service.config.feeds) {
      const subjects = [
        ...feed.subjects,
        ...tracked
          .filter((t) => t.assetClass === feed.asset_class && !feed.subjects.includes(t.symbol))
          .map((t) => t.symbol),
      ];
      for (const s of selectSeries({ ...service.config, feeds: [{ ...feed, subjects }] })) {
        all.set(seriesId(s), s);
      }
    }
    for (const s of await store.listSeries()) all.set(seriesId(s), s);
    const wanted = [...all.values()].filter(
      (s) =>
        (q.source === undefined || s.source === q.source) &&
        (q.subject === undefined || s.subject === q.subject) &&
        (q.kind === undefined || s.kind === q.kind) &&
        (granularity === undefined || s.granularity === granularity),
    );
    const days = Array.from({ length: dayCount }, (_, i) => utcDay(startMs + i * DAY_MS));
    const daySet = new Set(days);
    const window = { startMs, endMs: Math.min(endMs, nowMs) };
    const series = await Promise.all(
      wanted.map(async (s) => {
        const stepMs = seriesStepMs(s);
        const coverage = mergeRanges(await store.coverage(s));
        const files = await store.manifest(s, window);
        const records = new Map(
          files.filter((f) => daySet.has(f.day)).map((f) => [f.day, f.records]),
        );
        const stepEnd = Math.floor(window.endMs / stepMs) * stepMs;
        return {
          id: seriesId(s),
          source: s.source,
          subject: s.subject,
          kind: s.kind,
          granularity: s.granularity ?? null,
          statuses: days.map((day, i) =>
            dayStatus(startMs + i * DAY_MS, coverage, records.get(day) ?? 0, stepMs, nowMs),
          ),
          records: days.map((day) => records.get(day) ?? 0),
          missing:
            stepEnd > window.startMs
              ? missingRanges({ startMs: window.startMs, endMs: stepEnd }, coverage).map((r) => ({
                  start: formatTime(r.startMs),
                  end: formatTime(r.endMs),
                  start_ms: r.startMs,
                  end_ms: r.endMs,
                }))
              : [],
        };
      }),
    );
    return c.json({
      start: formatTime(startMs),
      end: formatTime(endMs),
      start_ms: startMs,
      end_ms: endMs,
      days,
      series,
    });
  });
}
