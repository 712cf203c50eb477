/** @module GET over HTTP with gapless's typed errors: one line naming the URL, retries for what may pass, bodies whole or streamed. */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
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

/** Backoff before retry `attempt + 1`: 200 ms, 400 ms, 800 ms, ... */
export function retryDelayMs(attempt: number): number {
  return 200 * 2 ** (attempt - 1);
}

/**
 * GETs `url` and returns the body's bytes. Network failures and 5xx answers
 * are retried with backoff (a restarting server is not a user mistake); 4xx
 * answers become `InvalidArgumentError` (400) or `NotFoundError` (404) with
 * the server's own message, anything else a `SourceError`.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt++) {
    try {
      const chunks: Buffer[] = [];
      await httpGetStream(url, options, (chunk) => {
        chunks.push(chunk);
      });
      return Buffer.concat(chunks);
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.attempts) throw error;
      await new Promise((r) => setTimeout(r, retryDelayMs(attempt)));
    }
  }
}

/** Whether a failed GET may pass on a later attempt (network failures, 5xx, 429). */
export function isRetryable(error: unknown): boolean {
  return error instanceof SourceError && error.retryable;
}

/**
 * GETs `url` once and hands a 2xx body to `onChunk` as it arrives (so a
 * caller can write what it has while the rest is on the wire); resolves when
 * the body is complete. Errors as {@link httpGet}, without retries; an error
 * `onChunk` throws ends the request and rejects with it.
 *
 * `node:http`, not `fetch`: no web-stream layer per chunk, and no 30 ms of
 * loading undici on a CLI's first request.
 */
export function httpGetStream(
  url: string,
  options: HttpGetOptions,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let responded = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(error);
    };
    const failReading = (cause: unknown) =>
      fail(
        responded
          ? new SourceError(`reading ${url} failed: ${reason(cause)}`, { retryable: true, cause })
          : new SourceError(`cannot reach ${new URL(url).origin}: ${reason(cause)}`, {
              code: 'UNREACHABLE',
              retryable: true,
              cause,
            }),
      );
    const headers: Record<string, string> = {};
    if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const request = client.get(
      target,
      { headers, signal: AbortSignal.timeout(options.timeoutMs) },
      (res) => {
        responded = true;
        const status = res.statusCode ?? 0;
        const body = decoded(res);
        body.on('error', failReading);
        res.on('error', failReading);
        res.on('aborted', () => failReading(new Error('the connection closed mid-answer')));
        if (status < 200 || status > 299) {
          const chunks: Buffer[] = [];
          body.on('data', (chunk: Buffer) => chunks.push(chunk));
          body.on('end', () => fail(statusError(url, status, Buffer.concat(chunks))));
          return;
        }
        body.on('data', (chunk: Buffer) => {
          if (settled) return;
          try {
            onChunk(chunk);
          } catch (error) {
            fail(error);
          }
        });
        body.on('end', () => {
          if (settled) return;
          if (!res.complete) {
            failReading(new Error('the connection closed mid-answer'));
            return;
          }
          settled = true;
          resolve();
        });
      },
    );
    request.on('error', failReading);
  });
}

// Servers and proxies may compress whatever we ask or not: undo what they did.
function decoded(res: IncomingMessage): NodeJS.ReadableStream {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

function statusError(url: string, status: number, body: Uint8Array): Error {
  const message = `${url} answered ${status}: ${serverMessage(body)}`;
  if (status === 404) return new NotFoundError(message);
  if (status === 400) return new InvalidArgumentError(message, 'BAD_REQUEST');
  if (status === 401 || status === 403) {
    return new GaplessError('UNAUTHORIZED', `${message} (pass an API key)`, {
      category: 'unauthorized',
    });
  }
  return new SourceError(message, { retryable: status >= 500 || status === 429 });
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
  const inner = (cause as Error & { cause?: { name?: string; code?: string; message?: string } })
    .cause;
  if (cause.name === 'TimeoutError' || inner?.name === 'TimeoutError') return 'timed out';
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== undefined && code !== 'ABORT_ERR') return code;
  return inner?.code ?? inner?.message ?? cause.message;
}
