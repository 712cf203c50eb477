import type { GaplessConfig } from '../config/schema.js';
import { type FeedProviders, openFeedProviders } from './feed-providers.js';
import { JobService } from '../jobs/job-service.js';
import { JobWorker, type JobWorkerOptions } from '../jobs/job-worker.js';
import { openRepositories, type Repositories } from '../jobs/repositories.js';
import { type LastBackfill, Scheduler } from '../jobs/scheduler.js';

/** Options of {@link openService}. */
export interface OpenServiceOptions {
  /** The clock of jobs, scheduler and providers. @default Date.now */
  readonly nowMs?: () => number;
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

/** Everything `gapless serve`, `gapless worker` and the HTTP server use, opened together. */
export interface Service {
  readonly config: GaplessConfig;
  readonly providers: FeedProviders;
  readonly repos: Repositories;
  readonly jobs: JobService;
  /** Absent when opened with `worker: false`. */
  readonly worker: JobWorker | undefined;
  /** Absent when opened with `scheduler: false` or `scheduler.enabled: false`. */
  readonly scheduler: Scheduler | undefined;
  /** Stops scheduler and worker (jobs released), then closes repositories and providers. */
  close(): Promise<void>;
}

const defaultOnError = (error: unknown): void => {
  process.stderr.write(
    `gapless: background error: ${(error as Error)?.message ?? String(error)}\n`,
  );
};

/**
 * Opens providers, repositories, the job service and (by default) a started
 * worker and scheduler.
 * @example
 * const service = await openService(loadConfig());
 * await service.jobs.submit({ source: 'sim', subject: 'BTC/USDT', kind: 'candle',
 *   granularity: '1m', start: '2024-01-01', end: '2024-01-08' });
 * await service.close();
 */
export async function openService(
  config: GaplessConfig,
  options: OpenServiceOptions = {},
): Promise<Service> {
  const onError = options.onError ?? defaultOnError;
  const clock = options.nowMs === undefined ? {} : { nowMs: options.nowMs };
  const providers = await openFeedProviders(config, clock);
  let repos: Repositories;
  try {
    repos = await openRepositories(config, clock);
  } catch (error) {
    await providers.close();
    throw error;
  }
  const worker =
    options.worker === false
      ? undefined
      : new JobWorker({
          repos,
          providers,
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
          providers,
          ...(options.nowMs ? { now: options.nowMs } : {}),
          onError,
          ...(options.onScheduledRun ? { onRun: options.onScheduledRun } : {}),
        });
  worker?.start();
  scheduler?.start();
  let closing: Promise<void> | undefined;
  return {
    config,
    providers,
    repos,
    jobs,
    worker,
    scheduler,
    close() {
      closing ??= (async () => {
        await scheduler?.stop();
        await worker?.stop();
        await repos.close();
        await providers.close();
      })();
      return closing;
    },
  };
}
