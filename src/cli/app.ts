import { findFeed } from '../config/feeds.js';
import { loadConfig } from '../config/load-config.js';
import type { GaplessConfig } from '../config/schema.js';
import type { Series } from '../core/series.js';
import { HistoryProvider } from '../provider/history-provider.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { createFeedFetcher } from '../sources/feed-fetcher.js';
import { type EmbeddedStore, openEmbeddedStore } from '../storage/embedded-store.js';

/** Flags every command shares. */
export interface CommonFlags {
  config?: string;
  dataDir?: string;
}

/** What a command works with: configuration, store, one fetcher per feed. */
export interface App {
  readonly config: GaplessConfig;
  readonly store: EmbeddedStore;
  /** A provider for the series' feed, sharing that feed's fetcher (and rate limit). */
  providerFor(series: Series): HistoryProvider;
  close(): Promise<void>;
}

/** Loads the configuration and opens the store; call `close` when done. */
export async function openApp(flags: CommonFlags): Promise<App> {
  const config = loadConfig({ path: flags.config, dataDir: flags.dataDir });
  const store = await openEmbeddedStore({ dataDir: config.data_dir });
  const fetchers = new Map<string, DataFetcher>();
  const fetcherFor = (source: string): DataFetcher => {
    let fetcher = fetchers.get(source);
    if (fetcher === undefined) {
      fetcher = createFeedFetcher(findFeed(config, source));
      fetchers.set(source, fetcher);
    }
    return fetcher;
  };
  return {
    config,
    store,
    providerFor: (series) => new HistoryProvider({ store, fetcher: fetcherFor(series.source) }),
    async close() {
      await Promise.all([...fetchers.values()].map((f) => f.close?.()));
      await store.close();
    },
  };
}
