/** @module Calls to the gapless API on the same origin, with its errors as values. */

/** An error answer of the API: `{ error: { code, message, job_id? } }`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly jobId: string | undefined;

  constructor(status: number, code: string, message: string, jobId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.jobId = jobId;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; job_id?: unknown };
}

const early = new Map<string, Promise<unknown>>();

/**
 * Starts a GET before the component that needs it exists (the chart's first
 * range, while the chart's code still loads); the next {@link api} call for
 * the same path takes the answer.
 */
export function prefetch(path: string): void {
  if (early.has(path)) return;
  const pending = api(path);
  pending.catch(() => undefined); // the taker sees the error
  early.set(path, pending);
}

/** Calls the API; a non-2xx answer becomes an {@link ApiError} with the server's message. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const started = init.method === undefined ? early.get(path) : undefined;
  if (started !== undefined) {
    early.delete(path);
    return started as Promise<T>;
  }
  // No extra header on plain GETs, so a request matches the page's <link rel="preload">.
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method: init.method ?? 'GET', headers, body });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the server did not answer; is gapless serve running?');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = (parsed as ErrorBody | undefined)?.error;
    throw new ApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`,
      typeof error?.job_id === 'string' ? error.job_id : undefined,
    );
  }
  return parsed as T;
}

/** A query string from the defined values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
