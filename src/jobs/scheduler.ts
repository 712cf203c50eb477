import type { GaplessConfig } from '../config/schema.js';
import { InvalidArgumentError } from '../core/errors.js';
import { type Series, seriesId } from '../core/series.js';
import { DAY_MS, formatTime } from '../core/time.js';
import type { Store } from '../storage/index.js';
import type { BackfillJob, NewJob, Repositories, TrackedSymbol } from './job.js';
import { seriesForSymbol } from './tracked-series.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Summary of the newest scheduled run, JSON-ready (`last_backfill` of the API). */
export interface LastBackfill {
  /** When the run started, ISO-8601 UTC. */
  readonly time: string;
  readonly successful_symbols: number;
  readonly failed_symbols: number;
  readonly total_records_imported: number;
}

/** Cancels a timer set by {@link SchedulerOptions.setTimer}. */
export type CancelTimer = () => void;

/** Options of `new Scheduler`. */
export interface SchedulerOptions {
  readonly config: GaplessConfig;
  readonly repos: Pick<Repositories, 'symbols' | 'history' | 'jobs'>;
  /** Where coverage is read, to continue each series from its newest covered bar. */
  readonly store: Pick<Store, 'coverage'>;
  /** Called after jobs were enqueued, so a worker in this process claims them at once. */
  readonly onEnqueued?: () => void;
  /** How often the run checks on the jobs it enqueued. @default 1000 */
  readonly pollMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  /** Calls `fn` after `ms`; tests pass a fake that fires on demand. @default setTimeout */
  readonly setTimer?: (fn: () => void, ms: number) => CancelTimer;
  /** Failures of a whole run (e.g. the symbol list unreadable); never thrown. */
  readonly onError: (error: unknown) => void;
  /** Called after every finished run. */
  readonly onRun?: (summary: LastBackfill) => void;
}

const realTimer = (fn: () => void, ms: number): CancelTimer => {
  // setTimeout caps at about 24.8 days; a daily schedule never needs more.
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

/**
 * The daily incremental backfill of tracked symbols, at
 * `scheduler.hour:minute` UTC. A run enqueues one backfill job per series of
 * each active symbol, from the end of its newest covered range (or
 * `initial_lookback_days` back when empty) to now, so scheduled work has
 * leases, progress and cancel like any other job; a series with a job
 * pending or running is skipped. The run then waits for its jobs (run by any
 * worker) and records each symbol's outcome in the run log. Runs never
 * overlap: one due while another is going is skipped and counted.
 * @example
 * const scheduler = new Scheduler({ config, repos, store, onError: log });
 * scheduler.start();
 * scheduler.nextRunAt(Date.now()); // epoch ms of the next run
 */
export class Scheduler {
  readonly #config: GaplessConfig;
  readonly #repos: SchedulerOptions['repos'];
  readonly #store: SchedulerOptions['store'];
  readonly #onEnqueued: (() => void) | undefined;
  readonly #pollMs: number;
  #stopping = new AbortController();
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => CancelTimer;
  readonly #onError: (error: unknown) => void;
  readonly #onRun: SchedulerOptions['onRun'];
  #started = false;
  #cancelTimer: CancelTimer | undefined;
  #current: Promise<LastBackfill> | undefined;
  #last: LastBackfill | undefined;
  #skipped = 0;
  #runs = 0;

  constructor(options: SchedulerOptions) {
    if (typeof options.onError !== 'function') {
      throw new InvalidArgumentError('Expected `onError` to be a function');
    }
    this.#config = options.config;
    this.#repos = options.repos;
    this.#store = options.store;
    this.#onEnqueued = options.onEnqueued;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#now = options.now ?? Date.now;
    this.#setTimer = options.setTimer ?? realTimer;
    this.#onError = options.onError;
    this.#onRun = options.onRun;
  }

  /** Whether the schedule is on (started and not stopped); `/health` reports it. */
  get running(): boolean {
    return this.#started;
  }

  /** Whether a run is going right now. */
  get busy(): boolean {
    return this.#current !== undefined;
  }

  /** Summary of the newest finished run; undefined before the first. */
  get lastBackfill(): LastBackfill | undefined {
    return this.#last;
  }

  /** Runs skipped because the previous one was still going. */
  get skippedRuns(): number {
    return this.#skipped;
  }

  /** Runs finished since this scheduler was created. */
  get completedRuns(): number {
    return this.#runs;
  }

  /** The first scheduled instant strictly after `nowMs` (epoch ms, UTC). */
  nextRunAt(nowMs: number): number {
    const { hour, minute } = this.#config.scheduler;
    const day = Math.floor(nowMs / DAY_MS) * DAY_MS;
    const today = day + (hour * 60 + minute) * 60_000;
    return today > nowMs ? today : today + DAY_MS;
  }

  /** Arms the timer for the next scheduled run. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    // A scheduler stopped and started again waits for its jobs again.
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
    this.#arm();
  }

  /** Disarms the timer and waits for a run in progress to end. */
  async stop(): Promise<void> {
    this.#started = false;
    // A run waiting for its jobs stops waiting; the jobs go on in the queue.
    this.#stopping.abort();
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await this.#current?.catch(() => undefined);
  }

  /**
   * Runs the incremental backfill now and returns its summary; undefined
   * (and counted in `skippedRuns`) when a run is already going.
   */
  async runNow(): Promise<LastBackfill | undefined> {
    if (this.#current !== undefined) {
      this.#skipped++;
      return undefined;
    }
    this.#current = this.#run();
    try {
      return await this.#current;
    } finally {
      this.#current = undefined;
    }
  }

  #arm(): void {
    const now = this.#now();
    const due = this.nextRunAt(now);
    this.#cancelTimer = this.#setTimer(() => this.#fire(due), due - now);
  }

  #fire(due: number): void {
    if (!this.#started) return;
    // A timer that fired early (clock drift) re-arms for the same instant instead of running.
    if (this.#now() < due) {
      this.#cancelTimer = this.#setTimer(() => this.#fire(due), due - this.#now());
      return;
    }
    this.runNow().catch(this.#onError);
    this.#arm();
  }

  async #run(): Promise<LastBackfill> {
    const startedMs = this.#now();
    const symbols = await this.#repos.symbols.list({ activeOnly: true });
    const busy = new Set((await this.#repos.jobs.active()).map(jobSeriesKey));
    const planned = [];
    for (const tracked of symbols) planned.push(await this.#enqueue(tracked, busy));
    if (planned.some((p) => p.jobs.length > 0)) this.#onEnqueued?.();
    let successful = 0;
    let failed = 0;
    let total = 0;
    for (const plan of planned) {
      const jobs = await Promise.all(plan.jobs.map((job) => this.#settled(job)));
      const records = jobs.reduce((n, j) => n + j.recordsWritten, 0);
      const errors = [
        ...plan.errors,
        ...jobs
          .filter((j) => j.status !== 'completed')
          .map(
            (j) => `${jobSeriesKey(j)}: job ${j.id} ${j.status}${j.error ? `: ${j.error}` : ''}`,
          ),
      ];
      total += records;
      if (errors.length === 0) successful++;
      else failed++;
      try {
        await this.#repos.history.record({
          symbol: plan.symbol,
          backfillTimestamp: startedMs,
          recordsImported: records,
          success: errors.length === 0,
          errorDetails: errors.length === 0 ? null : errors.join('; '),
        });
      } catch (error) {
        this.#onError(error);
      }
    }
    const summary: LastBackfill = {
      time: formatTime(startedMs),
      successful_symbols: successful,
      failed_symbols: failed,
      total_records_imported: total,
    };
    this.#last = summary;
    this.#runs++;
    this.#onRun?.(summary);
    return summary;
  }

  /** Enqueues the jobs of one symbol's series; what could not be enqueued is an error. */
  async #enqueue(
    tracked: TrackedSymbol,
    busy: Set<string>,
  ): Promise<{ symbol: string; jobs: BackfillJob[]; errors: string[] }> {
    const all = seriesForSymbol(this.#config, tracked);
    const out = { symbol: tracked.symbol, jobs: [] as BackfillJob[], errors: [] as string[] };
    if (all.length === 0) {
      out.errors.push(`no feed has asset_class '${tracked.assetClass}'`);
      return out;
    }
    for (const series of all) {
      if (busy.has(seriesId(series))) continue;
      try {
        const nowMs = this.#now();
        const covered = await this.#store.coverage(series);
        const lastEnd = covered[covered.length - 1]?.endMs;
        const startMs = lastEnd ?? nowMs - this.#config.scheduler.initial_lookback_days * DAY_MS;
        if (startMs >= nowMs) continue;
        out.jobs.push(await this.#repos.jobs.create(newJob(series, startMs, nowMs)));
        busy.add(seriesId(series));
      } catch (error) {
        out.errors.push(`${seriesId(series)}: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    return out;
  }

  /** The job once it has ended, or as it stands when the scheduler stops. */
  async #settled(job: BackfillJob): Promise<BackfillJob> {
    let now = job;
    while (!TERMINAL.has(now.status) && !this.#stopping.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
      now = (await this.#repos.jobs.get(job.id)) ?? now;
    }
    return now;
  }
}

function newJob(series: Series, startMs: number, endMs: number): NewJob {
  return {
    source: series.source,
    subject: series.subject,
    kind: series.kind,
    granularity: series.granularity ?? null,
    startTs: startMs,
    endTs: endMs,
    requestedBy: 'scheduler',
  };
}

function jobSeriesKey(job: Pick<BackfillJob, 'source' | 'subject' | 'kind' | 'granularity'>) {
  return job.kind === 'trade'
    ? `trade:${job.source}:${job.subject}`
    : `candle:${job.source}:${job.subject}:${job.granularity}`;
}
