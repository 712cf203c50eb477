import { findFeed } from '../config/feeds.js';
import type { GaplessConfig } from '../config/schema.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { makeRange } from '../core/range-math.js';
import { makeSeries } from '../core/series.js';
import { DAY_MS, parseTime } from '../core/time.js';
import type { Repositories } from './job.js';
import {
  type BackfillJob,
  JOB_ORIGINS,
  JOB_STATUSES,
  type JobOrigin,
  type JobQuery,
  type JobStatus,
  type NewJob,
} from './job.js';
import { JobRunningError } from './job-errors.js';
import { type JobView, jobView } from './job-view.js';

/** What a client submits; times as ISO date/time, epoch ms or epoch s. */
export interface SubmitJobInput {
  readonly source: string;
  readonly subject: string;
  readonly kind: string;
  /** Required for candles; absent (or `tick`) for trades. */
  readonly granularity?: string | null | undefined;
  readonly start: string | number;
  readonly end: string | number;
  /** Who asks: `api` (the default), `ui`, `cli` or `scheduler`. */
  readonly requestedBy?: JobOrigin | undefined;
}

/** A job listing request; strings as they come from a query string are accepted. */
export interface ListJobsInput {
  readonly status?: string | undefined;
  readonly source?: string | undefined;
  readonly subject?: string | undefined;
  readonly kind?: string | undefined;
  readonly granularity?: string | undefined;
  /** @default 50 (at most 500) */
  readonly limit?: number | undefined;
  /** @default 0 */
  readonly offset?: number | undefined;
}

/** Options of `new JobService`. */
export interface JobServiceOptions {
  readonly config: GaplessConfig;
  readonly repos: Repositories;
  /** @default Date.now */
  readonly nowMs?: () => number;
  /** Called after a job is created, e.g. to wake a worker instead of waiting for its poll. */
  readonly onSubmitted?: (job: BackfillJob) => void;
}

const MAX_LIMIT = 500;

/**
 * The jobs API the HTTP server and the CLI share: validated submission,
 * lookup, listing and cancellation. Every refusal is a `GaplessError` with a
 * stable code.
 * @example
 * const job = await service.submit({ source: 'sim', subject: 'BTC/USDT', kind: 'candle',
 *   granularity: '1m', start: '2024-01-01', end: '2024-02-01' });
 */
export class JobService {
  readonly #config: GaplessConfig;
  readonly #repos: Repositories;
  readonly #nowMs: () => number;
  readonly #onSubmitted: ((job: BackfillJob) => void) | undefined;

  constructor(options: JobServiceOptions) {
    this.#config = options.config;
    this.#repos = options.repos;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#onSubmitted = options.onSubmitted;
  }

  /**
   * Validates and creates a job. Throws `NotFoundError` (`UNKNOWN_FEED`,
   * `UNKNOWN_SUBJECT`), `InvalidArgumentError` (`BAD_TIME`, `BAD_RANGE`,
   * `RANGE_TOO_LARGE`, `RANGE_IN_FUTURE`, `BAD_KIND`, `BAD_GRANULARITY`,
   * `BAD_SERIES`) or `JobRunningError` (`JOB_RUNNING`) when `jobs.concurrency`
   * jobs are already pending or running. An `end` past now is clipped to now.
   */
  async submit(input: SubmitJobInput): Promise<BackfillJob> {
    const job = await this.validate(input);
    const outcome = await this.#repos.jobs.createUnlessBusy(job, this.#config.jobs.concurrency);
    if (!outcome.created) throw new JobRunningError(outcome.blocking.id, outcome.blocking.status);
    this.#onSubmitted?.(outcome.job);
    return outcome.job;
  }

  /** Checks a submission without creating anything; returns the job it would create. */
  async validate(input: SubmitJobInput): Promise<NewJob> {
    if (input === null || typeof input !== 'object') {
      throw new InvalidArgumentError('expected an object with source, subject, kind, start, end');
    }
    for (const key of ['source', 'subject', 'kind'] as const) {
      if (typeof input[key] !== 'string' || input[key] === '') {
        throw new InvalidArgumentError(`${key} must be a non-empty string`, 'BAD_SERIES');
      }
    }
    const feed = findFeed(this.#config, input.source);
    const granularity = input.granularity ?? undefined;
    if (granularity !== undefined && typeof granularity !== 'string') {
      throw new InvalidArgumentError('granularity must be a string', 'BAD_GRANULARITY');
    }
    const series = makeSeries({
      source: input.source,
      subject: input.subject,
      kind: input.kind,
      granularity,
    });
    if (!feed.kinds.includes(series.kind)) {
      throw new InvalidArgumentError(
        `feed '${feed.source}' does not offer ${series.kind} data (offered: ${feed.kinds.join(', ')})`,
        'BAD_KIND',
      );
    }
    if (
      series.granularity !== undefined &&
      !feed.granularities.some((g) => makeGranularity(g) === series.granularity)
    ) {
      throw new InvalidArgumentError(
        `feed '${feed.source}' does not offer granularity '${series.granularity}' (offered: ${feed.granularities.join(', ')})`,
        'BAD_GRANULARITY',
      );
    }
    if (!feed.subjects.includes(series.subject)) {
      const tracked = await this.#repos.symbols.list({ activeOnly: true });
      const ok = tracked.some(
        (t) => t.symbol === series.subject && t.assetClass === feed.asset_class,
      );
      if (!ok) {
        throw new NotFoundError(
          `subject '${series.subject}' is neither configured for feed '${feed.source}' nor a tracked ${feed.asset_class} symbol`,
          'UNKNOWN_SUBJECT',
        );
      }
    }
    const requestedBy = input.requestedBy ?? 'api';
    if (!(JOB_ORIGINS as readonly string[]).includes(requestedBy)) {
      throw new InvalidArgumentError(
        `unknown requested_by '${String(requestedBy).slice(0, 32)}' (expected one of ${JOB_ORIGINS.join(', ')})`,
        'BAD_ORIGIN',
      );
    }
    const nowMs = this.#nowMs();
    for (const key of ['start', 'end'] as const) {
      if (typeof input[key] !== 'string' && typeof input[key] !== 'number') {
        throw new InvalidArgumentError(`${key} must be a date string or epoch number`, 'BAD_TIME');
      }
    }
    const startMs = parseTime(input.start, 'start', nowMs);
    const endMs = parseTime(input.end, 'end', nowMs);
    makeRange(startMs, endMs, 'start/end');
    if (startMs >= nowMs) {
      throw new InvalidArgumentError(
        `start (${new Date(startMs).toISOString()}) is in the future`,
        'RANGE_IN_FUTURE',
      );
    }
    const maxDays = this.#config.server.max_range_days;
    if (endMs - startMs > maxDays * DAY_MS) {
      throw new InvalidArgumentError(
        `range of ${Math.ceil((endMs - startMs) / DAY_MS)} days is longer than server.max_range_days (${maxDays})`,
        'RANGE_TOO_LARGE',
      );
    }
    return {
      source: series.source,
      subject: series.subject,
      kind: series.kind,
      granularity: series.granularity ?? null,
      startTs: startMs,
      endTs: Math.min(endMs, nowMs),
      requestedBy,
    };
  }

  /** The job with this id; `NotFoundError` (`JOB_NOT_FOUND`) otherwise, malformed ids included. */
  async get(id: string): Promise<BackfillJob> {
    const job = await this.#repos.jobs.get(id);
    if (job === undefined) throw notFound(id);
    return job;
  }

  /** Jobs newest first, filtered; `InvalidArgumentError` for a bad status, kind or page. */
  async list(input: ListJobsInput = {}): Promise<{ jobs: BackfillJob[]; total: number }> {
    const status = input.status;
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidArgumentError(
        `unknown status '${status}' (expected one of ${JOB_STATUSES.join(', ')})`,
        'BAD_STATUS',
      );
    }
    const kind = input.kind;
    if (kind !== undefined && kind !== 'candle' && kind !== 'trade') {
      throw new InvalidArgumentError(
        `unknown kind '${kind}' (expected candle or trade)`,
        'BAD_KIND',
      );
    }
    const limit = input.limit ?? 50;
    const offset = input.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidArgumentError(`limit must be a whole number 1..${MAX_LIMIT}, got ${limit}`);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new InvalidArgumentError(`offset must be a whole number >= 0, got ${offset}`);
    }
    const query: JobQuery = {
      status: status as JobStatus | undefined,
      source: input.source,
      subject: input.subject,
      kind,
      granularity: input.granularity === undefined ? undefined : makeGranularity(input.granularity),
      limit,
      offset,
    };
    return this.#repos.jobs.list(query);
  }

  /**
   * Cancels a pending or running job (its worker stops at the next page).
   * `JOB_NOT_FOUND` for unknown ids, `ConflictError` (`JOB_FINISHED`) when it
   * already ended.
   */
  async cancel(id: string): Promise<BackfillJob> {
    const before = await this.get(id);
    const job =
      before.status === 'pending' || before.status === 'running'
        ? await this.#repos.jobs.cancel(id)
        : before;
    if (job === undefined) throw notFound(id);
    // Compared with the state read first: a job that ended meanwhile is not cancelled by us.
    if (job.status !== 'cancelled' || before.status === 'cancelled') {
      throw new ConflictError(`job ${id} already ended (${job.status})`, 'JOB_FINISHED');
    }
    return job;
  }

  /** The JSON-ready view of a job (progress, rate, ETA) at `nowMs` (default now). */
  view(job: BackfillJob, nowMs = this.#nowMs()): JobView {
    return jobView(job, nowMs);
  }
}

function notFound(id: string): NotFoundError {
  const shown = id.length > 64 ? `${id.slice(0, 64)}...` : id;
  return new NotFoundError(`no backfill job '${shown}'`, 'JOB_NOT_FOUND');
}

function makeGranularity(g: string): string {
  return makeSeries({ source: 'x', subject: 'x', kind: 'candle', granularity: g }).granularity ?? g;
}
