import { findFeed } from '../config/feeds.js';
import type { GaplessConfig } from '../config/schema.js';
import type { Series } from '../core/series.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { createFeedFetcher } from '../sources/feed-fetcher.js';
import { type EmbeddedStore, openEmbeddedStore } from '../storage/embedded-store.js';
import { HistoryProvider } from './history-provider.js';

/** The store and one fetcher per configured feed, opened once per process. */
export interface FeedProviders {
  readonly config: GaplessConfig;
  readonly store: EmbeddedStore;
  /** A provider for the series' feed, sharing that feed's fetcher (and rate limit). */
  providerFor(series: Series): HistoryProvider;
  /** Closes every fetcher and the store. */
  close(): Promise<void>;
}

/** Opens the store of `config.data_dir`; fetchers are created on first use. */
export async function openFeedProviders(
  config: GaplessConfig,
  options: { nowMs?: () => number } = {},
): Promise<FeedProviders> {
  const store = await openEmbeddedStore({ dataDir: config.data_dir });
  const fetchers = new Map<string, DataFetcher>();
  const fetcherFor = (source: string): DataFetcher => {
    let fetcher = fetchers.get(source);
    if (fetcher === undefined) {
      fetcher = createFeedFetcher(findFeed(config, source), options.nowMs);
      fetchers.set(source, fetcher);
    }
    return fetcher;
  };
  return {
    config,
    store,
    providerFor: (series) =>
      new HistoryProvider({
        store,
        fetcher: fetcherFor(series.source),
        settleMs: findFeed(config, series.source).settle_ms,
        ...(options.nowMs ? { nowMs: options.nowMs } : {}),
      }),
    async close() {
      await Promise.all([...fetchers.values()].map((f) => f.close?.()));
      await store.close();
    },
  };
}
