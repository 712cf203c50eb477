import { createRequire } from 'node:module';
import { ConfigError } from '../../core/errors.js';
import { renderKeyTemplate } from '../../core/key-template.js';
import { RateLimiter, type RateLimiterOptions, rateLimiterFor } from '../rate-limiter.js';
import type { Limiter, LimiterScope } from './limiter.js';
import { RedisRateLimiter } from './redis-limiter.js';

/** A feed's limiter settings (the camelCase form of the `rate_limit` YAML block). */
export interface LimiterConfig extends RateLimiterOptions {
  /**
   * Who shares the budget.
   * @default 'cluster' when `redisDsn` or `REDIS_URL` is set, else 'process'
   */
  scope?: LimiterScope;
  /** Redis for `cluster` scope, e.g. `redis://127.0.0.1:6379`; `REDIS_URL` when absent. */
  redisDsn?: string;
  /**
   * Key of the shared limiter (process and cluster scope).
   * @default DEFAULT_KEY_TEMPLATE
   */
  keyTemplate?: string;
  /** Fills `{account}`, e.g. to give each API key its own budget. */
  account?: string;
  /** Fills `{key_suffix}` / `{suffix}`. */
  keySuffix?: string;
  /**
   * Requests in flight at once in this process, in any scope (in `cluster`
   * scope `maxConcurrency` counts the whole cluster).
   * @default maxConcurrency
   */
  localSemaphore?: number;
}

/** What the fetcher knows about the limiter's user, for the key and the connection. */
export interface LimiterContext {
  /** Fills `{exchange}`, e.g. `binance`. */
  exchange: string;
  /** Fills `{exchange_id}` (the ccxt id); `exchange` when absent. */
  exchangeId?: string;
  /** Fills `{api_url}`. */
  apiUrl?: string;
  /** Where `REDIS_URL` is read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives failures of background Redis calls and connection errors. */
  onError?: (error: Error) => void;
}

/**
 * Key of a limiter when no `key_template` is configured: one budget per
 * exchange, account and API origin.
 */
export const DEFAULT_KEY_TEMPLATE = 'ccxt:{exchange}:{account?}:{api_url?}';

/** The scope a config asks for, defaulting to `cluster` when a Redis is configured. */
export function resolveScope(config: LimiterConfig, context: LimiterContext): LimiterScope {
  if (config.scope !== undefined) return config.scope;
  return redisDsnOf(config, context) === undefined ? 'process' : 'cluster';
}

/** The shared key of a limiter: its `keyTemplate` filled from the config and context. */
export function limiterKey(config: LimiterConfig, context: LimiterContext): string {
  return renderKeyTemplate(config.keyTemplate ?? DEFAULT_KEY_TEMPLATE, {
    exchange: context.exchange,
    exchange_id: context.exchangeId ?? context.exchange,
    account: config.account,
    key_suffix: config.keySuffix,
    api_url: context.apiUrl,
  });
}

interface Shared {
  limiter: RedisRateLimiter;
  users: number;
}

const CLUSTER = new Map<string, Shared>();

// ioredis is loaded by the first cluster limiter, not with this module: it is ~7 MB of
// heap (and ~25 MB of RSS) that every process without a Redis would carry and mark at
// every full GC. A require keeps building a limiter synchronous.
const require = createRequire(import.meta.url);

/**
 * The limiter a config describes: a new `RateLimiter` (`local`), the
 * process's one for the key (`process`), or the process's handle on the
 * Redis-backed one for the key (`cluster`; the connection closes when the
 * last user calls `close()`). Throws `ConfigError` when `cluster` scope has
 * no Redis, `InvalidArgumentError` for bad numbers or key templates.
 * @example
 * const limiter = createLimiter({ scope: 'cluster', tokensPerInterval: 40, intervalMs: 1000 }, { exchange: 'binance' });
 */
export function createLimiter(config: LimiterConfig, context: LimiterContext): Limiter {
  const scope = resolveScope(config, context);
  const maxConcurrency = Math.min(
    config.maxConcurrency ?? Number.POSITIVE_INFINITY,
    config.localSemaphore ?? Number.POSITIVE_INFINITY,
  );
  const localOptions: RateLimiterOptions = {
    ...pickBucket(config),
    ...(Number.isFinite(maxConcurrency) ? { maxConcurrency } : {}),
  };
  if (scope === 'local') return new RateLimiter(localOptions);
  const key = limiterKey(config, context);
  if (scope === 'process') {
    const shared = rateLimiterFor(key, localOptions);
    // Other fetchers may still use it: closing one user leaves it running.
    return {
      penaltyBackoffMs: shared.penaltyBackoffMs,
      acquire: (cost, signal) => shared.acquire(cost, signal),
      penalize: (ms) => shared.penalize(ms),
      close: async () => undefined,
    };
  }
  const dsn = redisDsnOf(config, context);
  if (dsn === undefined) {
    throw new ConfigError(
      "rate_limit.redis_dsn: scope 'cluster' needs redis_dsn or the REDIS_URL environment variable",
    );
  }
  return clusterHandle(dsn, key, config, context);
}

function clusterHandle(
  dsn: string,
  key: string,
  config: LimiterConfig,
  context: LimiterContext,
): Limiter {
  const id = `${dsn}\n${key}`;
  let shared = CLUSTER.get(id);
  if (shared === undefined) {
    const { Redis } = require('ioredis') as typeof import('ioredis');
    const client = new Redis(dsn, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 2,
    });
    // Connection errors also reject the commands that need the connection; those reach callers.
    client.on('error', (error: Error) => context.onError?.(error));
    const limiter = new RedisRateLimiter({
      client,
      key,
      ...pickBucket(config),
      ...(config.localSemaphore === undefined ? {} : { localSemaphore: config.localSemaphore }),
      ...(config.maxConcurrency === undefined ? {} : { maxConcurrency: config.maxConcurrency }),
      ...(context.onError === undefined ? {} : { onError: context.onError }),
      onClose: async () => {
        if (client.status === 'wait' || client.status === 'end') client.disconnect();
        else await client.quit().catch(() => client.disconnect());
      },
    });
    shared = { limiter, users: 0 };
    CLUSTER.set(id, shared);
  }
  const entry = shared;
  entry.users++;
  let closed = false;
  return {
    penaltyBackoffMs: entry.limiter.penaltyBackoffMs,
    acquire: (cost, signal) => entry.limiter.acquire(cost, signal),
    penalize: (ms) => entry.limiter.penalize(ms),
    close: async () => {
      if (closed) return;
      closed = true;
      if (--entry.users > 0) return;
      CLUSTER.delete(id);
      await entry.limiter.close();
    },
  };
}

function pickBucket(config: LimiterConfig): Omit<RateLimiterOptions, 'maxConcurrency'> {
  const out: Omit<RateLimiterOptions, 'maxConcurrency'> = {};
  if (config.tokensPerInterval !== undefined) out.tokensPerInterval = config.tokensPerInterval;
  if (config.intervalMs !== undefined) out.intervalMs = config.intervalMs;
  if (config.burstTokens !== undefined) out.burstTokens = config.burstTokens;
  if (config.minIntervalMs !== undefined) out.minIntervalMs = config.minIntervalMs;
  if (config.penaltyBackoffMs !== undefined) out.penaltyBackoffMs = config.penaltyBackoffMs;
  if (config.clock !== undefined) out.clock = config.clock;
  return out;
}

function redisDsnOf(config: LimiterConfig, context: LimiterContext): string | undefined {
  const env = context.env ?? process.env;
  return config.redisDsn ?? (env.REDIS_URL || undefined);
}
