import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The test Redis; `GAPLESS_TEST_REDIS_URL` overrides it. */
export const REDIS_URL = process.env.GAPLESS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the test Redis answers. When it does not, suites skip with a
 * visible message; with `GAPLESS_REQUIRE_SERVICES=1` (CI) that is a failure.
 */
export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (error) {
    if (process.env.GAPLESS_REQUIRE_SERVICES === '1') {
      throw new Error(
        `Redis is required but unreachable at ${REDIS_URL}: ${(error as Error).message}`,
      );
    }
    console.warn(`SKIPPED: Redis tests (no server at ${REDIS_URL})`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** A connection to the test Redis; the caller disconnects it. */
export function redisClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** A limiter key no other test run uses. */
export function uniqueKey(prefix: string): string {
  return `${prefix}:${randomBytes(6).toString('hex')}`;
}
