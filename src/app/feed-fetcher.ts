import { findFeed } from '../config/feeds.js';
import { defaultArchiveUrl, type FeedConfig, type GaplessConfig } from '../config/schema.js';
import type { Series } from '../core/series.js';
import { createArchiveFetcher } from '../sources/archive/archive-fetcher.js';
import { createBinanceKlinesFetcher } from '../sources/binance-klines-fetcher.js';
import { createCcxtFetcher } from '../sources/ccxt-fetcher.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { createPolygonFetcher } from '../sources/polygon-fetcher.js';
import type { LimiterConfig } from '../sources/rate-limit/create-limiter.js';
import type { RetryOptions } from '../sources/retry.js';
import { createSimFetcher } from '../sources/sim-fetcher.js';

/**
 * The fetcher a configured feed describes: the in-process sim, Polygon.io
 * (`exchange: polygon`), plain Binance klines (`exchange: binance-klines`), or any ccxt exchange;
 * behind bulk archives when the feed has one (`archive`, see `defaultArchiveUrl`).
 */
export function createFeedFetcher(feed: FeedConfig, nowMs?: () => number): DataFetcher {
  const rest = createRestFetcher(feed, nowMs);
  if (feed.archive === false) return rest;
  if (feed.archive === undefined && feed.exchange !== 'binance') return rest;
  const url = feed.archive?.url ?? defaultArchiveUrl(feed);
  if (url === undefined) return rest;
  return createArchiveFetcher({
    rest,
    baseUrl: url,
    market: feed.archive?.market,
    downloadConcurrency: feed.archive?.download_concurrency,
    crossCheckBars: feed.archive?.cross_check_bars,
    timeoutMs: feed.archive?.timeout_ms,
  });
}

/** The feed's REST fetcher: what serves everything an archive does not. */
function createRestFetcher(feed: FeedConfig, nowMs?: () => number): DataFetcher {
  const clock = nowMs ? { nowMs } : {};
  const baseUrl = feed.api_url === undefined ? {} : { baseUrl: feed.api_url };
  const retry = feed.retry === undefined ? {} : { retry: retryOptionsOf(feed.retry) };
  if (feed.exchange === 'binance-klines') {
    return createBinanceKlinesFetcher({
      source: feed.source,
      ...baseUrl,
      ...clock,
      timeoutMs: feed.timeout_ms,
      ...retry,
    });
  }
  if (feed.exchange === 'polygon') {
    const apiKey = feed.api_key_env === undefined ? undefined : process.env[feed.api_key_env];
    return createPolygonFetcher({
      source: feed.source,
      ...baseUrl,
      ...clock,
      ...(apiKey === undefined ? {} : { apiKey }),
      timeoutMs: feed.timeout_ms,
      ...(feed.rate_limit === undefined ? {} : { rateLimit: limiterConfigOf(feed.rate_limit) }),
      ...retry,
    });
  }
  if (feed.exchange === 'sim' && feed.api_url === undefined) {
    return createSimFetcher({ source: feed.source, ...clock });
  }
  // The sim served over HTTP is Binance-shaped, so ccxt's binance client talks to it.
  const exchange = feed.exchange === 'sim' ? 'binance' : feed.exchange;
  return createCcxtFetcher({
    source: feed.source,
    exchange,
    options: feed.options,
    ...(feed.api_url === undefined ? {} : { apiUrl: feed.api_url }),
    concurrency: feed.concurrency,
    timeoutMs: feed.timeout_ms,
    ...clock,
    ...(feed.rate_limit === undefined ? {} : { rateLimit: limiterConfigOf(feed.rate_limit) }),
    ...retry,
  });
}

/** A feed's `rate_limit` block as limiter options (what the fetchers and `createLimiter` take). */
export function limiterConfigOf(
  limit: NonNullable<FeedConfig['rate_limit']>,
): LimiterConfig & { requestWeight?: number } {
  return {
    tokensPerInterval: limit.tokens_per_interval,
    intervalMs: limit.interval_ms,
    ...(limit.burst_tokens === undefined ? {} : { burstTokens: limit.burst_tokens }),
    maxConcurrency: limit.max_concurrency,
    minIntervalMs: limit.min_interval_s * 1000,
    penaltyBackoffMs: limit.penalty_backoff_ms,
    ...(limit.request_weight === undefined ? {} : { requestWeight: limit.request_weight }),
    ...(limit.scope === undefined ? {} : { scope: limit.scope }),
    ...(limit.redis_dsn === undefined ? {} : { redisDsn: limit.redis_dsn }),
    ...(limit.key_template === undefined ? {} : { keyTemplate: limit.key_template }),
    ...(limit.account === undefined ? {} : { account: limit.account }),
    ...(limit.key_suffix === undefined ? {} : { keySuffix: limit.key_suffix }),
    ...(limit.local_semaphore === undefined ? {} : { localSemaphore: limit.local_semaphore }),
  };
}

/** A feed's `retry` block as retry options (`withRetry`). */
export function retryOptionsOf(retry: NonNullable<FeedConfig['retry']>): RetryOptions {
  return {
    maxAttempts: retry.max_attempts,
    retryBackoffMs: retry.retry_backoff_ms,
    maxDelayMs: retry.max_delay_ms,
    jitterRatio: retry.jitter_ratio,
    maxRetryAfterMs: retry.max_retry_after_ms,
  };
}

/** The configured feeds' fetchers, one per source, made on first use. */
export interface FeedFetchers {
  /** The fetcher of the series' feed (`UNKNOWN_FEED` when none is configured). */
  fetcherFor(series: Series): DataFetcher;
  /** Closes every fetcher made so far. */
  close(): Promise<void>;
}

/** One fetcher per configured feed, shared by every series of that feed (and its rate limit). */
export function feedFetchers(config: GaplessConfig, nowMs?: () => number): FeedFetchers {
  const made = new Map<string, DataFetcher>();
  return {
    fetcherFor(series) {
      let fetcher = made.get(series.source);
      if (fetcher === undefined) {
        fetcher = createFeedFetcher(findFeed(config, series.source), nowMs);
        made.set(series.source, fetcher);
      }
      return fetcher;
    },
    async close() {
      await Promise.all([...made.values()].map((f) => f.close?.()));
      made.clear();
    },
  };
}
