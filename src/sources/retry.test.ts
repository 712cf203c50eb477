import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidArgumentError, SourceError } from '../core/errors.js';
import { withRetry } from './retry.js';

const retryable = (retryAfterMs?: number) =>
  new SourceError('HTTP 503', {
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('withRetry', () => {
  it('retries retryable errors with capped exponential backoff and jitter', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 6) throw retryable();
        return 'ok';
      },
      {
        retryBackoffMs: 100,
        maxDelayMs: 1_000,
        jitterRatio: 0.5,
        random: () => 1,
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(6);
    expect(delays).toEqual([150, 300, 600, 1_200, 1_500]);
  });

  it('lets Retry-After win and reports each retry', async () => {
    const seen: { attempt: number; delayMs: number }[] = [];
    const delays: number[] = [];
    await withRetry(
      async (attempt) => {
        if (attempt === 1) throw retryable(7_000);
        return 1;
      },
      {
        sleep: async (ms) => {
          delays.push(ms);
        },
        onRetry: ({ attempt, delayMs }) => seen.push({ attempt, delayMs }),
      },
    );
    expect(delays).toEqual([7_000]);
    expect(seen).toEqual([{ attempt: 1, delayMs: 7_000 }]);
  });

  it('throws other errors at once', async () => {
    let calls = 0;
    const permanent = new SourceError('bad symbol', { retryable: false });
    await expect(
      withRetry(async () => {
        calls++;
        throw permanent;
      }),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts naming the work and the last cause', async () => {
    const error = await withRetry(
      async () => {
        throw retryable();
      },
      { maxAttempts: 3, what: 'candle:x:BTC/USDT:1m', sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).retryable).toBe(false);
    expect((error as Error).message).toBe(
      'candle:x:BTC/USDT:1m: gave up after 3 attempts; last error: HTTP 503',
    );
  });

  it('cancels through the signal, also while waiting', async () => {
    const controller = new AbortController();
    const pending = withRetry(
      async () => {
        throw retryable();
      },
      { signal: controller.signal, retryBackoffMs: 60_000 },
    );
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });

  it('validates options p-queue style', async () => {
    await expect(withRetry(async () => 1, { maxAttempts: 0 })).rejects.toThrow(
      new InvalidArgumentError('Expected `maxAttempts` to be an integer >= 1, got `0`'),
    );
    await expect(withRetry(async () => 1, { jitterRatio: 2 })).rejects.toThrow(/jitterRatio/);
  });

  it('honours Retry-After up to maxRetryAfterMs, then fails at once saying what was asked', async () => {
    const reasons: string[] = [];
    let calls = 0;
    const throttled = (ms: number) =>
      new SourceError('HTTP 429', {
        code: 'SOURCE_THROTTLED',
        retryable: true,
        retryAfterMs: ms,
        httpStatus: 429,
      });
    const error = await withRetry(
      async () => {
        calls++;
        throw throttled(calls === 1 ? 60_000 : 86_400_000);
      },
      {
        what: 'candle:x:BTC/USDT:1m',
        onRetry: (info) => reasons.push(`${info.reason} ${info.delayMs} ${info.httpStatus}`),
        sleep: async () => {},
      },
    ).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(reasons).toEqual(['retry-after 60000 429']);
    expect(error).toMatchObject({ code: 'SOURCE_RETRY_AFTER_TOO_LONG', retryable: false });
    expect((error as Error).message).toBe(
      'candle:x:BTC/USDT:1m: the exchange asked to wait 86400 s (HTTP 429), more than retry.max_retry_after_ms (300 s); try again later',
    );
  });
});
