import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Hono } from 'hono';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { mergeRanges, totalMs } from '../../core/range-math.js';
import { formatTime } from '../../core/time.js';
import type { AppEnv, ServerContext } from '../context.js';
import { parseQuery } from '../validation.js';

const noQuery = z.object({}).strict();

/** What `GET /api/v1/status` reports about the stored data. */
export interface DataStatus {
  /** Distinct subjects with stored data or coverage. */
  readonly symbols_available: number;
  /** Series (source, subject, kind, granularity) stored. */
  readonly series: number;
  /** Rows in all day files, from Parquet metadata. */
  readonly total_records: number;
  /** End of the newest covered range of any series (ISO-8601), null when empty. */
  readonly latest_data: string | null;
  readonly latest_data_ms: number | null;
  /**
   * Share of the span between each series' first and last covered instant
   * that is covered (verified complete), over all series; 1 means no holes.
   * Null when nothing is stored.
   */
  readonly validation_rate: number | null;
  /**
   * Day files whose footer is damaged, or gone while coverage claims their
   * rows (`gapless verify` tells which; `--repair` moves them aside). Footer
   * checks cached per file, so a status costs a `stat` per file.
   */
  readonly damaged_files: number;
}

/** Reads the stored data's summary: series, records, newest bar, completeness. */
export async function dataStatus(ctx: ServerContext): Promise<DataStatus> {
  const store = ctx.service.store;
  const series = await store.listSeries();
  let records = 0;
  let latest: number | null = null;
  let covered = 0;
  let span = 0;
  let damaged = 0;
  for (const s of series) {
    for (const f of await store.manifest(s)) records += f.records;
    damaged += (await store.verify(s, { deep: false })).findings.length;
    const coverage = mergeRanges(await store.coverage(s));
    const first = coverage[0];
    const last = coverage[coverage.length - 1];
    if (first === undefined || last === undefined) continue;
    latest = latest === null ? last.endMs : Math.max(latest, last.endMs);
    covered += totalMs(coverage);
    span += last.endMs - first.startMs;
  }
  return {
    symbols_available: new Set(series.map((s) => s.subject)).size,
    series: series.length,
    total_records: records,
    latest_data: latest === null ? null : formatTime(latest),
    latest_data_ms: latest,
    validation_rate: span === 0 ? null : Math.round((covered / span) * 1e6) / 1e6,
    damaged_files: damaged,
  };
}

/** `/health`, `/api/v1/status`, `/api/v1/symbols`, `/api/v1/metrics` and Prometheus `/metrics`. */
export function registerStatusRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { service } = ctx;

  app.get('/health', async (c) => {
    parseQuery(c, noQuery);
    const [storage, database] = await Promise.all([
      access(service.store.dataDir, constants.R_OK | constants.W_OK).then(
        () => true,
        () => false,
      ),
      service.repos.ping().catch(() => false),
    ]);
    const healthy = storage && database;
    return c.json(
      {
        status: healthy ? 'ok' : 'unavailable',
        scheduler_running: service.scheduler?.running ?? false,
        storage: storage ? 'ok' : 'unreachable',
        database: database ? 'ok' : 'unreachable',
        database_mode: service.repos.mode,
      },
      healthy ? 200 : 503,
    );
  });

  app.get('/api/v1/status', async (c) => {
    parseQuery(c, noQuery);
    return c.json(await dataStatus(ctx));
  });

  app.get('/api/v1/symbols', async (c) => {
    parseQuery(c, noQuery);
    const tracked = await service.repos.symbols.list();
    const configured = new Map<string, string[]>();
    for (const feed of service.config.feeds) {
      for (const subject of feed.subjects) {
        configured.set(subject, [...(configured.get(subject) ?? []), feed.source]);
      }
    }
    return c.json({
      configured: [...configured].map(([symbol, sources]) => ({ symbol, sources })),
      tracked: tracked.map((t) => ({
        symbol: t.symbol,
        asset_class: t.assetClass,
        active: t.active,
        created_at: formatTime(t.createdAt),
      })),
    });
  });

  app.get('/api/v1/metrics', async (c) => {
    parseQuery(c, noQuery);
    const [running, pending] = await Promise.all([
      service.jobs.list({ status: 'running', limit: 1, offset: 0 }),
      service.jobs.list({ status: 'pending', limit: 1, offset: 0 }),
    ]);
    return c.json({
      last_backfill: service.scheduler?.lastBackfill ?? null,
      jobs: { running: running.total, pending: pending.total },
    });
  });

  app.get('/metrics', async (c) => {
    parseQuery(c, noQuery);
    // The app's HTTP and job-store metrics plus the runtime's backfill metrics.
    const registry = Registry.merge([ctx.metrics.registry, ctx.service.registry]);
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
}
