import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Kind } from '../../core/series.js';
import type {
  BackfillJob,
  JobOrigin,
  JobProgress,
  JobQuery,
  JobRepository,
  JobStatus,
  NewJob,
} from '../job.js';
import { isJobId } from '../job-id.js';

const ms = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Every column, timestamps as epoch ms; used by SELECT and RETURNING alike. */
const COLUMNS = `id, source, subject, kind, granularity, start_ts, end_ts, cursor_ts,
  records_written, pages_fetched, status, error,
  ${ms('created_at')} AS created_ms, ${ms('updated_at')} AS updated_ms,
  ${ms('started_at')} AS started_ms, lease_owner, ${ms('lease_expires_at')} AS lease_expires_ms,
  wait_reason, wait_until, requested_by, notes`;

interface JobRow {
  id: string;
  source: string;
  subject: string;
  kind: Kind;
  granularity: string | null;
  start_ts: string;
  end_ts: string;
  cursor_ts: string | null;
  records_written: string;
  pages_fetched: string;
  status: JobStatus;
  error: string | null;
  created_ms: string;
  updated_ms: string;
  started_ms: string | null;
  lease_owner: string | null;
  lease_expires_ms: string | null;
  wait_reason: string | null;
  wait_until: string | null;
  requested_by: JobOrigin;
  notes: string[];
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

function toJob(row: JobRow): BackfillJob {
  return {
    id: row.id,
    source: row.source,
    subject: row.subject,
    kind: row.kind,
    granularity: row.granularity,
    startTs: Number(row.start_ts),
    endTs: Number(row.end_ts),
    cursorTs: num(row.cursor_ts),
    recordsWritten: Number(row.records_written),
    pagesFetched: Number(row.pages_fetched),
    status: row.status,
    error: row.error,
    createdAt: Number(row.created_ms),
    updatedAt: Number(row.updated_ms),
    startedAt: num(row.started_ms),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: num(row.lease_expires_ms),
    waitReason: row.wait_reason,
    waitUntil: num(row.wait_until),
    requestedBy: row.requested_by,
    notes: row.notes,
  };
}

const LEASE = `now() + $2::bigint * interval '1 millisecond'`;
// Serialises "count active jobs, then insert" across every process on the database.
const SUBMIT_LOCK_KEY = 7_254_310_002;

/**
 * Jobs in the `backfill_jobs` table. Claims and heartbeats are single
 * statements on the database clock; concurrent workers never take the same
 * job (`FOR UPDATE SKIP LOCKED`).
 */
export class PostgresJobRepository implements JobRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(job: NewJob): Promise<BackfillJob> {
    return this.#insert(this.#pool, job);
  }

  async createUnlessBusy(
    job: NewJob,
    maxActive: number,
  ): Promise<{ created: true; job: BackfillJob } | { created: false; blocking: BackfillJob }> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SUBMIT_LOCK_KEY]);
        const active = await client.query<JobRow>(
          `SELECT ${COLUMNS} FROM backfill_jobs WHERE status IN ('pending', 'running')
           ORDER BY (status = 'running') DESC, created_at, seq`,
        );
        const blocking = active.rows[0];
        if (active.rows.length >= maxActive && blocking !== undefined) {
          await client.query('COMMIT');
          return { created: false, blocking: toJob(blocking) };
        }
        const created = await this.#insert(client, job);
        await client.query('COMMIT');
        return { created: true, job: created };
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async get(id: string): Promise<BackfillJob | undefined> {
    if (!isJobId(id)) return undefined;
    const result = await this.#pool.query<JobRow>(
      `SELECT ${COLUMNS} FROM backfill_jobs WHERE id = $1`,
      [id],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toJob(row);
  }

  async list(query: JobQuery): Promise<{ jobs: BackfillJob[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    filter('status', query.status);
    filter('source', query.source);
    filter('subject', query.subject);
    filter('kind', query.kind);
    filter('granularity', query.granularity);
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const total = await this.#pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM backfill_jobs ${clause}`,
      params,
    );
    const rows = await this.#pool.query<JobRow>(
      `SELECT ${COLUMNS} FROM backfill_jobs ${clause}
       ORDER BY created_at DESC, seq DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, query.offset],
    );
    return { jobs: rows.rows.map(toJob), total: Number(total.rows[0]?.n ?? 0) };
  }

  async active(): Promise<BackfillJob[]> {
    const result = await this.#pool.query<JobRow>(
      `SELECT ${COLUMNS} FROM backfill_jobs WHERE status IN ('pending', 'running')
       ORDER BY created_at, seq`,
    );
    return result.rows.map(toJob);
  }

  async claim(workerId: string, leaseTtlMs: number): Promise<BackfillJob | undefined> {
    const result = await this.#pool.query<JobRow>(
      `UPDATE backfill_jobs
       SET status = 'running', lease_owner = $1, lease_expires_at = ${LEASE},
           started_at = now(), updated_at = now(), error = NULL
       WHERE id = (
         SELECT id FROM backfill_jobs
         WHERE status = 'pending' OR (status = 'running' AND lease_expires_at < now())
         ORDER BY created_at, seq
         FOR UPDATE SKIP LOCKED
         LIMIT 1
       )
       RETURNING ${COLUMNS}`,
      [workerId, leaseTtlMs],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toJob(row);
  }

  async heartbeat(
    id: string,
    workerId: string,
    leaseTtlMs: number,
    progress: JobProgress,
  ): Promise<boolean> {
    if (!isJobId(id)) return false;
    const result = await this.#pool.query(
      `UPDATE backfill_jobs
       SET lease_expires_at = ${LEASE}, updated_at = now(),
           cursor_ts = $3, records_written = $4, pages_fetched = $5,
           wait_reason = $7, wait_until = $8, notes = COALESCE($9::jsonb, notes)
       WHERE id = $6 AND lease_owner = $1 AND status = 'running'
       RETURNING id`,
      [
        workerId,
        leaseTtlMs,
        progress.cursorTs,
        progress.recordsWritten,
        progress.pagesFetched,
        id,
        progress.waitReason ?? null,
        progress.waitUntil ?? null,
        progress.notes === undefined ? null : JSON.stringify(progress.notes),
      ],
    );
    return result.rowCount === 1;
  }

  async finish(
    id: string,
    workerId: string,
    status: 'completed' | 'failed',
    error?: string,
  ): Promise<boolean> {
    if (!isJobId(id)) return false;
    const result = await this.#pool.query(
      `UPDATE backfill_jobs
       SET status = $3, error = $4, updated_at = now(), lease_owner = NULL, lease_expires_at = NULL,
           wait_reason = NULL, wait_until = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, workerId, status, error ?? null],
    );
    return result.rowCount === 1;
  }

  async release(id: string, workerId: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    const result = await this.#pool.query(
      `UPDATE backfill_jobs
       SET status = 'pending', updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, workerId],
    );
    return result.rowCount === 1;
  }

  async cancel(id: string): Promise<BackfillJob | undefined> {
    if (!isJobId(id)) return undefined;
    const result = await this.#pool.query<JobRow>(
      `UPDATE backfill_jobs
       SET status = 'cancelled', updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND status IN ('pending', 'running')
       RETURNING ${COLUMNS}`,
      [id],
    );
    const row = result.rows[0];
    return row === undefined ? this.get(id) : toJob(row);
  }

  async close(): Promise<void> {
    // The pool is owned and closed by the repositories bundle.
  }

  async #insert(client: pg.Pool | pg.PoolClient, job: NewJob): Promise<BackfillJob> {
    const result = await client.query<JobRow>(
      `INSERT INTO backfill_jobs (id, source, subject, kind, granularity, start_ts, end_ts, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        job.source,
        job.subject,
        job.kind,
        job.granularity,
        job.startTs,
        job.endTs,
        job.requestedBy ?? 'api',
      ],
    );
    return toJob(result.rows[0] as JobRow);
  }
}
