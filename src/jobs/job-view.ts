import { formatTime } from '../core/time.js';
import type { BackfillJob, JobOrigin, JobStatus } from './job.js';

/** A job as the HTTP API and `--json` show it: snake case, times as ISO and epoch ms. */
export interface JobView {
  readonly id: string;
  readonly source: string;
  readonly subject: string;
  readonly kind: string;
  readonly granularity: string | null;
  readonly start: string;
  readonly end: string;
  readonly cursor: string | null;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly cursor_ms: number | null;
  readonly records_written: number;
  readonly pages_fetched: number;
  readonly status: JobStatus;
  readonly error: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly started_at: string | null;
  /** Share of `[start, end)` behind the cursor, 0..100 (100 once completed). */
  readonly percentage: number;
  /** Records written per second since the job was (last) claimed; null before. */
  readonly rate_records_per_s: number | null;
  /** Seconds left at the current pace; null when unknown or not running. */
  readonly eta_s: number | null;
  /** Whether the running job is waiting on the source (Retry-After, long backoff). */
  readonly waiting: boolean;
  /** Why, e.g. `waiting 120 s: exchange asked (418)`; null when not waiting. */
  readonly wait_reason: string | null;
  /** When the wait ends, ISO-8601 UTC; null when not waiting. */
  readonly wait_until: string | null;
  /** Who asked for the job: `api`, `ui`, `cli` or `scheduler`. */
  readonly requested_by: JobOrigin;
  /** Faults the job survived, one line each (an archive file left to REST); empty when none. */
  readonly notes: readonly string[];
}

/**
 * The JSON-ready view of a job at `nowMs`: progress, rate and ETA derived
 * from the cursor. The cursor moves over the parts that were missing, so a
 * resumed job starts at the percentage it had reached.
 */
export function jobView(job: BackfillJob, nowMs: number): JobView {
  const spanMs = job.endTs - job.startTs;
  const doneMs =
    job.cursorTs === null ? 0 : Math.min(Math.max(job.cursorTs - job.startTs, 0), spanMs);
  const percentage =
    job.status === 'completed' ? 100 : Math.round((doneMs / spanMs) * 100_000) / 1000;
  const endOfWork = job.status === 'running' || job.status === 'pending' ? nowMs : job.updatedAt;
  const elapsedS = job.startedAt === null ? 0 : (endOfWork - job.startedAt) / 1000;
  const rate = elapsedS > 0 ? Math.round((job.recordsWritten / elapsedS) * 10) / 10 : null;
  let eta: number | null = null;
  if (job.status === 'running' && job.startedAt !== null && doneMs > 0 && elapsedS > 0) {
    // Pace over the cursor distance since this claim; a resumed job's earlier part is not timed.
    eta = Math.round(((spanMs - doneMs) / doneMs) * elapsedS);
  }
  const waiting =
    job.status === 'running' &&
    job.waitReason != null &&
    job.waitUntil != null &&
    job.waitUntil > nowMs;
  return {
    id: job.id,
    source: job.source,
    subject: job.subject,
    kind: job.kind,
    granularity: job.granularity,
    start: formatTime(job.startTs),
    end: formatTime(job.endTs),
    cursor: job.cursorTs === null ? null : formatTime(job.cursorTs),
    start_ms: job.startTs,
    end_ms: job.endTs,
    cursor_ms: job.cursorTs,
    records_written: job.recordsWritten,
    pages_fetched: job.pagesFetched,
    status: job.status,
    error: job.error,
    created_at: formatTime(job.createdAt),
    updated_at: formatTime(job.updatedAt),
    started_at: job.startedAt === null ? null : formatTime(job.startedAt),
    percentage,
    rate_records_per_s: rate,
    eta_s: eta,
    waiting,
    wait_reason: waiting ? (job.waitReason ?? null) : null,
    wait_until: waiting ? formatTime(job.waitUntil!) : null,
    requested_by: job.requestedBy,
    notes: job.notes ?? [],
  };
}
