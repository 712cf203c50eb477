import type { Kind } from '../core/series.js';

/** Job states; a job moves `pending` -> `running` -> `completed` | `failed` | `cancelled`. */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

/** A job state. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Who asked for a job: a plain API client, the web console, the CLI or the
 * scheduler. Told by the submitter; records made before it existed read `api`.
 */
export const JOB_ORIGINS = ['api', 'ui', 'cli', 'scheduler'] as const;

/** Who asked for a job. */
export type JobOrigin = (typeof JOB_ORIGINS)[number];

/** One persisted backfill job (the `backfill_jobs` row). Times are epoch ms. */
export interface BackfillJob {
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly kind: Kind;
  /** Bar size for candles; null for trades. */
  readonly granularity: string | null;
  readonly startTs: number;
  readonly endTs: number;
  /** End of the newest stored chunk; null before the first page. */
  readonly cursorTs: number | null;
  readonly recordsWritten: number;
  readonly pagesFetched: number;
  readonly status: JobStatus;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the current (or last) worker claimed it; null while never started. */
  readonly startedAt: number | null;
  /** Worker id holding the lease; null when nobody does. */
  readonly leaseOwner: string | null;
  /** When the lease runs out unless heartbeated; null when nobody holds it. */
  readonly leaseExpiresAt: number | null;
  /** Why the job is waiting, e.g. `waiting 120 s: exchange asked (418)`; null when it is not. */
  readonly waitReason?: string | null;
  /** When that wait ends; null when not waiting. */
  readonly waitUntil?: number | null;
  /** Who asked for it. */
  readonly requestedBy: JobOrigin;
  /**
   * Faults the job survived, one line each (an archive file that was bad or
   * missing, and the range REST filled instead); absent or empty when none.
   */
  readonly notes?: readonly string[];
}

/** What a caller asks for when creating a job. */
export interface NewJob {
  readonly source: string;
  readonly subject: string;
  readonly kind: Kind;
  readonly granularity: string | null;
  readonly startTs: number;
  readonly endTs: number;
  /** Who asks for it. @default 'api' */
  readonly requestedBy?: JobOrigin | undefined;
}

/** Progress written after every page. */
export interface JobProgress {
  readonly cursorTs: number | null;
  readonly recordsWritten: number;
  readonly pagesFetched: number;
  /** A wait the source imposed (Retry-After, backoff) worth showing; null or absent when none. */
  readonly waitReason?: string | null;
  readonly waitUntil?: number | null;
  /** The job's notes so far, all of them (they replace the stored ones); absent keeps them. */
  readonly notes?: readonly string[];
}

/** Filter and page of a job listing; newest first. */
export interface JobQuery {
  readonly status?: JobStatus | undefined;
  readonly source?: string | undefined;
  readonly subject?: string | undefined;
  readonly kind?: Kind | undefined;
  readonly granularity?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Where jobs persist: embedded files by default, PostgreSQL with
 * `DATABASE_URL`. Claims are leases: a worker that stops heartbeating loses
 * its job to the next claim after `leaseTtlMs`.
 */
export interface JobRepository {
  create(job: NewJob): Promise<BackfillJob>;
  get(id: string): Promise<BackfillJob | undefined>;
  list(query: JobQuery): Promise<{ jobs: BackfillJob[]; total: number }>;
  /**
   * Jobs `pending` or `running` (expired leases included: those are resumed by
   * the next claim), oldest first.
   */
  active(): Promise<BackfillJob[]>;
  /**
   * Creates the job unless `maxActive` jobs are already pending or running,
   * atomically (no two concurrent calls both pass the check). Returns the new
   * job, or the oldest active job that blocked it.
   */
  createUnlessBusy(
    job: NewJob,
    maxActive: number,
  ): Promise<{ created: true; job: BackfillJob } | { created: false; blocking: BackfillJob }>;
  /**
   * Takes the oldest `pending` job, or a `running` one whose lease expired
   * (a crashed worker), marks it `running` for `workerId`; undefined if none.
   */
  claim(workerId: string, leaseTtlMs: number): Promise<BackfillJob | undefined>;
  /**
   * Writes progress and extends the lease. Returns false when the worker no
   * longer owns the job (lease lost) or it was cancelled: the worker stops.
   */
  heartbeat(
    id: string,
    workerId: string,
    leaseTtlMs: number,
    progress: JobProgress,
  ): Promise<boolean>;
  /**
   * Ends a job the worker owns; a no-op (false) when it no longer owns it or
   * the job was cancelled meanwhile.
   */
  finish(
    id: string,
    workerId: string,
    status: 'completed' | 'failed',
    error?: string,
  ): Promise<boolean>;
  /**
   * Hands a running job back (`pending`, lease cleared) so another worker can
   * take it at once: a graceful shutdown. False when the worker no longer owns it.
   */
  release(id: string, workerId: string): Promise<boolean>;
  /** Cancels a pending or running job; returns it, or undefined if unknown. */
  cancel(id: string): Promise<BackfillJob | undefined>;
  close(): Promise<void>;
}

/** A symbol the scheduler keeps current (the `tracked_symbols` row). */
export interface TrackedSymbol {
  readonly symbol: string;
  readonly assetClass: string;
  readonly active: boolean;
  readonly createdAt: number;
}

/** Tracked symbols, persisted beside the jobs. */
export interface SymbolRepository {
  /** Adds or re-activates a symbol. */
  add(symbol: string, assetClass: string): Promise<TrackedSymbol>;
  /** Deactivates a symbol; false if it was not tracked. */
  remove(symbol: string): Promise<boolean>;
  list(options?: { activeOnly?: boolean }): Promise<TrackedSymbol[]>;
}

/** One symbol's outcome of a scheduled run (the `backfill_history` row). */
export interface BackfillHistoryEntry {
  readonly symbol: string;
  readonly backfillTimestamp: number;
  readonly recordsImported: number;
  readonly success: boolean;
  readonly errorDetails: string | null;
}

/** Outcomes of scheduled runs, newest first. */
export interface HistoryRepository {
  record(entry: BackfillHistoryEntry): Promise<void>;
  list(options: { limit: number; symbol?: string }): Promise<BackfillHistoryEntry[]>;
}

/** Where jobs, tracked symbols and history live. */
export type RepositoryMode = 'embedded' | 'postgres';

/** The three repositories of one backend, opened together. */
export interface Repositories {
  readonly mode: RepositoryMode;
  readonly jobs: JobRepository;
  readonly symbols: SymbolRepository;
  readonly history: HistoryRepository;
  /** Whether the backend answers (the database, or the state directory). */
  ping(): Promise<boolean>;
  /** Releases connections; the repositories are unusable afterwards. */
  close(): Promise<void>;
}
