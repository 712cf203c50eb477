import { CancelledError, SourceError } from '../core/errors.js';
import type { FetchEvents, RetryInfo } from './data-fetcher.js';
import { checkNumber } from './options-check.js';

/** How {@link withRetry} retries. */
export interface RetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 8
   */
  maxAttempts?: number;
  /**
   * Delay before the first retry; doubles each time.
   * @default 250
   */
  retryBackoffMs?: number;
  /**
   * Cap of the exponential delay (a server's `Retry-After` may exceed it).
   * @default 30000
   */
  maxDelayMs?: number;
  /**
   * Up to this share of the delay is added at random, so clients spread out.
   * @default 0.2
   */
  jitterRatio?: number;
  /**
   * Longest `Retry-After` honoured; a source asking for more fails the work
   * at once (`SOURCE_RETRY_AFTER_TOO_LONG`) instead of waiting silently.
   * @default 300000
   */
  maxRetryAfterMs?: number;
  /** Cancels waiting and further attempts with `CancelledError`. */
  signal?: AbortSignal;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  /** Names the work in the final error, e.g. a series id and range. */
  what?: string;
  /** Waits `ms`; injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Returns a number in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Options checked and defaulted. */
interface RetryPlan {
  maxAttempts: number;
  retryBackoffMs: number;
  maxDelayMs: number;
  jitterRatio: number;
  maxRetryAfterMs: number;
}

/** Validates retry options once, p-queue style; throws `InvalidArgumentError`. */
export function checkRetryOptions(options: RetryOptions = {}): RetryPlan {
  return {
    maxAttempts: checkNumber('maxAttempts', options.maxAttempts, 8, { min: 1, integer: true }),
    retryBackoffMs: checkNumber('retryBackoffMs', options.retryBackoffMs, 250, { min: 0 }),
    maxDelayMs: checkNumber('maxDelayMs', options.maxDelayMs, 30_000, { min: 0 }),
    jitterRatio: checkNumber('jitterRatio', options.jitterRatio, 0.2, { min: 0, max: 1 }),
    maxRetryAfterMs: checkNumber('maxRetryAfterMs', options.maxRetryAfterMs, 300_000, { min: 0 }),
  };
}

/** The delay before retry number `attempt` (1 = after the first failure), without `Retry-After`. */
export function backoffDelayMs(plan: RetryPlan, attempt: number, random: () => number): number {
  const exp = Math.min(plan.maxDelayMs, plan.retryBackoffMs * 2 ** (attempt - 1));
  return Math.round(exp + exp * plan.jitterRatio * random());
}

/** Sleeps `ms`, rejecting with `CancelledError` when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, retrying `SourceError`s marked retryable with
 * exponential backoff and jitter; a `Retry-After` from the source wins over
 * the computed delay up to `maxRetryAfterMs`, past which it throws a
 * permanent `SourceError` (`SOURCE_RETRY_AFTER_TOO_LONG`) saying how long the
 * source asked to wait. Other errors are thrown at once. After the last attempt
 * it throws a permanent `SourceError` (`SOURCE_EXHAUSTED`) naming `what` and
 * the last cause.
 * @example
 * const rows = await withRetry((attempt) => fetchPage(window), { maxAttempts: 5 });
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const plan = checkRetryOptions(options);
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new CancelledError();
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof SourceError) || !error.retryable) throw error;
      if (signal?.aborted) throw new CancelledError();
      const what = options.what === undefined ? '' : `${options.what}: `;
      const asked = error.retryAfterMs;
      if (asked !== undefined && asked > plan.maxRetryAfterMs) {
        const status = error.httpStatus === undefined ? '' : ` (HTTP ${error.httpStatus})`;
        throw new SourceError(
          `${what}the exchange asked to wait ${seconds(asked)}${status}, more than ` +
            `retry.max_retry_after_ms (${seconds(plan.maxRetryAfterMs)}); try again later`,
          {
            code: 'SOURCE_RETRY_AFTER_TOO_LONG',
            retryable: false,
            retryAfterMs: asked,
            ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
            cause: error,
          },
        );
      }
      if (attempt >= plan.maxAttempts) {
        throw new SourceError(
          `${what}gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}; last error: ${error.message}`,
          { code: 'SOURCE_EXHAUSTED', retryable: false, cause: error },
        );
      }
      const delayMs = asked ?? backoffDelayMs(plan, attempt, random);
      options.onRetry?.({
        attempt,
        delayMs,
        error,
        reason: asked === undefined ? 'backoff' : 'retry-after',
        httpStatus: error.httpStatus,
      });
      await wait(delayMs, signal);
    }
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * The `Retry-After` a limiter may pause everyone for: the source's, unless it
 * is past the ceiling (the work fails then, so nobody should wait for it).
 */
export function honouredRetryAfterMs(
  retryAfterMs: number | undefined,
  options: RetryOptions | undefined,
): number | undefined {
  if (retryAfterMs === undefined) return undefined;
  return retryAfterMs <= checkRetryOptions(options).maxRetryAfterMs ? retryAfterMs : undefined;
}

/**
 * The retry options of one fetch: the fetcher's own, with this call's signal
 * and name, reporting retries to both the fetcher's and the caller's `onRetry`.
 */
export function retryOptionsFor(
  base: RetryOptions | undefined,
  events: FetchEvents,
  signal: AbortSignal,
  what: string,
): RetryOptions {
  return {
    ...base,
    signal,
    what,
    onRetry: (info) => {
      base?.onRetry?.(info);
      events.onRetry?.(info);
    },
  };
}
