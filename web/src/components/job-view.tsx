/** @module One job, live: progress bar, records, pages, rate, ETA, status; Cancel and Retry. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { count, duration, utcTime } from '../format';
import type { Job } from '../types';

/** Polling period while a job is pending or running (the issue asks for <= 1 s). */
export const LIVE_POLL_MS = 500;
const IDLE_POLL_MS = 10_000;

/** Props of {@link JobView}. */
export interface JobViewProps {
  readonly id: string;
  /** Called when the job reaches an end state, so coverage and history reload. */
  readonly onEnded: (job: Job) => void;
  /** Called with the job a Retry created. */
  readonly onRetried: (job: Job) => void;
}

const active = (job: Job | undefined) => job?.status === 'pending' || job?.status === 'running';

/** A job followed live until it ends, then every 10 s. */
export function JobView({ id, onEnded, onRetried }: JobViewProps) {
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: Job | undefined;
    const tick = async () => {
      try {
        const next = await api<Job>(`/reports/backfill/jobs/${encodeURIComponent(id)}`);
        if (!live) return;
        if (active(last) && !active(next)) onEnded(next);
        last = next;
        setJob(next);
        setError(undefined);
      } catch (e) {
        if (!live) return;
        setError(e instanceof Error ? e.message : String(e));
      }
      if (live) timer = setTimeout(tick, active(last) ? LIVE_POLL_MS : IDLE_POLL_MS);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);

  const cancel = async () => {
    setBusy(true);
    try {
      setJob(
        await api<Job>(`/reports/backfill/jobs/${encodeURIComponent(id)}/cancel`, {
          method: 'POST',
        }),
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  // The engine fetches only what coverage lacks, so re-submitting the range fills just the rest.
  const retry = async () => {
    if (job === undefined) return;
    setBusy(true);
    try {
      const created = await api<Job>('/reports/backfill', {
        method: 'POST',
        body: {
          source: job.source,
          subject: job.subject,
          kind: job.kind,
          granularity: job.granularity,
          start: job.start_ms,
          end: job.end_ms,
          requested_by: 'ui',
        },
      });
      setError(undefined);
      onRetried(created);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (job === undefined) {
    return (
      <section class="job" aria-labelledby="job-title">
        <h2 id="job-title">Job</h2>
        <p role={error ? 'alert' : undefined}>{error ?? 'Loading…'}</p>
      </section>
    );
  }
  const series = `${job.subject} ${job.kind === 'candle' ? `${job.granularity} candles` : 'trades'} from ${job.source}`;
  const pct = Math.round(job.percentage * 10) / 10;
  return (
    <section
      class="job"
      aria-labelledby="job-title"
      data-testid="job-view"
      data-job-id={job.id}
      data-status={job.status}
      data-percentage={job.percentage}
      data-pages={job.pages_fetched}
      data-records={job.records_written}
    >
      <h2 id="job-title">
        Job <code>{job.id.slice(0, 8)}</code>
      </h2>
      <p>
        {series}, {utcTime(job.start)} → {utcTime(job.end)}
      </p>
      <div class="progress-row">
        <div
          class="bar"
          role="progressbar"
          aria-label="Backfill progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          aria-valuetext={`${pct}%`}
        >
          <div class={`fill status-${job.status}`} style={{ width: `${Math.min(100, pct)}%` }} />
        </div>
        <span class="pct">{pct}%</span>
      </div>
      <dl class="stats">
        <div>
          <dt>Status</dt>
          <dd class={`badge status-${job.status}`}>{job.status}</dd>
        </div>
        <div>
          <dt>Records written</dt>
          <dd>{count(job.records_written)}</dd>
        </div>
        <div>
          <dt>Pages</dt>
          <dd>{count(job.pages_fetched)}</dd>
        </div>
        <div>
          <dt>Rate</dt>
          <dd>
            {job.rate_records_per_s === null
              ? '—'
              : `${count(Math.round(job.rate_records_per_s))}/s`}
          </dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd>{active(job) ? duration(job.eta_s) : '—'}</dd>
        </div>
        <div>
          <dt>Cursor</dt>
          <dd>{utcTime(job.cursor_ms)}</dd>
        </div>
        <div>
          <dt>Started by</dt>
          <dd>{job.requested_by}</dd>
        </div>
      </dl>
      {job.waiting && job.wait_reason !== null ? (
        <p class="job-wait" role="status">
          {job.wait_reason}
        </p>
      ) : null}
      {job.error === null ? null : <p class="job-error">{job.error}</p>}
      {job.notes.length === 0 ? null : (
        <ul class="job-notes" aria-label="Notes" data-testid="job-notes">
          {job.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {error === undefined ? null : (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        {active(job) ? (
          <button type="button" onClick={cancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
        {job.status === 'cancelled' || job.status === 'failed' ? (
          <button type="button" class="primary" onClick={retry} disabled={busy}>
            Retry (fetch what is still missing)
          </button>
        ) : null}
        <a href="#/">Back to the form</a>
      </div>
    </section>
  );
}
