import { findFeed } from '../config/feeds.js';
import {
  type ArchiveConfig,
  archiveSchema,
  defaultArchiveUrl,
  type FeedConfig,
  type GaplessConfig,
} from '../config/schema.js';
import type { Range } from '../core/range-math.js';
import type { Series } from '../core/series.js';
import { createArchiveFetcher } from '../sources/archive/archive-fetcher.js';
import { type PlanPiece, planSeriesArchive } from '../sources/archive/archive-plan.js';
import { createBinanceKlinesFetcher } from '../sources/binance-klines-fetcher.js';
import { CCXT_REQUEST_WEIGHT, createCcxtFetcher } from '../sources/ccxt-fetcher.js';
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
  const archive = feedArchive(feed);
  if (archive === undefined) return rest;
  return createArchiveFetcher({
    rest,
    baseUrl: archive.url,
    market: archive.market,
    downloadConcurrency: archive.download_concurrency,
    crossCheckBars: archive.cross_check_bars,
    timeoutMs: archive.timeout_ms,
  });
}

/** A feed's bulk archive with every setting resolved. */
export type FeedArchive = ArchiveConfig & { readonly url: string };

/**
 * The archive a feed reads before REST: its `archive` block, or Binance's
 * public archive for `exchange: binance`; undefined when it has none.
 */
export function feedArchive(feed: FeedConfig): FeedArchive | undefined {
  if (feed.archive === false) return undefined;
  if (feed.archive === undefined && feed.exchange !== 'binance') return undefined;
  const settings = feed.archive ?? archiveSchema.parse({});
  const url = settings.url ?? defaultArchiveUrl(feed);
  return url === undefined ? undefined : { ...settings, url };
}

/**
 * How the feed's fetcher splits `range` of `series`: archive files (monthly,
 * daily) and REST pieces; undefined for a feed without an archive.
 */
export function archivePlanOf(
  feed: FeedConfig,
  series: Series,
  range: Range,
): PlanPiece[] | undefined {
  return feedArchive(feed) === undefined ? undefined : planSeriesArchive(series, range);
}

/**
 * Rate-limit weight of one REST request of the feed: `rate_limit.request_weight`,
 * else what its fetcher counts (ccxt: {@link CCXT_REQUEST_WEIGHT}; the others: 1).
 */
export function requestWeightOf(feed: FeedConfig): number {
  const configured = feed.rate_limit?.request_weight;
  if (configured !== undefined) return configured;
  const ownFetcher =
    feed.exchange === 'binance-klines' ||
    feed.exchange === 'polygon' ||
    (feed.exchange === 'sim' && feed.api_url === undefined);
  return ownFetcher ? 1 : CCXT_REQUEST_WEIGHT;
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
