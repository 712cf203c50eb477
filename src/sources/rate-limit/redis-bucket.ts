import { createHash } from 'node:crypto';

/**
 * The part of a Redis client the cluster limiter uses (ioredis fits); tests
 * and other drivers only need these two calls.
 */
export interface RedisScriptClient {
  evalsha(sha1: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// Server time in whole ms, unless a test passes one: every machine reads the
// same clock, so their own clocks may drift freely.
const NOW = `
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The token bucket of `RateLimiter`, kept in one hash: capacity `burst`,
 * refilled at `(limit - burst) / interval` per ms, so the cost started in any
 * window of `interval` is at most `limit`. Also the penalty pause, the least
 * gap between starts, and (when `max_in_flight > 0`) leases of requests in
 * flight in a sorted set scored by expiry.
 * ARGV: now, cost, limit, interval, burst, min_gap, max_in_flight, lease, lease_ttl, poll.
 * Returns {1, 0} when granted, else {0, ms to wait}.
 */
const TAKE = `${NOW}
local cost = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local min_gap = tonumber(ARGV[6])
local max_in_flight = tonumber(ARGV[7])
local rate = (limit - burst) / interval
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'paused_until', 'last_start')
local tokens = tonumber(s[1]) or burst
local at = tonumber(s[2]) or now
local paused_until = tonumber(s[3]) or 0
local last_start = tonumber(s[4])
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local wait = paused_until - now
if last_start and last_start + min_gap - now > wait then wait = last_start + min_gap - now end
if cost > tokens and (cost - tokens) / rate > wait then wait = (cost - tokens) / rate end
if wait <= 0 and max_in_flight > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= max_in_flight then wait = tonumber(ARGV[10]) end
end
if wait > 0 then return {0, math.ceil(wait)} end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', at,
  'paused_until', paused_until, 'last_start', now)
local ttl = math.max(burst / rate, paused_until - now, min_gap, interval)
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl) + 1000)
if max_in_flight > 0 then
  local lease_ttl = tonumber(ARGV[9])
  redis.call('ZADD', KEYS[2], now + lease_ttl, ARGV[8])
  redis.call('PEXPIRE', KEYS[2], lease_ttl + 1000)
end
return {1, 0}
`;

/** ARGV: now, ms. Pauses every taker until now + ms (never shortens a pause); returns its end. */
const PENALIZE = `${NOW}
local pause_end = now + tonumber(ARGV[2])
local current = tonumber(redis.call('HGET', KEYS[1], 'paused_until')) or 0
if pause_end > current then
  redis.call('HSET', KEYS[1], 'paused_until', pause_end)
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) + 1000 then
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
  end
end
return math.max(pause_end, current)
`;

const RELEASE = `return redis.call('ZREM', KEYS[2], ARGV[1])`;

/** Settings of a {@link RedisBucket}, checked by the caller. */
export interface RedisBucketOptions {
  /** Redis connection. */
  client: RedisScriptClient;
  /** Limiter key, e.g. `ccxt:binance`; stored under `gapless:rl:{key}`. */
  key: string;
  tokensPerInterval: number;
  intervalMs: number;
  burstTokens: number;
  minIntervalMs: number;
  /** Requests in flight cluster-wide; `Infinity` for no cap. */
  maxConcurrency: number;
  /** How long an unreleased lease (a crashed process) holds its slot. */
  leaseTtlMs: number;
  /** Wait before asking again while every slot is taken. */
  pollMs: number;
}

/** Outcome of one {@link RedisBucket.take}. */
export interface TakeResult {
  granted: boolean;
  /** When not granted: how long until it may be (server's view). */
  waitMs: number;
}

/**
 * One atomic step of the cluster-wide bucket per call, run as Lua inside
 * Redis. It never waits: it grants or says how long to wait.
 */
export class RedisBucket {
  readonly #options: RedisBucketOptions;
  readonly #keys: [string, string];

  constructor(options: RedisBucketOptions) {
    this.#options = options;
    // The hash tag keeps both keys in one slot of a Redis Cluster.
    this.#keys = [`gapless:rl:{${options.key}}`, `gapless:rl:{${options.key}}:in_flight`];
  }

  /** Takes `cost` tokens (and a slot for `leaseId`) if it may start now. `atMs` replaces server time in tests. */
  async take(cost: number, leaseId: string, atMs?: number): Promise<TakeResult> {
    const o = this.#options;
    const reply = await this.#run(TAKE, [
      atMs ?? '',
      cost,
      o.tokensPerInterval,
      o.intervalMs,
      o.burstTokens,
      o.minIntervalMs,
      Number.isFinite(o.maxConcurrency) ? o.maxConcurrency : 0,
      leaseId,
      o.leaseTtlMs,
      o.pollMs,
    ]);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new TypeError(`unexpected reply from the limiter script: ${JSON.stringify(reply)}`);
    }
    return { granted: reply[0] === 1, waitMs: reply[1] };
  }

  /** Pauses every process for `ms` from now (server time); returns the pause end in server ms. */
  async penalize(ms: number, atMs?: number): Promise<number> {
    return Number(await this.#run(PENALIZE, [atMs ?? '', Math.ceil(ms)]));
  }

  /** Frees the in-flight slot of `leaseId`. */
  async release(leaseId: string): Promise<void> {
    await this.#run(RELEASE, [leaseId]);
  }

  async #run(script: string, args: (string | number)[]): Promise<unknown> {
    const { client } = this.#options;
    try {
      return await client.evalsha(sha1(script), 2, ...this.#keys, ...args);
    } catch (error) {
      // First use on this server (or after SCRIPT FLUSH): send the body once.
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return await client.eval(script, 2, ...this.#keys, ...args);
    }
  }
}

const SHAS = new Map<string, string>();

function sha1(script: string): string {
  let sha = SHAS.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    SHAS.set(script, sha);
  }
  return sha;
}
