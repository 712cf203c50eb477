import { setImmediate as flush } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidArgumentError } from '../core/errors.js';
import { type LimiterClock, RateLimiter, rateLimiterFor } from './rate-limiter.js';

/** A clock that only moves when told; timers fire in order as it moves. */
class ManualClock implements LimiterClock {
  #now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  /** Moves to `untilMs`, firing due timers one by one and letting promises settle between. */
  async advanceTo(untilMs: number): Promise<void> {
    await flush();
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (!due || entry[1].at < due[1].at) due = entry;
      if (due === undefined || due[1].at > untilMs) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
      await flush();
    }
    this.#now = untilMs;
    await flush();
  }
}

describe('RateLimiter', () => {
  it('never starts more than tokensPerInterval in any window, yet uses >= 95% of it', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      tokensPerInterval: 100,
      intervalMs: 1_000,
      burstTokens: 4,
      clock,
    });
    const starts: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      void limiter.acquire(i % 3 === 0 ? 2 : 1).then((release) => {
        starts.push(clock.now());
        release();
      });
    }
    const costs = Array.from({ length: 2_000 }, (_, i) => (i % 3 === 0 ? 2 : 1));
    await clock.advanceTo(20_000);
    for (let i = 0; i < starts.length; i++) {
      let cost = 0;
      for (let j = i; j < starts.length && starts[j]! < starts[i]! + 1_000; j++) cost += costs[j]!;
      expect(cost).toBeLessThanOrEqual(100);
    }
    // Steady state: the cost started over 10 s is close to the budget of 10 windows.
    let steady = 0;
    for (let i = 0; i < starts.length; i++)
      if (starts[i]! >= 5_000 && starts[i]! < 15_000) steady += costs[i]!;
    expect(steady).toBeGreaterThanOrEqual(950);
    expect(steady).toBeLessThanOrEqual(1_000);
  });

  it('serves waiters first in, first out, even when a later one is cheaper', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      tokensPerInterval: 20,
      intervalMs: 1_000,
      burstTokens: 5,
      clock,
    });
    const order: string[] = [];
    const take = (name: string, cost: number) =>
      limiter.acquire(cost).then((release) => {
        order.push(name);
        release();
      });
    void take('a', 5);
    void take('b', 5);
    void take('c', 1);
    await clock.advanceTo(5_000);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('bounds concurrency until releases', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      tokensPerInterval: 1_000,
      burstTokens: 50,
      maxConcurrency: 2,
      clock,
    });
    const releases: (() => void)[] = [];
    for (let i = 0; i < 3; i++) void limiter.acquire().then((r) => releases.push(r));
    await clock.advanceTo(1);
    expect(releases).toHaveLength(2);
    releases[0]!();
    releases[0]!();
    await clock.advanceTo(2);
    expect(releases).toHaveLength(3);
  });

  it('pauses everyone after penalize and honours minIntervalMs', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      tokensPerInterval: 1_000,
      burstTokens: 50,
      minIntervalMs: 100,
      clock,
    });
    const starts: number[] = [];
    limiter.penalize(2_000);
    for (let i = 0; i < 3; i++) {
      void limiter.acquire().then((release) => {
        starts.push(clock.now());
        release();
      });
    }
    await clock.advanceTo(10_000);
    expect(starts).toEqual([2_000, 2_100, 2_200]);
  });

  it('cancels a waiter through its signal', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      tokensPerInterval: 2,
      burstTokens: 1,
      intervalMs: 1_000,
      clock,
    });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(1, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(limiter.pending).toBe(0);
  });

  it('validates options p-queue style', () => {
    expect(() => new RateLimiter({ tokensPerInterval: 0 })).toThrow(
      new InvalidArgumentError('Expected `tokensPerInterval` to be a finite number >= 1, got `0`'),
    );
    expect(() => new RateLimiter({ tokensPerInterval: 10, burstTokens: 10 })).toThrow(
      /burstTokens/,
    );
    expect(() => new RateLimiter({ maxConcurrency: 1.5 })).toThrow(/maxConcurrency/);
  });

  it('shares one limiter per key', () => {
    expect(rateLimiterFor('k1', { tokensPerInterval: 10 })).toBe(rateLimiterFor('k1'));
    expect(rateLimiterFor('k2')).not.toBe(rateLimiterFor('k1'));
  });
});
