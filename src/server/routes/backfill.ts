import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, ServerContext } from '../context.js';
import { parseJsonBody, parseQuery } from '../validation.js';

const name = z.string().min(1).max(100);
const time = z.union([z.string().min(1).max(64), z.number().finite()]);

/** Body of `POST /reports/backfill`. */
export const submitBodySchema = z
  .object({
    source: name,
    subject: name,
    kind: z.enum(['candle', 'trade']),
    granularity: z.string().min(1).max(16).nullable().optional(),
    start: time,
    end: time,
    /** Who asks; the web console sends `ui`. */
    requested_by: z.enum(['api', 'ui']).optional(),
  })
  .strict();

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Query of `GET /reports/backfill/jobs`. */
export const listJobsQuerySchema = z
  .object({
    status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']).optional(),
    source: name.optional(),
    subject: name.optional(),
    kind: z.enum(['candle', 'trade']).optional(),
    granularity: z.string().min(1).max(16).optional(),
    limit: whole(1, 500).default(50),
    offset: whole(0, 1_000_000_000).default(0),
  })
  .strict();

/** The feeds, job submission, job listing, lookup and cancellation. */
export function registerBackfillRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { service } = ctx;

  app.get('/reports/backfill/feeds', async (c) => {
    parseQuery(c, z.object({}).strict());
    const tracked = await service.repos.symbols.list({ activeOnly: true });
    const feeds = service.config.feeds.map((feed) => {
      const extra = tracked
        .filter((t) => t.assetClass === feed.asset_class && !feed.subjects.includes(t.symbol))
        .map((t) => t.symbol);
      return {
        source: feed.source,
        exchange: feed.exchange,
        asset_class: feed.asset_class,
        subjects: [...feed.subjects, ...extra],
        kinds: feed.kinds,
        granularities: feed.granularities,
      };
    });
    return c.json({ feeds });
  });

  app.post('/reports/backfill', async (c) => {
    const { requested_by: requestedBy, ...body } = await parseJsonBody(c, submitBodySchema);
    const job = await service.jobs.submit({ ...body, requestedBy: requestedBy ?? 'api' });
    c.header('location', `/reports/backfill/jobs/${job.id}`);
    return c.json(service.jobs.view(job, ctx.nowMs()), 201);
  });

  app.get('/reports/backfill/jobs', async (c) => {
    const q = parseQuery(c, listJobsQuerySchema);
    const { jobs, total } = await service.jobs.list(q);
    const nowMs = ctx.nowMs();
    return c.json({
      jobs: jobs.map((job) => service.jobs.view(job, nowMs)),
      total,
      limit: q.limit,
      offset: q.offset,
    });
  });

  app.get('/reports/backfill/jobs/:id', async (c) => {
    parseQuery(c, z.object({}).strict());
    const job = await service.jobs.get(c.req.param('id'));
    return c.json(service.jobs.view(job, ctx.nowMs()));
  });

  app.post('/reports/backfill/jobs/:id/cancel', async (c) => {
    parseQuery(c, z.object({}).strict());
    const job = await service.jobs.cancel(c.req.param('id'));
    return c.json(service.jobs.view(job, ctx.nowMs()));
  });
}
