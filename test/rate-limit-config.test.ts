import { describe, expect, it } from 'vitest';
import { limiterConfigOf, retryOptionsOf } from '../src/app/feed-fetcher.js';
import { parseConfig } from '../src/config/load-config.js';
import {
  createLimiter,
  limiterKey,
  resolveScope,
} from '../src/sources/rate-limit/create-limiter.js';
import { backoffDelayMs, checkRetryOptions } from '../src/sources/retry.js';
import { configError } from './helpers/config-error.js';

const feed = (extra: Record<string, unknown>) => ({
  feeds: [{ source: 'b', exchange: 'binance', subjects: ['BTC/USDT'], ...extra }],
});

describe('rate_limit and retry YAML', () => {
  it('maps every key to the limiter and retry options', () => {
    const config = parseConfig(
      feed({
        rate_limit: {
          tokens_per_interval: 40,
          interval_ms: 1_000,
          burst_tokens: 2,
          request_weight: 2,
          max_concurrency: 12,
          min_interval_s: 0.05,
          penalty_backoff_ms: 1_500,
          scope: 'cluster',
          redis_dsn: 'redis://127.0.0.1:6379/2',
          key_template: 'ccxt:{exchange}:{account?}',
          account: 'main',
          key_suffix: 'x',
          local_semaphore: 4,
        },
        retry: { max_attempts: 3, retry_backoff_ms: 100, jitter_ratio: 0.5 },
      }),
    );
    const [f] = config.feeds;
    expect(limiterConfigOf(f!.rate_limit!)).toEqual({
      tokensPerInterval: 40,
      intervalMs: 1_000,
      burstTokens: 2,
      maxConcurrency: 12,
      minIntervalMs: 50,
      penaltyBackoffMs: 1_500,
      requestWeight: 2,
      scope: 'cluster',
      redisDsn: 'redis://127.0.0.1:6379/2',
      keyTemplate: 'ccxt:{exchange}:{account?}',
      account: 'main',
      keySuffix: 'x',
      localSemaphore: 4,
    });
    const retry = retryOptionsOf(f!.retry!);
    expect(retry).toEqual({
      maxAttempts: 3,
      retryBackoffMs: 100,
      maxDelayMs: 30_000,
      jitterRatio: 0.5,
      maxRetryAfterMs: 300_000,
    });
    // Deterministic exponential part plus up to jitter_ratio of it at random.
    const plan = checkRetryOptions(retry);
    expect(backoffDelayMs(plan, 3, () => 0)).toBe(400);
    expect(backoffDelayMs(plan, 3, () => 0.999_999)).toBe(600);
  });

  it('names the key, the rule and the value on bad input', () => {
    expect(configError(feed({ rate_limit: { scope: 'global' } }))).toMatch(
      /feeds\[0\]\.rate_limit\.scope: .*"local"\|"process"\|"cluster"/,
    );
    expect(configError(feed({ rate_limit: { redis_dsn: 'http://x' } }))).toMatch(
      /feeds\[0\]\.rate_limit\.redis_dsn: expected a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(configError(feed({ rate_limit: { key_template: 'ccxt:{exchnage}' } }))).toMatch(
      /feeds\[0\]\.rate_limit\.key_template: .*got `\{exchnage\}`/,
    );
    expect(
      configError(feed({ rate_limit: { tokens_per_interval: 10, burst_tokens: 10 } })),
    ).toMatch(/rate_limit\.burst_tokens: must be less than tokens_per_interval \(10\), got 10/);
    expect(
      configError(feed({ rate_limit: { tokens_per_interval: 40, request_weight: 5 } })),
    ).toMatch(/rate_limit\.request_weight: must be at most burst_tokens \(2\), got 5/);
    expect(configError(feed({ rate_limit: { local_semaphore: 0 } }))).toMatch(
      /rate_limit\.local_semaphore/,
    );
    expect(configError(feed({ rate_limit: { tokens: 5 } }))).toMatch(
      /rate_limit: unknown key 'tokens'/,
    );
    expect(configError(feed({ retry: { jitter_ratio: 2 } }))).toMatch(/retry\.jitter_ratio/);
  });
});

describe('createLimiter scopes', () => {
  const context = { exchange: 'binance', env: {} };

  it('gives each user its own limiter in local scope and one per key in process scope', async () => {
    const local = {
      scope: 'local' as const,
      tokensPerInterval: 2,
      intervalMs: 60_000,
      burstTokens: 1,
    };
    const a = createLimiter(local, context);
    const b = createLimiter(local, context);
    await a.acquire(1);
    // b has its own bucket: it starts at once although a's is empty.
    await expect(Promise.race([b.acquire(1).then(() => 'started'), tick()])).resolves.toBe(
      'started',
    );

    const shared = { ...local, scope: 'process' as const, keySuffix: String(Math.random()) };
    const keyed = { ...shared, keyTemplate: 'test:{exchange}:{suffix}' };
    const c = createLimiter(keyed, context);
    const d = createLimiter(keyed, context);
    await c.acquire(1);
    // d shares c's bucket, now empty: it waits.
    await expect(Promise.race([d.acquire(1).then(() => 'started'), tick()])).resolves.toBe('waits');
    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
  });

  it('defaults to cluster scope when a Redis is configured, and needs one for it', () => {
    expect(resolveScope({}, context)).toBe('process');
    expect(resolveScope({}, { ...context, env: { REDIS_URL: 'redis://r:6379' } })).toBe('cluster');
    expect(resolveScope({ redisDsn: 'redis://r' }, context)).toBe('cluster');
    expect(resolveScope({ scope: 'local', redisDsn: 'redis://r' }, context)).toBe('local');
    expect(() => createLimiter({ scope: 'cluster' }, context)).toThrow(
      /rate_limit\.redis_dsn: scope 'cluster' needs redis_dsn or the REDIS_URL/,
    );
  });

  it('builds the default key from exchange, account and API URL', () => {
    expect(limiterKey({}, { exchange: 'binance' })).toBe('ccxt:binance');
    expect(limiterKey({ account: 'main' }, { exchange: 'binance', apiUrl: 'http://sim:1' })).toBe(
      'ccxt:binance:main:http://sim:1',
    );
  });
});

function tick(): Promise<string> {
  return new Promise((done) => setTimeout(() => done('waits'), 30));
}
