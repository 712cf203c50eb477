/** @module The backfill form: feed, series, UTC dates, a live preview and Run backfill. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { count, duration, utcTime } from '../format';
import type { Feed, FormValues, Job, Preview } from '../types';

/** Props of {@link BackfillForm}. */
export interface BackfillFormProps {
  readonly feeds: Feed[];
  readonly values: FormValues;
  readonly onChange: (values: FormValues) => void;
  /** Called with the job the server created. */
  readonly onStarted: (job: Job) => void;
  /** Bumped when a job starts or ends: what is missing has changed. */
  readonly refresh: number;
}

type Field = keyof FormValues;

// Which field an API error code is about; time errors name `start` or `end` in the message.
const FIELD_OF_CODE: Partial<Record<string, Field>> = {
  UNKNOWN_FEED: 'source',
  UNKNOWN_SUBJECT: 'subject',
  BAD_KIND: 'kind',
  BAD_GRANULARITY: 'granularity',
  RANGE_IN_FUTURE: 'start',
  RANGE_TOO_LARGE: 'end',
};

/** The form field an API error belongs to, or undefined for a form-wide message. */
export function fieldOf(error: ApiError): Field | undefined {
  const byCode = FIELD_OF_CODE[error.code];
  if (byCode !== undefined) return byCode;
  if (error.code === 'BAD_TIME' || error.code === 'BAD_RANGE' || error.code === 'BAD_REQUEST') {
    if (/\bend\b/.test(error.message) && !/\bstart\b/.test(error.message)) return 'end';
    if (/\bstart\b/.test(error.message) && !/\bend\b/.test(error.message)) return 'start';
    if (/\bstart\/end\b|end .*start|start .*end/.test(error.message)) return 'end';
  }
  return undefined;
}

function body(v: FormValues) {
  return {
    source: v.source,
    subject: v.subject,
    kind: v.kind,
    granularity: v.kind === 'trade' ? null : v.granularity,
    start: v.start,
    end: v.end,
  };
}

/**
 * The form that starts a backfill. Every change asks the server for a
 * preview (missing ranges, pages, request weight, ETA); errors are shown next
 * to the field they are about, in the server's words.
 */
export function BackfillForm({ feeds, values, onChange, onStarted, refresh }: BackfillFormProps) {
  const [preview, setPreview] = useState<Preview | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [running, setRunning] = useState<string | undefined>();
  const feed = feeds.find((f) => f.source === values.source);

  useEffect(() => {
    let live = true;
    setRunning(undefined);
    const timer = setTimeout(() => {
      api<Preview>('/reports/backfill/preview', { method: 'POST', body: body(values) }).then(
        (p) => {
          if (!live) return;
          setPreview(p);
          setError(undefined);
        },
        (e: unknown) => {
          if (!live) return;
          setPreview(undefined);
          setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
        },
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [values, refresh]);

  const set = (field: Field, value: string) => {
    const next = { ...values, [field]: value } as FormValues;
    if (field === 'source') {
      const f = feeds.find((x) => x.source === value);
      if (f !== undefined) {
        Object.assign(next, {
          subject: f.subjects.includes(next.subject) ? next.subject : (f.subjects[0] ?? ''),
          kind: f.kinds.includes(next.kind) ? next.kind : (f.kinds[0] ?? 'candle'),
          granularity: f.granularities.includes(next.granularity)
            ? next.granularity
            : (f.granularities[0] ?? '1m'),
        });
      }
    }
    onChange(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setRunning(undefined);
    try {
      const job = await api<Job>('/reports/backfill', {
        method: 'POST',
        body: { ...body(values), requested_by: 'ui' },
      });
      setError(undefined);
      onStarted(job);
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err));
      if (apiError.status === 409 && apiError.jobId !== undefined) setRunning(apiError.jobId);
      setError(apiError);
    } finally {
      setBusy(false);
    }
  };

  const errorField = error === undefined ? undefined : fieldOf(error);
  const fieldError = (field: Field) =>
    error !== undefined && errorField === field && error.status !== 409 ? (
      <p class="field-error" id={`err-${field}`} role="alert">
        {error.message}
      </p>
    ) : null;
  const describedBy = (field: Field) =>
    errorField === field && error !== undefined ? `err-${field}` : undefined;
  const invalid = (field: Field) =>
    errorField === field && error !== undefined ? true : undefined;
  const sources = feeds.map((f) => f.source);

  return (
    <form class="backfill-form" onSubmit={submit} aria-labelledby="form-title" noValidate>
      <h2 id="form-title">Backfill</h2>
      <div class="fields">
        <div class="field">
          <label for="f-source">Feed</label>
          <select
            id="f-source"
            name="source"
            value={values.source}
            aria-invalid={invalid('source')}
            aria-describedby={describedBy('source')}
            onChange={(e) => set('source', e.currentTarget.value)}
          >
            {sources.includes(values.source) ? null : (
              <option value={values.source}>{values.source} (not configured)</option>
            )}
            {feeds.map((f) => (
              <option key={f.source} value={f.source}>
                {f.source} ({f.exchange})
              </option>
            ))}
          </select>
          {fieldError('source')}
        </div>
        <div class="field">
          <label for="f-subject">Subject</label>
          <select
            id="f-subject"
            name="subject"
            value={values.subject}
            aria-invalid={invalid('subject')}
            aria-describedby={describedBy('subject')}
            onChange={(e) => set('subject', e.currentTarget.value)}
          >
            {(feed?.subjects ?? [values.subject]).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          {fieldError('subject')}
        </div>
        <div class="field">
          <label for="f-kind">Kind</label>
          <select
            id="f-kind"
            name="kind"
            value={values.kind}
            aria-invalid={invalid('kind')}
            onChange={(e) => set('kind', e.currentTarget.value)}
          >
            {(feed?.kinds ?? [values.kind]).map((k) => (
              <option key={k} value={k}>
                {k === 'candle' ? 'candles' : 'trades'}
              </option>
            ))}
          </select>
          {fieldError('kind')}
        </div>
        <div class="field">
          <label for="f-granularity">Granularity</label>
          <select
            id="f-granularity"
            name="granularity"
            value={values.granularity}
            disabled={values.kind === 'trade'}
            aria-invalid={invalid('granularity')}
            onChange={(e) => set('granularity', e.currentTarget.value)}
          >
            {(feed?.granularities ?? [values.granularity]).map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
          {fieldError('granularity')}
        </div>
        <div class="field">
          <label for="f-start">Start (UTC)</label>
          <input
            id="f-start"
            name="start"
            type="date"
            required
            value={values.start}
            aria-invalid={invalid('start')}
            aria-describedby={describedBy('start')}
            onChange={(e) => set('start', e.currentTarget.value)}
          />
          {fieldError('start')}
        </div>
        <div class="field">
          <label for="f-end">End (UTC, exclusive)</label>
          <input
            id="f-end"
            name="end"
            type="date"
            required
            value={values.end}
            aria-invalid={invalid('end')}
            aria-describedby={describedBy('end')}
            onChange={(e) => set('end', e.currentTarget.value)}
          />
          {fieldError('end')}
        </div>
      </div>

      <section
        class="preview"
        aria-live="polite"
        aria-label="Preview"
        data-testid="preview"
        data-series={preview?.series}
        data-start-ms={preview?.start_ms}
        data-end-ms={preview?.end_ms}
        data-pages={preview?.pages}
      >
        {preview === undefined ? (
          <p class="muted">
            {error === undefined ? 'Working out what is missing…' : 'No preview.'}
          </p>
        ) : preview.missing.length === 0 ? (
          <p data-pages="0">Nothing missing: this range is already stored.</p>
        ) : (
          <>
            <p>
              Will fetch <strong data-pages={preview.pages}>{count(preview.pages)}</strong>{' '}
              {preview.pages === 1 ? 'page' : 'pages'}
              {preview.archive_files > 0 ? (
                <>
                  {' '}
                  (
                  <span data-archive-files={preview.archive_files}>
                    {count(preview.archive_files)}
                  </span>{' '}
                  of them archive {preview.archive_files === 1 ? 'file' : 'files'})
                </>
              ) : null}
              {preview.pages_exact ? '' : ' (at least)'} for{' '}
              {preview.missing_bars === null
                ? 'the missing time'
                : `${count(preview.missing_bars)} missing bars`}
              , request weight {count(preview.request_weight)}, ETA{' '}
              {preview.eta_s === null ? 'not limited by a rate limit' : duration(preview.eta_s)}.
            </p>
            <ul class="missing-list">
              {preview.missing.slice(0, 5).map((r) => (
                <li key={r.start_ms}>
                  {utcTime(r.start)} → {utcTime(r.end)}
                </li>
              ))}
              {preview.missing.length > 5 ? (
                <li>and {preview.missing.length - 5} more ranges</li>
              ) : null}
            </ul>
          </>
        )}
      </section>

      {error !== undefined && (errorField === undefined || error.status === 409) ? (
        <div class="form-error" role="alert" data-code={error.code}>
          <p>{error.message}</p>
          {running === undefined ? null : (
            <p>
              <a href={`#/jobs/${running}`} data-testid="running-job-link">
                Open the running job
              </a>
            </p>
          )}
        </div>
      ) : null}

      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Run backfill'}
        </button>
      </div>
    </form>
  );
}
