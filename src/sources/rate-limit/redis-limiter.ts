import { randomUUID } from 'node:crypto';
import { CancelledError, InvalidArgumentError, SourceError } from '../../core/errors.js';
import { checkNumber } from '../options-check.js';
import { type LimiterClock, realClock } from '../rate-limiter.js';
import { badCost, type Limiter } from './limiter.js';
import { RedisBucket, type RedisScriptClient } from './redis-bucket.js';

/** Options of a {@link RedisRateLimiter}; the bucket options mean what they mean for `RateLimiter`. */
export interface RedisRateLimiterOptions {
  /** Redis connection (ioredis fits). */
  client: RedisScriptClient;
  /** Shared key, e.g. `ccxt:binance`: every process using it shares one budget. */
  key: string;
  /**
   * Most cost that may start in any window of `intervalMs`, cluster-wide.
   * @default 1200
   */
  tokensPerInterval?: number;
  /**
   * Window length.
   * @default 60000
   */
  intervalMs?: number;
  /**
   * Bucket capacity.
   * @default max(1, 5% of tokensPerInterval)
   */
  burstTokens?: number;
  /**
   * Requests in flight at once, cluster-wide.
   * @default Infinity
   */
  maxConcurrency?: number;
  /**
   * Requests in flight at once in this process.
   * @default Infinity
   */
  localSemaphore?: number;
  /**
   * Least time between two starts, cluster-wide.
   * @default 0
   */
  minIntervalMs?: number;
  /**
   * Pause applied by `penalize()` without a duration.
   * @default 5000
   */
  penaltyBackoffMs?: number;
  /**
   * How long a slot of `maxConcurrency` stays taken when its process dies
   * without releasing it.
   * @default 60000
   */
  leaseTtlMs?: number;
  /** Timers of this process; the real ones unless testing. */
  clock?: LimiterClock;
  /** Runs once on `close()`, e.g. to quit a connection the limiter owns. */
  onClose?: () => Promise<void>;
  /** Receives failures of background calls (a penalty or a release that did not reach Redis). */
  onError?: (error: Error) => void;
}

interface Waiter {
  cost: number;
  resolve: (release: () => void) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

// While every cluster slot is taken, ask again this often.
const SLOT_POLL_MS = 20;

/**
 * A rate limiter shared by every process that uses the same Redis and key:
 * the token bucket lives in Redis and is taken atomically by a Lua script on
 * Redis's clock, with the same window guarantee as `RateLimiter`. Each
 * process queues its own callers first in, first out, and asks Redis for the
 * head of its queue only, so one process sends one script call at a time.
 * @example
 * const limiter = new RedisRateLimiter({ client: new Redis(url), key: 'ccxt:binance', tokensPerInterval: 40, intervalMs: 1000 });
 * const release = await limiter.acquire(1);
 * try { await request(); } finally { release(); }
 */
export class RedisRateLimiter implements Limiter {
  /** Shared key. */
  readonly key: string;
  /** Pause of `penalize()` without a duration. */
  readonly penaltyBackoffMs: number;
  /** Bucket capacity: the largest cost one acquire may ask for. */
  readonly burstTokens: number;
  readonly #bucket: RedisBucket;
  readonly #localSemaphore: number;
  readonly #clock: LimiterClock;
  readonly #leasePrefix = randomUUID();
  readonly #usesLeases: boolean;
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #onError: (error: Error) => void;
  #leaseCounter = 0;
  #queue: Waiter[] = [];
  #inFlight = 0;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #asking = false;
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed: Promise<void> | undefined;

  constructor(options: RedisRateLimiterOptions) {
    if (typeof options.key !== 'string' || options.key === '') {
      throw new InvalidArgumentError(
        `Expected \`key\` to be a non-empty string, got \`${String(options.key)}\``,
      );
    }
    this.key = options.key;
    const tokensPerInterval = checkNumber('tokensPerInterval', options.tokensPerInterval, 1200, {
      min: 1,
    });
    const intervalMs = checkNumber('intervalMs', options.intervalMs, 60_000, { min: 1 });
    const defaultBurst = Math.max(1, Math.floor(tokensPerInterval / 20));
    this.burstTokens = checkNumber('burstTokens', options.burstTokens, defaultBurst, { min: 1 });
    if (this.burstTokens >= tokensPerInterval) {
      throw new InvalidArgumentError(
        `Expected \`burstTokens\` to be < tokensPerInterval (${tokensPerInterval}), got \`${this.burstTokens}\``,
      );
    }
    const maxConcurrency = checkSlots('maxConcurrency', options.maxConcurrency);
    this.#localSemaphore = checkSlots('localSemaphore', options.localSemaphore);
    this.penaltyBackoffMs = checkNumber('penaltyBackoffMs', options.penaltyBackoffMs, 5_000, {
      min: 0,
    });
    this.#usesLeases = Number.isFinite(maxConcurrency);
    this.#bucket = new RedisBucket({
      client: options.client,
      key: options.key,
      tokensPerInterval,
      intervalMs,
      burstTokens: this.burstTokens,
      minIntervalMs: checkNumber('minIntervalMs', options.minIntervalMs, 0, { min: 0 }),
      maxConcurrency,
      leaseTtlMs: checkNumber('leaseTtlMs', options.leaseTtlMs, 60_000, { min: 1, integer: true }),
      pollMs: SLOT_POLL_MS,
    });
    this.#clock = options.clock ?? realClock;
    this.#onClose = options.onClose;
    // Without a handler, background failures still surface: the next acquire asks Redis again and rejects.
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Acquisitions of this process waiting for their turn. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Waits for `cost` tokens of the shared budget. Rejects with a retryable
   * `SourceError` (`RATE_LIMITER_UNAVAILABLE`) when Redis cannot be asked,
   * with `CancelledError` when `signal` aborts or the limiter closes.
   */
  acquire(cost = 1, signal?: AbortSignal): Promise<() => void> {
    const invalid = badCost(cost, this.burstTokens);
    if (invalid !== undefined) return Promise.reject(invalid);
    if (signal?.aborted || this.#closed) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        resolve,
        reject,
        signal,
        onAbort: () => {
          if (this.#drop(waiter)) reject(new CancelledError());
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /**
   * Pauses every process sharing the key for `ms` (default
   * `penaltyBackoffMs`): this one at once, the others from their next ask.
   */
  penalize(ms = this.penaltyBackoffMs): void {
    if (this.#closed) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
    this.#bucket.penalize(ms).catch((error: unknown) => this.#onError(asError(error)));
    this.#pump();
  }

  /** Rejects waiters with `CancelledError`, stops timers and runs `onClose` once. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#cancelTimer();
      for (const waiter of this.#queue.splice(0)) {
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.reject(new CancelledError('rate limiter closed'));
      }
      await this.#onClose?.();
    })();
    return this.#closed;
  }

  #drop(waiter: Waiter): boolean {
    const at = this.#queue.indexOf(waiter);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return true;
  }

  #pump(): void {
    if (this.#asking || this.#closed || this.#timer !== undefined) return;
    const head = this.#queue[0];
    if (head === undefined || this.#inFlight >= this.#localSemaphore) return;
    const now = this.#clock.now();
    if (this.#pausedUntil > now) {
      this.#schedule(this.#pausedUntil);
      return;
    }
    this.#asking = true;
    const leaseId = this.#usesLeases ? `${this.#leasePrefix}:${++this.#leaseCounter}` : '';
    this.#bucket.take(head.cost, leaseId).then(
      (result) => {
        this.#asking = false;
        if (!result.granted) {
          this.#schedule(this.#clock.now() + Math.max(1, result.waitMs));
          return;
        }
        if (this.#drop(head) && !this.#closed) this.#start(head, leaseId);
        // Cancelled while Redis answered: its tokens are spent, only the slot comes back.
        else this.#releaseLease(leaseId);
        this.#pump();
      },
      (error: unknown) => {
        this.#asking = false;
        if (this.#drop(head)) {
          head.reject(
            new SourceError(
              `rate limiter '${this.key}': Redis did not answer: ${asError(error).message}`,
              { code: 'RATE_LIMITER_UNAVAILABLE', retryable: true, cause: error },
            ),
          );
        }
        this.#pump();
      },
    );
  }

  #start(waiter: Waiter, leaseId: string): void {
    this.#inFlight++;
    let released = false;
    waiter.resolve(() => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.#releaseLease(leaseId);
      this.#pump();
    });
  }

  #releaseLease(leaseId: string): void {
    if (leaseId === '') return;
    this.#bucket.release(leaseId).catch((error: unknown) => this.#onError(asError(error)));
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      this.#clock.clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }
}

function checkSlots(name: string, value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  return checkNumber(name, value, Number.POSITIVE_INFINITY, { min: 1, integer: true });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
