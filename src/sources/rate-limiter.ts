import { CancelledError, InvalidArgumentError } from '../core/errors.js';
import { checkNumber } from './options-check.js';
import { badCost, type Limiter } from './rate-limit/limiter.js';

/** A clock the limiter reads and schedules on; injectable for tests. */
export interface LimiterClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and timers. */
export const realClock: LimiterClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Options of a {@link RateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Most cost that may start in any window of `intervalMs`.
   * @default 1200
   */
  tokensPerInterval?: number;
  /**
   * Length of the window.
   * @default 60000
   */
  intervalMs?: number;
  /**
   * Cost that may start at once from idle; the rest of the budget is spread
   * evenly. Small values keep the steady rate near the limit.
   * @default max(1, 5% of tokensPerInterval)
   */
  burstTokens?: number;
  /**
   * Most acquisitions held (not yet released) at once.
   * @default Infinity
   */
  maxConcurrency?: number;
  /**
   * Least time between two starts.
   * @default 0
   */
  minIntervalMs?: number;
  /**
   * Pause applied by `penalize()` when no duration is given (after a 429).
   * @default 5000
   */
  penaltyBackoffMs?: number;
  /** Clock; the real one unless testing. */
  clock?: LimiterClock;
}

interface Waiter {
  cost: number;
  resolve: (release: () => void) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A process-local, FIFO token-bucket limiter. The bucket holds `burstTokens`
 * and refills at `(tokensPerInterval - burstTokens) / intervalMs`, so the cost
 * started in any window of `intervalMs` is at most `burstTokens` plus one
 * window of refill: exactly `tokensPerInterval`, never more.
 * @example
 * const limiter = new RateLimiter({ tokensPerInterval: 6000, intervalMs: 60_000 });
 * const release = await limiter.acquire(2);
 * try { await request(); } finally { release(); }
 */
export class RateLimiter implements Limiter {
  /** Most cost that may start in any window of `intervalMs`. */
  readonly tokensPerInterval: number;
  /** Window length. */
  readonly intervalMs: number;
  /** Bucket capacity. */
  readonly burstTokens: number;
  readonly #maxConcurrency: number;
  /** Pause of `penalize()` without a duration. */
  readonly penaltyBackoffMs: number;
  readonly #minIntervalMs: number;
  readonly #clock: LimiterClock;
  readonly #ratePerMs: number;
  #tokens: number;
  #refilledAt: number;
  #lastStartAt = Number.NEGATIVE_INFINITY;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #inFlight = 0;
  #queue: Waiter[] = [];
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(options: RateLimiterOptions = {}) {
    this.tokensPerInterval = checkNumber('tokensPerInterval', options.tokensPerInterval, 1200, {
      min: 1,
    });
    this.intervalMs = checkNumber('intervalMs', options.intervalMs, 60_000, { min: 1 });
    const defaultBurst = Math.max(1, Math.floor(this.tokensPerInterval / 20));
    this.burstTokens = checkNumber('burstTokens', options.burstTokens, defaultBurst, { min: 1 });
    if (this.burstTokens >= this.tokensPerInterval) {
      throw new InvalidArgumentError(
        `Expected \`burstTokens\` to be < tokensPerInterval (${this.tokensPerInterval}), got \`${this.burstTokens}\``,
      );
    }
    this.#maxConcurrency = checkNumber(
      'maxConcurrency',
      options.maxConcurrency,
      Number.POSITIVE_INFINITY,
      { min: 1 },
    );
    if (options.maxConcurrency !== undefined && !Number.isInteger(options.maxConcurrency)) {
      throw new InvalidArgumentError(
        `Expected \`maxConcurrency\` to be an integer >= 1, got \`${options.maxConcurrency}\``,
      );
    }
    this.#minIntervalMs = checkNumber('minIntervalMs', options.minIntervalMs, 0, { min: 0 });
    this.penaltyBackoffMs = checkNumber('penaltyBackoffMs', options.penaltyBackoffMs, 5_000, {
      min: 0,
    });
    this.#clock = options.clock ?? realClock;
    this.#ratePerMs = (this.tokensPerInterval - this.burstTokens) / this.intervalMs;
    this.#tokens = this.burstTokens;
    this.#refilledAt = this.#clock.now();
  }

  /** Acquisitions waiting for their turn. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Waits for `cost` tokens, in arrival order, and returns the function that
   * releases the concurrency slot (call it when the request is done; calling
   * it twice is harmless). Rejects with `CancelledError` when `signal` aborts.
   */
  acquire(cost = 1, signal?: AbortSignal): Promise<() => void> {
    const invalid = badCost(cost, this.burstTokens);
    if (invalid !== undefined) return Promise.reject(invalid);
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(new CancelledError());
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Pauses every waiter for `ms` (default `penaltyBackoffMs`), e.g. after a 429. */
  penalize(ms = this.penaltyBackoffMs): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
    this.#pump();
  }

  /** Rejects waiters with `CancelledError` and stops the timer; acquisitions held stay valid. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    for (const waiter of this.#queue.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new CancelledError('rate limiter closed'));
    }
  }

  #refill(now: number): void {
    if (now > this.#refilledAt) {
      this.#tokens = Math.min(
        this.burstTokens,
        this.#tokens + (now - this.#refilledAt) * this.#ratePerMs,
      );
      this.#refilledAt = now;
    }
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#inFlight >= this.#maxConcurrency) return;
      const head = this.#queue[0]!;
      const now = this.#clock.now();
      this.#refill(now);
      const waitMs = Math.max(
        this.#pausedUntil - now,
        this.#lastStartAt + this.#minIntervalMs - now,
        head.cost <= this.#tokens ? 0 : (head.cost - this.#tokens) / this.#ratePerMs,
      );
      if (waitMs > 0) {
        this.#schedule(now + Math.max(1, Math.ceil(waitMs)));
        return;
      }
      this.#queue.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      this.#tokens -= head.cost;
      this.#lastStartAt = now;
      this.#inFlight++;
      let released = false;
      head.resolve(() => {
        if (released) return;
        released = true;
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt === at) return;
      this.#clock.clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, at - this.#clock.now());
  }
}

const SHARED = new Map<string, RateLimiter>();

/**
 * The one limiter of this process for `key` (e.g. `ccxt:binance`), created
 * from `config` on first use; later configs for the same key are ignored.
 */
export function rateLimiterFor(key: string, config: RateLimiterOptions = {}): RateLimiter {
  let limiter = SHARED.get(key);
  if (limiter === undefined) {
    limiter = new RateLimiter(config);
    SHARED.set(key, limiter);
  }
  return limiter;
}
