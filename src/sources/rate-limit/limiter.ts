import { InvalidArgumentError } from '../../core/errors.js';

/** Where a limiter's budget is shared, from narrowest to widest. */
export const LIMITER_SCOPES = ['local', 'process', 'cluster'] as const;

/**
 * `local`: one limiter per fetcher; `process`: one per key in this process;
 * `cluster`: one per key across every process sharing a Redis.
 */
export type LimiterScope = (typeof LIMITER_SCOPES)[number];

/**
 * What a fetcher needs from a rate limiter, whichever scope backs it.
 * @example
 * const release = await limiter.acquire(2, signal);
 * try { await request(); } finally { release(); }
 */
export interface Limiter {
  /** Pause applied by `penalize()` without a duration: the least pause after a 429. */
  readonly penaltyBackoffMs: number;
  /**
   * Waits until `cost` may start, in arrival order, and returns the function
   * that ends the request (frees its concurrency slot; calling it twice is
   * harmless). Rejects with `CancelledError` when `signal` aborts.
   */
  acquire(cost?: number, signal?: AbortSignal): Promise<() => void>;
  /** Pauses every user of the limiter for `ms` (default `penaltyBackoffMs`), e.g. after a 429. */
  penalize(ms?: number): void;
  /** Stops waiters with `CancelledError` and frees connections; later calls are harmless. */
  close(): Promise<void>;
}

/**
 * The pause after a throttling answer: `penaltyBackoffMs`, or the server's
 * `Retry-After` when that is longer.
 */
export function penaltyMs(limiter: Limiter, retryAfterMs: number | undefined): number {
  return Math.max(limiter.penaltyBackoffMs, retryAfterMs ?? 0);
}

/** The error for an acquisition cost no limiter could ever grant, or undefined when it is fine. */
export function badCost(cost: number, burstTokens: number): InvalidArgumentError | undefined {
  if (cost > 0 && cost <= burstTokens) return undefined;
  return new InvalidArgumentError(
    `Expected \`cost\` to be a number from 0 to burstTokens (${burstTokens}), got \`${cost}\``,
  );
}
