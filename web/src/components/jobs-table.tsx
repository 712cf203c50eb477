/** @module The jobs table: status filter, paging, duration, error and who started each job. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { count, duration, utcTime } from '../format';
import { JOB_STATUSES, type Job } from '../types';
import { ScrollRegion } from './scroll-region';

const PAGE = 10;

/** Props of {@link JobsTable}. */
export interface JobsTableProps {
  /** Bumped by the app when a job starts or ends, to reload at once. */
  readonly refresh: number;
}

function jobDuration(job: Job): number | null {
  if (job.started_at === null) return null;
  const end =
    job.status === 'running' || job.status === 'pending' ? Date.now() : Date.parse(job.updated_at);
  return (end - Date.parse(job.started_at)) / 1000;
}

/** Jobs newest first; reloads every second while one on the page runs, else every 5 s. */
export function JobsTable({ refresh }: JobsTableProps) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ jobs: Job[]; total: number } | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      let running = false;
      try {
        const next = await api<{ jobs: Job[]; total: number }>(
          `/reports/backfill/jobs${query({ status, limit: PAGE, offset })}`,
        );
        if (!live) return;
        setPage(next);
        setError(undefined);
        running = next.jobs.some((j) => j.status === 'running' || j.status === 'pending');
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
      if (live) timer = setTimeout(load, running ? 1_000 : 5_000);
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [status, offset, refresh]);

  const total = page?.total ?? 0;
  return (
    <section aria-labelledby="jobs-title" class="panel">
      <h2 id="jobs-title">Jobs</h2>
      <div class="toolbar">
        <label for="jobs-status">Status</label>
        <select
          id="jobs-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setOffset(0);
          }}
        >
          <option value="">all</option>
          {JOB_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span class="muted" aria-live="polite">
          {total === 0 ? 'no jobs' : `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}`}
        </span>
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={offset + PAGE >= total}
          onClick={() => setOffset(offset + PAGE)}
        >
          Older
        </button>
      </div>
      {error === undefined ? null : <p role="alert">{error}</p>}
      <ScrollRegion label="Jobs table">
        <table data-testid="jobs-table">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Series</th>
              <th scope="col">Range (UTC)</th>
              <th scope="col">Status</th>
              <th scope="col">Done</th>
              <th scope="col">Records</th>
              <th scope="col">Pages</th>
              <th scope="col">Duration</th>
              <th scope="col">Started by</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {(page?.jobs ?? []).map((job) => (
              <tr key={job.id} data-job-id={job.id} data-status={job.status}>
                <td>
                  <a href={`#/jobs/${job.id}`}>{job.id.slice(0, 8)}</a>
                </td>
                <td>
                  {job.source} {job.subject} {job.kind === 'candle' ? job.granularity : 'trades'}
                </td>
                <td>
                  {utcTime(job.start)} → {utcTime(job.end)}
                </td>
                <td>
                  <span class={`badge status-${job.status}`}>{job.status}</span>
                </td>
                <td>{Math.round(job.percentage)}%</td>
                <td>{count(job.records_written)}</td>
                <td>{count(job.pages_fetched)}</td>
                <td>{duration(jobDuration(job))}</td>
                <td>{job.requested_by}</td>
                <td class="error-cell">{job.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
