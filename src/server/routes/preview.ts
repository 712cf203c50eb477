/** @module `POST /reports/backfill/preview`: what a backfill would fetch, before it runs. */
import type { Hono } from 'hono';
import { requestWeightOf } from '../../app/feed-fetcher.js';
import { findFeed } from '../../config/feeds.js';
import { makeSeries, seriesId, seriesStepMs } from '../../core/series.js';
import { formatTime } from '../../core/time.js';
import { planBackfill } from '../backfill-plan.js';
import type { AppEnv, ServerContext } from '../context.js';
import { parseJsonBody } from '../validation.js';
import { submitBodySchema } from './backfill.js';

/** Body of `POST /reports/backfill/preview`: the same as a submission. */
export const previewBodySchema = submitBodySchema;

/**
 * `POST /reports/backfill/preview`: validates a submission exactly as
 * `POST /reports/backfill` does (same 400/404 messages), then answers the
 * ranges still missing from coverage, the pages and request weight the fetch
 * would take and an ETA from the feed's rate limit. Nothing is created.
 */
export function registerPreviewRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { service } = ctx;

  app.post('/reports/backfill/preview', async (c) => {
    const { requested_by: _origin, ...body } = await parseJsonBody(c, previewBodySchema);
    const job = await service.jobs.validate(body);
    const series = makeSeries({
      source: job.source,
      subject: job.subject,
      kind: job.kind,
      granularity: job.granularity ?? undefined,
    });
    const feed = findFeed(service.config, job.source);
    const missing = await service.engine.missing(series, {
      startMs: job.startTs,
      endMs: job.endTs,
    });
    const plan = planBackfill(feed, series, missing);
    const stepMs = seriesStepMs(series);
    const missingMs = missing.reduce((sum, r) => sum + r.endMs - r.startMs, 0);
    const limit =
      feed.exchange === 'sim' && feed.api_url === undefined ? undefined : feed.rate_limit;
    return c.json({
      series: seriesId(series),
      start: formatTime(job.startTs),
      end: formatTime(job.endTs),
      start_ms: job.startTs,
      end_ms: job.endTs,
      missing: missing.map((r) => ({
        start: formatTime(r.startMs),
        end: formatTime(r.endMs),
        start_ms: r.startMs,
        end_ms: r.endMs,
      })),
      missing_bars: series.kind === 'candle' ? Math.round(missingMs / stepMs) : null,
      pages: plan.pages,
      archive_files: plan.archiveFiles,
      pages_exact: plan.pagesExact,
      request_weight: plan.requestWeight,
      eta_s: plan.etaS,
      rate_limit:
        limit === undefined
          ? null
          : {
              tokens_per_interval: limit.tokens_per_interval,
              interval_ms: limit.interval_ms,
              request_weight: requestWeightOf(feed),
            },
    });
  });
}
