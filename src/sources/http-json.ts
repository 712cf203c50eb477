import { CancelledError, SourceError } from '../core/errors.js';

/** Options of {@link getJson}. */
export interface GetJsonOptions {
  /** Names the request in errors, e.g. a series id and window; must not hold secrets. */
  what: string;
  /** Cancels the request with `CancelledError`. */
  signal?: AbortSignal;
  /**
   * Per-request timeout; a timeout is retryable.
   * @default 10000
   */
  timeoutMs?: number;
}

/**
 * GETs `url` and parses its JSON body, turning every failure into a
 * `SourceError` that `withRetry` understands: network errors, timeouts, 5xx
 * and unparseable (e.g. truncated) bodies are retryable; 429 and 418 are
 * retryable as `SOURCE_THROTTLED` with the server's `Retry-After`; 401/403 are
 * permanent `SOURCE_AUTH`; other 4xx are permanent and carry the vendor's message.
 * @example
 * const body = await withRetry(() => getJson(url, { what: 'BTCUSDT klines' }));
 */
export async function getJson(url: string, options: GetJsonOptions): Promise<unknown> {
  const { what, signal } = options;
  if (signal?.aborted) throw new CancelledError();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      headers: { accept: 'application/json' },
    });
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    const why = timeout.aborted ? 'timed out' : error instanceof Error ? error.message : 'failed';
    throw new SourceError(`${what}: request ${why}`, { retryable: true, cause: error });
  }
  const { status } = response;
  if (status === 429 || status === 418 || status >= 500) {
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    throw new SourceError(`${what}: HTTP ${status} ${vendorMessage(text)}`.trimEnd(), {
      code: status === 429 || status === 418 ? 'SOURCE_THROTTLED' : 'SOURCE_RETRYABLE',
      retryable: true,
      httpStatus: status,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    });
  }
  if (status < 200 || status >= 300) {
    throw new SourceError(`${what}: HTTP ${status} ${vendorMessage(text)}`.trimEnd(), {
      code: status === 401 || status === 403 ? 'SOURCE_AUTH' : 'SOURCE_FAILED',
      retryable: false,
      httpStatus: status,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // A cut connection looks like a 200 with half a body: worth another try.
    throw new SourceError(`${what}: unparseable body (${text.length} bytes)`, {
      retryable: true,
      cause: error,
    });
  }
}

/** `Retry-After` in ms, from seconds or an HTTP date; undefined when absent or malformed. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

// Vendors put the reason in different fields: Polygon `error`/`message`, Binance `msg`.
function vendorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const message = body.error ?? body.message ?? body.msg;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON (an HTML error page): show its start below.
  }
  return text.slice(0, 200);
}
