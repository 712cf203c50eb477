import type { GaplessConfig } from '../config/schema.js';
import { GaplessError, InvalidArgumentError } from '../core/errors.js';
import { seriesId } from '../core/series.js';
import { DAY_MS, formatTime } from '../core/time.js';
import type { FeedProviders } from '../app/feed-providers.js';
import type { TrackedSymbol } from './job.js';
import type { Repositories } from './repositories.js';
import { seriesForSymbol } from './tracked-series.js';

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
  readonly repos: Pick<Repositories, 'symbols' | 'history'>;
  readonly providers: Pick<FeedProviders, 'providerFor' | 'store'>;
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
 * `scheduler.hour:minute` UTC. Each active symbol's series continue from the
 * end of their newest covered range (or `initial_lookback_days` back when
 * empty) to now. Runs never overlap: one due while another is going is
 * skipped and counted.
 * @example
 * const scheduler = new Scheduler({ config, repos, providers, onError: log });
 * scheduler.start();
 * scheduler.nextRunAt(Date.now()); // epoch ms of the next run
 */
export class Scheduler {
  readonly #config: GaplessConfig;
  readonly #repos: SchedulerOptions['repos'];
  readonly #providers: SchedulerOptions['providers'];
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
    this.#providers = options.providers;
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
    this.#arm();
  }

  /** Disarms the timer and waits for a run in progress to end. */
  async stop(): Promise<void> {
    this.#started = false;
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
    let successful = 0;
    let failed = 0;
    let total = 0;
    const symbols = await this.#repos.symbols.list({ activeOnly: true });
    for (const tracked of symbols) {
      const outcome = await this.#backfillSymbol(tracked);
      total += outcome.records;
      if (outcome.error === undefined) successful++;
      else failed++;
      try {
        await this.#repos.history.record({
          symbol: tracked.symbol,
          backfillTimestamp: this.#now(),
          recordsImported: outcome.records,
          success: outcome.error === undefined,
          errorDetails: outcome.error ?? null,
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

  async #backfillSymbol(tracked: TrackedSymbol): Promise<{ records: number; error?: string }> {
    const all = seriesForSymbol(this.#config, tracked);
    if (all.length === 0) {
      return { records: 0, error: `no feed has asset_class '${tracked.assetClass}'` };
    }
    let records = 0;
    const errors: string[] = [];
    for (const series of all) {
      try {
        const nowMs = this.#now();
        const covered = await this.#providers.store.coverage(series);
        const lastEnd = covered[covered.length - 1]?.endMs;
        const startMs = lastEnd ?? nowMs - this.#config.scheduler.initial_lookback_days * DAY_MS;
        if (startMs >= nowMs) continue;
        const result = await this.#providers
          .providerFor(series)
          .fillMissing(startMs, nowMs, { series });
        records += result.rowsWritten;
      } catch (error) {
        const why =
          error instanceof GaplessError || error instanceof Error ? error.message : String(error);
        errors.push(`${seriesId(series)}: ${why}`);
      }
    }
    return errors.length === 0 ? { records } : { records, error: errors.join('; ') };
  }
}
