import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GaplessConfig } from '../config/schema.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Series } from '../core/series.js';
import type { LiveFeed } from '../seamless/live-source.js';
import {
  SeamlessDataProvider,
  type SeamlessProviderOptions,
} from '../seamless/seamless-provider.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import type { Store } from '../storage/index.js';
import { feedFetchers } from './feed-fetcher.js';

/**
 * What {@link createSeamlessProvider} builds on. A `DataRuntime` (from
 * `openDataRuntime`) fits as is: its store, fetchers and registry are used.
 */
export interface SeamlessDependencies {
  readonly store: Store;
  /** Fetcher per series; by default one per configured feed, made on first use. */
  readonly fetcherFor?: (series: Series) => DataFetcher | undefined;
  /** The runtime's registry, so `/metrics` shows the provider's metrics. */
  readonly registry?: Registry;
  readonly live?: LiveFeed;
  readonly logger?: Logger;
  readonly onError?: SeamlessProviderOptions['onError'];
  readonly nowMs?: () => number;
}

/**
 * Builds a {@link SeamlessDataProvider} from the `seamless_data_provider`
 * block of a validated configuration.
 * @example
 * const config = loadConfig();
 * const runtime = await openDataRuntime(config);
 * const provider = createSeamlessProvider(config, runtime);
 */
export function createSeamlessProvider(
  config: GaplessConfig,
  deps: SeamlessDependencies,
): SeamlessDataProvider {
  const block = config?.seamless_data_provider;
  if (block === undefined) {
    throw new InvalidArgumentError(
      'Expected a validated configuration (from loadConfig or parseConfig)',
    );
  }
  if (deps === null || typeof deps !== 'object' || deps.store === undefined) {
    throw new InvalidArgumentError('Expected `deps.store` to be a Store');
  }
  const owned = deps.fetcherFor === undefined ? feedFetchers(config, deps.nowMs) : undefined;
  const fetcherFor = deps.fetcherFor ?? owned!.fetcherFor;
  const b = block.backfill_config;
  const sla = block.sla;
  const budgets = Object.fromEntries(
    Object.entries(sla.stage_budgets_ms).filter(([, ms]) => ms !== undefined),
  );
  return new SeamlessDataProvider({
    store: deps.store,
    fetcherFor,
    live: deps.live,
    registry: deps.registry,
    strategy: block.strategy,
    enableBackgroundBackfill: block.enable_background_backfill,
    backfill: {
      windowBars: b.window_bars,
      singleFlightTtlMs: b.single_flight_ttl_ms,
      maxConcurrentRequests: b.max_concurrent_requests,
      maxQueuedRequests: b.max_queued_requests,
      maxAttempts: b.max_attempts,
      retryBackoffMs: b.retry_backoff_ms,
      jitterRatio: b.jitter_ratio,
    },
    cache:
      block.cache_ttl_s === 0
        ? false
        : {
            ttlMs: Math.round(block.cache_ttl_s * 1000),
            maxRows: block.cache_max_rows,
            maxBytes: block.cache_max_bytes,
          },
    conformance: { enabled: block.conformance.enabled, partialOk: block.conformance.partial_ok },
    sla: {
      deadlineMs: sla.deadline_ms,
      freshnessMs: sla.freshness_ms,
      stageBudgetsMs: budgets,
      onBreach: sla.on_breach,
    },
    logger: deps.logger,
    logLevel: block.log_level,
    onError: deps.onError,
    nowMs: deps.nowMs,
    closeFetchers: owned === undefined ? undefined : () => owned.close(),
  });
}
