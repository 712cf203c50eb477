/** @module `GET /reports/backfill/runs`: the scheduler's run log (`backfill_history`). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { formatTime } from '../../core/time.js';
import type { AppEnv, ServerContext } from '../context.js';
import { parseQuery } from '../validation.js';

/** Query of `GET /reports/backfill/runs`. */
export const runsQuerySchema = z
  .object({
    symbol: z.string().min(1).max(100).optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1).max(1000))
      .default(50),
  })
  .strict();

/** The scheduler's per-symbol outcomes, newest first. */
export function registerRunsRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/reports/backfill/runs', async (c) => {
    const q = parseQuery(c, runsQuerySchema);
    const entries = await ctx.service.repos.history.list({
      limit: q.limit,
      ...(q.symbol === undefined ? {} : { symbol: q.symbol }),
    });
    return c.json({
      runs: entries.map((e) => ({
        symbol: e.symbol,
        time: formatTime(e.backfillTimestamp),
        time_ms: e.backfillTimestamp,
        records_imported: e.recordsImported,
        success: e.success,
        error: e.errorDetails,
      })),
    });
  });
}
