import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCategory, GaplessError } from '../core/errors.js';
import { JobRunningError } from '../jobs/job-errors.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; job_id?: string };
}

/** What an error becomes on the wire. */
export interface ErrorResponse {
  readonly status: ContentfulStatusCode;
  readonly body: ErrorBody;
  /** Whether the cause is ours (logged at error level, message hidden). */
  readonly internal: boolean;
}

const INTERNAL_MESSAGE = 'internal error; see the server log for the request id';

// Cancelled work answers 503: the server is stopping, try again.
const STATUS_BY_CATEGORY: Record<ErrorCategory, ContentfulStatusCode> = {
  bad_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  upstream: 502,
  storage: 500,
  cancelled: 503,
  internal: 500,
};

const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
};

/**
 * Maps any thrown value to a status and an `{ error: { code, message } }`
 * body: the one place where error classes meet HTTP statuses.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  const reply = (
    status: ContentfulStatusCode,
    code: string,
    message: string,
    internal = false,
  ) => ({
    status,
    body: { error: { code, message } } as ErrorBody,
    internal,
  });
  if (error instanceof JobRunningError) {
    const out = reply(409, error.code, error.message);
    out.body.error.job_id = error.jobId;
    return out;
  }
  if (error instanceof GaplessError) {
    const status = STATUS_BY_CATEGORY[error.category];
    // The one storage failure an operator can act on at once: said as such, no path.
    if (error.code === 'DISK_FULL') {
      return reply(507, error.code, 'the server is out of disk space; see the server log', true);
    }
    if (error.category === 'storage') {
      return reply(status, error.code, 'storage failure; see the server log', true);
    }
    if (status >= 500 && error.category !== 'upstream') {
      return reply(status, error.code, INTERNAL_MESSAGE, true);
    }
    return reply(status, error.code, error.message);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return reply(
      status,
      HTTP_CODES[status] ?? `HTTP_${status}`,
      error.message || `HTTP ${status}`,
      status >= 500,
    );
  }
  return reply(500, 'INTERNAL', INTERNAL_MESSAGE, true);
}

/** A 4xx for conditions that have no error class of their own (405, 413, 415, 416). */
export function httpError(status: 405 | 413 | 415 | 416, message: string): HTTPException {
  return new HTTPException(status, { message });
}
