/** @module GET over HTTP with gapless's typed errors: one line naming the URL, retries for what may pass. */
import { GaplessError, InvalidArgumentError, NotFoundError, SourceError } from '../core/errors.js';

/** Options of {@link httpGet}. */
export interface HttpGetOptions {
  /** Sent as `X-API-Key` when set. */
  readonly apiKey?: string | undefined;
  /** Give up on one attempt after this long. */
  readonly timeoutMs: number;
  /** Attempts for network failures and 5xx answers. */
  readonly attempts: number;
}

const RETRY_BASE_MS = 200;

/**
 * GETs `url` and returns the body's bytes. Network failures and 5xx answers
 * are retried with backoff (a restarting server is not a user mistake); 4xx
 * answers become `InvalidArgumentError` (400) or `NotFoundError` (404) with
 * the server's own message, anything else a `SourceError`.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getOnce(url, options);
    } catch (error) {
      const retryable = error instanceof SourceError && error.retryable;
      if (!retryable || attempt >= options.attempts) throw error;
      await new Promise((r) => setTimeout(r, RETRY_BASE_MS * 2 ** (attempt - 1)));
    }
  }
}

async function getOnce(url: string, options: HttpGetOptions): Promise<Uint8Array> {
  const headers: Record<string, string> = {};
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (cause) {
    throw new SourceError(`cannot reach ${new URL(url).origin}: ${reason(cause)}`, {
      code: 'UNREACHABLE',
      retryable: true,
      cause,
    });
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw new SourceError(`reading ${url} failed: ${reason(cause)}`, { retryable: true, cause });
  }
  if (res.ok) return body;
  const message = `${url} answered ${res.status}: ${serverMessage(body)}`;
  if (res.status === 404) throw new NotFoundError(message);
  if (res.status === 400) throw new InvalidArgumentError(message, 'BAD_REQUEST');
  if (res.status === 401 || res.status === 403) {
    throw new GaplessError('UNAUTHORIZED', `${message} (pass an API key)`, {
      category: 'unauthorized',
    });
  }
  throw new SourceError(message, { retryable: res.status >= 500 || res.status === 429 });
}

// The server's errors are `{ "error": { "code", "message" } }`; anything else is shown clipped.
function serverMessage(body: Uint8Array): string {
  const text = new TextDecoder().decode(body.subarray(0, 2000));
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // Not JSON: shown as text below.
  }
  return text.replace(/\s+/g, ' ').slice(0, 200) || '(empty body)';
}

function reason(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.name === 'TimeoutError') return 'timed out';
  const inner = (cause as Error & { cause?: { code?: string; message?: string } }).cause;
  return inner?.code ?? inner?.message ?? cause.message;
}
