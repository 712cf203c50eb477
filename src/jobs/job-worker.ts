import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BackfillEngine, FillProgress, FillResult } from '../backfill/engine.js';
import { CancelledError, GaplessError, InvalidArgumentError } from '../core/errors.js';
import { describeFallback, type FillOrigin, notedOrigins } from '../core/fill-origin.js';
import { makeSeries, type Series } from '../core/series.js';
import { describeWait, type RetryInfo, VISIBLE_WAIT_MS } from '../sources/data-fetcher.js';
import type { BackfillJob, JobProgress, Repositories } from './job.js';
import { LeaseLostError } from './job-errors.js';

/** Lifecycle of a worker: `idle` -> `running` -> `stopping` -> `stopped`. */
export const WORKER_STATES = ['idle', 'running', 'stopping', 'stopped'] as const;

/** A worker state. */
export type WorkerState = (typeof WORKER_STATES)[number];

/** What a worker fills through: the runtime's backfill engine. */
export type WorkerEngine = Pick<BackfillEngine, 'fill'>;

/** Options of `new JobWorker`. */
export interface JobWorkerOptions {
  readonly repos: Pick<Repositories, 'jobs'>;
  readonly engine: WorkerEngine;
  /** Lease owner name; default `{hostname}:{pid}:{random}`. */
  readonly workerId?: string;
  /** @default 30_000 */
  readonly leaseTtlMs?: number;
  /** Heartbeat timer besides the one after every stored chunk. @default 5_000 */
  readonly heartbeatMs?: number;
  /** Wait between claims when no job is waiting. @default 1_000 */
  readonly pollMs?: number;
  /** Jobs run at once by this worker. @default 1 */
  readonly concurrency?: number;
  /** Background failures (a claim or heartbeat that threw); never thrown. */
  readonly onError: (error: unknown) => void;
  /** Called after each progress heartbeat, e.g. for metrics. */
  readonly onProgress?: (job: BackfillJob, progress: JobProgress) => void;
  /** Called when a job this worker ran ends, however it ended. */
  readonly onJobEnd?: (job: BackfillJob, outcome: JobOutcome) => void;
}

/** How a run of a job ended, from this worker's side. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled' | 'lease-lost' | 'stopped';

/** Options of {@link JobWorker.stop}. */
export interface StopOptions {
  /**
   * Hand running jobs back as `pending` so another worker takes them at
   * once; false leaves them `running` until their lease expires (as a crash does).
   * @default true
   */
  readonly release?: boolean;
}

function checkPositive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a finite number > 0, got \`${v}\``);
  }
  return v;
}

/**
 * Claims backfill jobs and runs them: progress and lease renewal after every
 * stored chunk and on a timer, stop on cancel or lost lease, finish as
 * `completed` or `failed`. Resuming is by coverage: a job claimed again
 * fetches only what is still missing.
 * @example
 * const worker = new JobWorker({ repos, engine, onError: (e) => log.error(e) });
 * worker.start();
 * // ...
 * await worker.stop();
 */
export class JobWorker {
  /** The lease owner name this worker claims with. */
  readonly workerId: string;
  readonly #repos: Pick<Repositories, 'jobs'>;
  readonly #engine: WorkerEngine;
  readonly #leaseTtlMs: number;
  readonly #heartbeatMs: number;
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #onError: (error: unknown) => void;
  readonly #onProgress: JobWorkerOptions['onProgress'];
  readonly #onJobEnd: JobWorkerOptions['onJobEnd'];
  #state: WorkerState = 'idle';
  #loops: Promise<void>[] = [];
  readonly #runs = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  readonly #sleepers = new Set<() => void>();
  #release = true;

  constructor(options: JobWorkerOptions) {
    this.#repos = options.repos;
    this.#engine = options.engine;
    this.workerId =
      options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#leaseTtlMs = checkPositive('leaseTtlMs', options.leaseTtlMs, 30_000);
    this.#heartbeatMs = checkPositive('heartbeatMs', options.heartbeatMs, 5_000);
    this.#pollMs = checkPositive('pollMs', options.pollMs, 1_000);
    this.#concurrency = checkPositive('concurrency', options.concurrency, 1);
    if (!Number.isInteger(this.#concurrency)) {
      throw new InvalidArgumentError(
        `Expected \`concurrency\` to be a whole number, got \`${this.#concurrency}\``,
      );
    }
    if (typeof options.onError !== 'function') {
      throw new InvalidArgumentError('Expected `onError` to be a function');
    }
    this.#onError = options.onError;
    this.#onProgress = options.onProgress;
    this.#onJobEnd = options.onJobEnd;
  }

  /** Where the worker is in its lifecycle. */
  get state(): WorkerState {
    return this.#state;
  }

  /** Ids of the jobs this worker is running now. */
  get runningJobIds(): string[] {
    return [...this.#runs.keys()];
  }

  /** Starts `concurrency` claim loops in the background. */
  start(): void {
    if (this.#state !== 'idle') {
      throw new GaplessError('WORKER_STATE', `cannot start a worker that is ${this.#state}`);
    }
    this.#state = 'running';
    this.#loops = Array.from({ length: this.#concurrency }, () => this.#loop());
  }

  /** Claims now instead of at the next poll (after a submission). */
  wake(): void {
    for (const wake of [...this.#sleepers]) wake();
  }

  /**
   * Stops gracefully: no new claims, running fills aborted through their
   * signal, then waits for them. Rows already stored stay; coverage tells the
   * next run what is left.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#release = options.release ?? true;
    this.#state = 'stopping';
    this.wake();
    for (const run of this.#runs.values())
      run.controller.abort(new CancelledError('worker stopping'));
    await Promise.all([...this.#loops, ...[...this.#runs.values()].map((r) => r.done)]);
    this.#state = 'stopped';
  }

  /**
   * Claims one job and runs it to its end, for tests and one-shot use.
   * Returns the job as stored afterwards, or undefined when none was waiting.
   */
  async runOnce(): Promise<BackfillJob | undefined> {
    const job = await this.#repos.jobs.claim(this.workerId, this.#leaseTtlMs);
    if (job === undefined) return undefined;
    await this.#run(job);
    return this.#repos.jobs.get(job.id);
  }

  async #loop(): Promise<void> {
    while (this.#state === 'running') {
      let job: BackfillJob | undefined;
      try {
        job = await this.#repos.jobs.claim(this.workerId, this.#leaseTtlMs);
      } catch (error) {
        this.#onError(error);
      }
      if (this.#state !== 'running') {
        // Claimed while stopping: give it straight back.
        if (job !== undefined) await this.#end(job, 'stopped');
        return;
      }
      if (job === undefined) await this.#sleep(this.#pollMs);
      else await this.#run(job);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  async #run(job: BackfillJob): Promise<void> {
    const controller = new AbortController();
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#runs.set(job.id, { controller, done });
    try {
      await this.#execute(job, controller);
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#runs.delete(job.id);
      settle();
    }
  }

  async #execute(job: BackfillJob, controller: AbortController): Promise<void> {
    let progress: JobProgress = {
      cursorTs: job.cursorTs,
      recordsWritten: job.recordsWritten,
      pagesFetched: job.pagesFetched,
    };
    // Faults survived (archive files left to REST): kept across resumes, sent with every beat.
    const earlier = job.notes ?? [];
    const fallbacks: FillOrigin[] = [];
    let notes: readonly string[] = earlier;
    let owned = true;
    // When the lease was last confirmed (taken before the request, to err early).
    let confirmedAt = Date.now();
    let lost: JobOutcome | undefined;
    let beats: Promise<void> = Promise.resolve();
    let queued = false;
    // One heartbeat at a time, and at most one waiting: it writes the newest
    // progress when it starts, so a fast fill never builds a backlog of beats.
    const beat = (): Promise<void> => {
      if (queued) return beats;
      queued = true;
      beats = beats.then(async () => {
        queued = false;
        if (!owned) return;
        try {
          const snapshot = { ...progress, notes };
          const sentAt = Date.now();
          owned = await this.#repos.jobs.heartbeat(
            job.id,
            this.workerId,
            this.#leaseTtlMs,
            snapshot,
          );
          if (owned) {
            confirmedAt = sentAt;
            this.#onProgress?.(job, snapshot);
          } else {
            const now = await this.#repos.jobs.get(job.id);
            lost = now?.status === 'cancelled' ? 'cancelled' : 'lease-lost';
            controller.abort(new CancelledError(`job ${job.id} ${lost}`));
          }
        } catch (error) {
          // The lease may still be ours: keep going and report; expiry is the backstop.
          this.#onError(error);
        }
      });
      return beats;
    };
    const timer = setInterval(() => void beat(), this.#heartbeatMs);
    // Every commit of the fill checks, under the series lock, that the lease
    // is still ours with time to spare; the heartbeats keep that true at no
    // cost, and a worker that was paused past its lease asks the repository.
    // A cancelled job has no successor: the rows it fetched are still stored.
    const spareMs = this.#leaseTtlMs / 3;
    const fence = async (): Promise<void> => {
      if (owned && Date.now() < confirmedAt + this.#leaseTtlMs - spareMs) return;
      await beat();
      if (lost === 'cancelled') return;
      if (!owned) throw new LeaseLostError(job.id, 'the lease was lost');
      if (Date.now() >= confirmedAt + this.#leaseTtlMs - spareMs) {
        throw new LeaseLostError(job.id, 'the lease could not be renewed');
      }
    };
    const base = progress;
    let failure: unknown;
    let result: FillResult | undefined;
    try {
      const series = seriesOf(job);
      result = await this.#engine.fill(
        series,
        { startMs: job.startTs, endMs: job.endTs },
        {
          signal: controller.signal,
          fence,
          onProgress: (p: FillProgress) => {
            progress = {
              cursorTs: p.cursorMs,
              recordsWritten: base.recordsWritten + p.rowsWritten,
              pagesFetched: base.pagesFetched + p.pagesFetched,
            };
            void beat();
          },
          // A long wait goes into the job record at once, so nobody watches a silent job.
          onRetry: (info: RetryInfo) => {
            if (info.delayMs < VISIBLE_WAIT_MS) return;
            progress = {
              ...progress,
              waitReason: describeWait(info),
              waitUntil: Date.now() + info.delayMs,
            };
            void beat();
          },
          // A range an archive should have had but REST filled is noted in the record at once.
          onOrigins: (origins) => {
            const noted = origins.filter((o) => o.note !== undefined);
            if (noted.length === 0) return;
            fallbacks.push(...noted);
            notes = capNotes([...earlier, ...notedOrigins(fallbacks).map(describeFallback)]);
            void beat();
          },
        },
      );
      progress = {
        cursorTs: result.window.endMs,
        recordsWritten: base.recordsWritten + result.rowsWritten,
        pagesFetched: base.pagesFetched + result.pagesFetched,
      };
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(timer);
    }
    await beats;
    if (controller.signal.aborted) {
      await this.#end(job, lost ?? 'stopped');
      return;
    }
    await beat();
    if (!owned) {
      await this.#end(job, lost ?? 'lease-lost');
      return;
    }
    if (failure === undefined && result !== undefined) failure = incomplete(result);
    const status = failure === undefined ? 'completed' : 'failed';
    await this.#repos.jobs.finish(
      job.id,
      this.workerId,
      status,
      failure === undefined ? undefined : describe(failure),
    );
    await this.#end(job, status);
  }

  async #end(job: BackfillJob, outcome: JobOutcome): Promise<void> {
    if (outcome === 'stopped' && this.#release) {
      await this.#repos.jobs.release(job.id, this.workerId);
    }
    this.#onJobEnd?.(job, outcome);
  }
}

// A job record stays small: a whole archive gone missing would note every month of it.
const MAX_NOTES = 50;

function capNotes(lines: readonly string[]): readonly string[] {
  if (lines.length <= MAX_NOTES) return lines;
  return [...lines.slice(0, MAX_NOTES - 1), `... and ${lines.length - MAX_NOTES + 1} more`];
}

function seriesOf(job: BackfillJob): Series {
  return makeSeries({
    source: job.source,
    subject: job.subject,
    kind: job.kind,
    granularity: job.granularity ?? undefined,
  });
}

/** Why a fill that returned is still not a completed job: rows refused, or gaps left. */
function incomplete(result: FillResult): GaplessError | undefined {
  if (result.rowsRejected > 0) {
    const first = result.reports.flatMap((r) => r.violations).find((v) => v.severity === 'error');
    const example = first === undefined ? '' : ` (first: row ${first.index}: ${first.rule})`;
    return new GaplessError(
      'CONFORMANCE_REJECTED',
      `${result.rowsRejected} row(s) refused by conformance${example}; their bars stay missing`,
      { category: 'upstream' },
    );
  }
  if (result.gapsLeft.length > 0) {
    return new GaplessError(
      'GAPS_LEFT',
      `${result.gapsLeft.length} range(s) still missing after the backfill`,
      { category: 'upstream' },
    );
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error instanceof GaplessError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
