import type { FeedConfig } from '../config/schema.js';
import { createCcxtFetcher } from './ccxt-fetcher.js';
import type { DataFetcher } from './data-fetcher.js';
import { createSimFetcher } from './sim-fetcher.js';

/** The fetcher a configured feed describes: the in-process sim, or any ccxt exchange. */
export function createFeedFetcher(feed: FeedConfig, nowMs?: () => number): DataFetcher {
  if (feed.exchange === 'sim' && feed.api_url === undefined) {
    return createSimFetcher({ source: feed.source, ...(nowMs ? { nowMs } : {}) });
  }
  // The sim served over HTTP is Binance-shaped, so ccxt's binance client talks to it.
  const exchange = feed.exchange === 'sim' ? 'binance' : feed.exchange;
  const limit = feed.rate_limit;
  const retry = feed.retry;
  return createCcxtFetcher({
    source: feed.source,
    exchange,
    options: feed.options,
    ...(feed.api_url === undefined ? {} : { apiUrl: feed.api_url }),
    concurrency: feed.concurrency,
    timeoutMs: feed.timeout_ms,
    ...(nowMs ? { nowMs } : {}),
    ...(limit === undefined
      ? {}
      : {
          rateLimit: {
            tokensPerInterval: limit.tokens_per_interval,
            intervalMs: limit.interval_ms,
            ...(limit.burst_tokens === undefined ? {} : { burstTokens: limit.burst_tokens }),
            maxConcurrency: limit.max_concurrency,
            minIntervalMs: limit.min_interval_s * 1000,
            penaltyBackoffMs: limit.penalty_backoff_ms,
            requestWeight: limit.request_weight,
          },
        }),
    ...(retry === undefined
      ? {}
      : {
          retry: {
            maxAttempts: retry.max_attempts,
            retryBackoffMs: retry.retry_backoff_ms,
            maxDelayMs: retry.max_delay_ms,
            jitterRatio: retry.jitter_ratio,
          },
        }),
  });
}
