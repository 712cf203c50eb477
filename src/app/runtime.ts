/** @module The composition root: everything a gapless process uses, built once from a validated config. */
import { Registry } from 'prom-client';
import { BackfillEngine } from '../backfill/engine.js';
import { type BackfillMetrics, createBackfillMetrics } from '../backfill/metrics.js';
import { findFeed } from '../config/feeds.js';
import type { GaplessConfig } from '../config/schema.js';
import type { Series } from '../core/series.js';
import type { Repositories } from '../jobs/job.js';
import { JobService } from '../jobs/job-service.js';
import { JobWorker, type JobWorkerOptions } from '../jobs/job-worker.js';
import { openRepositories } from '../jobs/repositories.js';
import { type LastBackfill, Scheduler } from '../jobs/scheduler.js';
import { createSeamlessMetrics } from '../seamless/metrics.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import type { FileStore } from '../storage/index.js';
import { openEmbeddedStore, recordFillOrigins } from '../storage/index.js';
import { feedFetchers } from './feed-fetcher.js';

/** Options of {@link openDataRuntime}. */
export interface DataRuntimeOptions {
  /** The clock of the engine, jobs, scheduler and fetchers. @default Date.now */
  readonly nowMs?: (() => number) | undefined;
}

/** The data half of a runtime: store, fetchers, engine and metrics (no jobs). */
export interface DataRuntime {
  readonly config: GaplessConfig;
  readonly store: FileStore;
  /** The one registry of this runtime's metrics. */
  readonly registry: Registry;
  readonly metrics: BackfillMetrics;
  /** THE backfill engine of this process; every entry point fills through it. */
  readonly engine: BackfillEngine;
  /** The fetcher of a series' feed, made on first use (`UNKNOWN_FEED` otherwise). */
  fetcherFor(series: Series): DataFetcher;
  /** Closes fetchers and the store. */
  close(): Promise<void>;
}

/**
 * Opens the store of `config.data_dir` and builds the engine over the
 * configured feeds, mapping `backfill` and `conformance` to engine options
 * (the only place that mapping exists).
 */
export async function openDataRuntime(
  config: GaplessConfig,
  options: DataRuntimeOptions = {},
): Promise<DataRuntime> {
  const store = await openEmbeddedStore({ dataDir: config.data_dir });
  const registry = new Registry();
  const metrics = createBackfillMetrics(registry);
  // Registered up front so `/metrics` lists them before the first seamless request.
  createSeamlessMetrics(registry);
  const fetchers = feedFetchers(config, options.nowMs);
  const { fetcherFor } = fetchers;
  const b = config.backfill;
  const engine = new BackfillEngine({
    store,
    fetcherFor,
    nowMs: options.nowMs,
    settleMs: (series) => findFeed(config, series.source).settle_ms,
    metrics,
    windowBars: b.window_bars,
    singleFlightTtlMs: b.single_flight_ttl_ms,
    maxConcurrentRequests: b.max_concurrent_requests,
    maxQueuedRequests: b.max_queued_requests,
    maxAttempts: b.max_attempts,
    retryBackoffMs: b.retry_backoff_ms,
    jitterRatio: b.jitter_ratio,
    conformance: { enabled: config.conformance.enabled, partialOk: config.conformance.partial_ok },
    recordOrigins: (series, origins) => recordFillOrigins(store.dataDir, series, origins),
  });
  return {
    config,
    store,
    registry,
    metrics,
    engine,
    fetcherFor,
    async close() {
      await fetchers.close();
      await store.close();
    },
  };
}

/** Options of {@link openRuntime}. */
export interface RuntimeOptions extends DataRuntimeOptions {
  /** Run a job worker in this process. @default true */
  readonly worker?: boolean;
  /** Run the daily scheduler in this process (also needs `scheduler.enabled`). @default true */
  readonly scheduler?: boolean;
  /** Lease owner name of the worker. */
  readonly workerId?: string;
  /** Background failures of worker and scheduler. @default writes one line to stderr */
  readonly onError?: (error: unknown) => void;
  /** Passed on to the worker (metrics). */
  readonly onJobProgress?: JobWorkerOptions['onProgress'];
  /** Passed on to the worker (metrics). */
  readonly onJobEnd?: JobWorkerOptions['onJobEnd'];
  /** Called after every scheduled run. */
  readonly onScheduledRun?: (summary: LastBackfill) => void;
}

/** Everything `gapless serve`, `gapless worker`, the CLI and the HTTP server use, opened together. */
export interface Runtime extends DataRuntime {
  readonly repos: Repositories;
  readonly jobs: JobService;
  /** Absent when opened with `worker: false`. */
  readonly worker: JobWorker | undefined;
  /** Absent when opened with `scheduler: false` or `scheduler.enabled: false`. */
  readonly scheduler: Scheduler | undefined;
  /** Stops scheduler and worker (jobs released), then closes repositories, fetchers and store. */
  close(): Promise<void>;
}

const defaultOnError = (error: unknown): void => {
  process.stderr.write(
    `gapless: background error: ${(error as Error)?.message ?? String(error)}\n`,
  );
};

/**
 * Opens the data runtime, repositories, the job service and (by default) a
 * started worker and scheduler.
 * @example
 * const runtime = await openRuntime(loadConfig());
 * await runtime.jobs.submit({ source: 'sim', subject: 'BTC/USDT', kind: 'candle',
 *   granularity: '1m', start: '2024-01-01', end: '2024-01-08' });
 * await runtime.close();
 */
export async function openRuntime(
  config: GaplessConfig,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const onError = options.onError ?? defaultOnError;
  const clock = options.nowMs === undefined ? {} : { nowMs: options.nowMs };
  const data = await openDataRuntime(config, clock);
  let repos: Repositories;
  try {
    repos = await openRepositories(config, clock);
  } catch (error) {
    await data.close();
    throw error;
  }
  const worker =
    options.worker === false
      ? undefined
      : new JobWorker({
          repos,
          engine: data.engine,
          ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
          leaseTtlMs: config.jobs.lease_ttl_ms,
          heartbeatMs: config.jobs.heartbeat_ms,
          pollMs: config.jobs.poll_ms,
          concurrency: config.jobs.concurrency,
          onError,
          ...(options.onJobProgress ? { onProgress: options.onJobProgress } : {}),
          ...(options.onJobEnd ? { onJobEnd: options.onJobEnd } : {}),
        });
  const jobs = new JobService({
    config,
    repos,
    ...clock,
    ...(worker ? { onSubmitted: () => worker.wake() } : {}),
  });
  const scheduler =
    options.scheduler === false || !config.scheduler.enabled
      ? undefined
      : new Scheduler({
          config,
          repos,
          store: data.store,
          pollMs: config.jobs.poll_ms,
          ...(worker ? { onEnqueued: () => worker.wake() } : {}),
          ...(options.nowMs ? { now: options.nowMs } : {}),
          onError,
          ...(options.onScheduledRun ? { onRun: options.onScheduledRun } : {}),
        });
  worker?.start();
  scheduler?.start();
  let closing: Promise<void> | undefined;
  return {
    ...data,
    repos,
    jobs,
    worker,
    scheduler,
    close() {
      closing ??= (async () => {
        await scheduler?.stop();
        await worker?.stop();
        await repos.close();
        await data.close();
      })();
      return closing;
    },
  };
}
