import { loadConfig } from '../config/load-config.js';
import { type FeedProviders, openFeedProviders } from '../app/feed-providers.js';

/** Flags every command shares. */
export interface CommonFlags {
  config?: string;
  dataDir?: string;
}

/** Loads the configuration from flags, env and file, and opens the store and feeds. */
export function openApp(flags: CommonFlags): Promise<FeedProviders> {
  return openFeedProviders(loadConfig({ path: flags.config, dataDir: flags.dataDir }));
}
