import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, SourceError } from '../src/core/errors.js';
import { RedisBucket, type RedisBucketOptions } from '../src/sources/rate-limit/redis-bucket.js';
import { RedisRateLimiter } from '../src/sources/rate-limit/redis-limiter.js';
import { redisAvailable, redisClient, uniqueKey } from './helpers/redis.js';

const available = await redisAvailable();

describe.skipIf(!available)('cluster rate limiter in Redis', () => {
  let client: Redis;
  let other: Redis;
  beforeAll(() => {
    client = redisClient();
    other = redisClient();
  });
  afterAll(async () => {
    await client.quit();
    await other.quit();
  });

  const bucket = (options: Partial<RedisBucketOptions>) =>
    new RedisBucket({
      client,
      key: uniqueKey('test:bucket'),
      tokensPerInterval: 10,
      intervalMs: 1_000,
      burstTokens: 2,
      minIntervalMs: 0,
      maxConcurrency: Number.POSITIVE_INFINITY,
      leaseTtlMs: 60_000,
      pollMs: 20,
      ...options,
    });

  it('keeps the window guarantee on a simulated clock and refills at the steady rate', async () => {
    const b = bucket({ tokensPerInterval: 10, burstTokens: 3 });
    const t0 = 1_700_000_000_000;
    const starts: { at: number; cost: number }[] = [];
    let t = t0;
    for (let i = 0; t < t0 + 10_000; ) {
      const cost = i % 3 === 0 ? 2 : 1;
      const result = await b.take(cost, '', t);
      if (result.granted) {
        starts.push({ at: t, cost });
        i++;
      } else {
        expect(result.waitMs).toBeGreaterThan(0);
        t += result.waitMs;
      }
    }
    for (let i = 0; i < starts.length; i++) {
      let cost = 0;
      for (let j = i; j < starts.length && starts[j]!.at < starts[i]!.at + 1_000; j++) {
        cost += starts[j]!.cost;
      }
      expect(cost).toBeLessThanOrEqual(10);
    }
    // 3 at once, then 7 per second: the whole budget of every later window.
    const total = starts.reduce((sum, s) => sum + s.cost, 0);
    expect(total).toBeGreaterThanOrEqual(3 + 7 * 10 - 2);
  });

  it('pauses every taker after a penalty, which a shorter one never shortens', async () => {
    const b = bucket({});
    const t0 = 1_700_000_000_000;
    expect(await b.penalize(500, t0)).toBe(t0 + 500);
    expect(await b.penalize(100, t0)).toBe(t0 + 500);
    expect(await b.take(1, '', t0 + 10)).toEqual({ granted: false, waitMs: 490 });
    expect((await b.take(1, '', t0 + 500)).granted).toBe(true);
  });

  it('caps requests in flight cluster-wide with leases that expire', async () => {
    const b = bucket({
      tokensPerInterval: 100,
      burstTokens: 50,
      maxConcurrency: 2,
      leaseTtlMs: 1_000,
    });
    const t0 = 1_700_000_000_000;
    expect((await b.take(1, 'a', t0)).granted).toBe(true);
    expect((await b.take(1, 'b', t0)).granted).toBe(true);
    expect(await b.take(1, 'c', t0)).toEqual({ granted: false, waitMs: 20 });
    await b.release('a');
    expect((await b.take(1, 'c', t0)).granted).toBe(true);
    // b and c were never released (a crashed process): their slots free when the leases expire.
    expect((await b.take(1, 'd', t0 + 999)).granted).toBe(false);
    expect((await b.take(1, 'd', t0 + 1_001)).granted).toBe(true);
  });

  it('shares one budget between two connections (two processes) on real time', async () => {
    const key = uniqueKey('test:limiter');
    const options = { key, tokensPerInterval: 10, intervalMs: 1_000, burstTokens: 1 };
    const a = new RedisRateLimiter({ client, ...options });
    const b = new RedisRateLimiter({ client: other, ...options });
    const starts: { at: number; by: string }[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const limiter = i % 2 === 0 ? a : b;
        return limiter.acquire(1).then((release) => {
          starts.push({ at: performance.now() - t0, by: i % 2 === 0 ? 'a' : 'b' });
          release();
        });
      }),
    );
    starts.sort((x, y) => x.at - y.at);
    for (let i = 0; i < starts.length; i++) {
      const inWindow = starts.filter((s) => s.at >= starts[i]!.at && s.at < starts[i]!.at + 1_000);
      // A little slack for timer rounding on this side; Redis itself never exceeds.
      expect(inWindow.length).toBeLessThanOrEqual(10);
    }
    // 1 at once, then 9 per second: 24 starts take about 2.5 s.
    expect(starts.at(-1)!.at).toBeGreaterThan(2_300);
    expect(starts.at(-1)!.at).toBeLessThan(3_200);
    expect(new Set(starts.map((s) => s.by)).size).toBe(2);
  });

  it('pauses the other process after one penalizes', async () => {
    const key = uniqueKey('test:limiter');
    const options = { key, tokensPerInterval: 100, intervalMs: 1_000, burstTokens: 10 };
    const a = new RedisRateLimiter({ client, ...options });
    const b = new RedisRateLimiter({ client: other, ...options });
    (await b.acquire(1))();
    a.penalize(400);
    await new Promise((done) => setTimeout(done, 20));
    const t0 = performance.now();
    (await b.acquire(1))();
    expect(performance.now() - t0).toBeGreaterThan(350);
  });

  it('cancels waiters on abort and on close', async () => {
    const limiter = new RedisRateLimiter({
      client,
      key: uniqueKey('test:limiter'),
      tokensPerInterval: 2,
      intervalMs: 60_000,
      burstTokens: 1,
    });
    (await limiter.acquire(1))();
    const controller = new AbortController();
    const aborted = limiter.acquire(1, controller.signal);
    const closed = limiter.acquire(1);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(CancelledError);
    await limiter.close();
    await expect(closed).rejects.toBeInstanceOf(CancelledError);
    await expect(limiter.acquire(1)).rejects.toBeInstanceOf(CancelledError);
  });

  it('rejects with a retryable error naming the key when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const limiter = new RedisRateLimiter({ client: dead, key: 'test:dead' });
    const error = await limiter.acquire(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toMatch(/rate limiter 'test:dead': Redis did not answer/);
    dead.disconnect();
  });

  it('validates options p-queue style', () => {
    expect(
      () => new RedisRateLimiter({ client, key: 'k', tokensPerInterval: 5, burstTokens: 5 }),
    ).toThrow(/burstTokens/);
    expect(() => new RedisRateLimiter({ client, key: 'k', localSemaphore: 0 })).toThrow(
      'Expected `localSemaphore` to be an integer >= 1, got `0`',
    );
    expect(() => new RedisRateLimiter({ client, key: '' })).toThrow(/`key`/);
  });
});
