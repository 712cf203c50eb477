import { type SeriesSelection, selectSeries } from '../config/feeds.js';
import type { FeedConfig, GaplessConfig } from '../config/schema.js';
import { makeSeries, type Series } from '../core/series.js';
import type { TrackedSymbol } from './job.js';

/**
 * Every series of a tracked symbol: on each feed whose `asset_class` is the
 * symbol's, each configured kind and granularity.
 */
export function seriesForSymbol(config: GaplessConfig, tracked: TrackedSymbol): Series[] {
  const out: Series[] = [];
  for (const feed of config.feeds) {
    if (feed.asset_class !== tracked.assetClass) continue;
    out.push(...feedSeries(feed, tracked.symbol));
  }
  return out;
}

function feedSeries(feed: FeedConfig, subject: string): Series[] {
  const out: Series[] = [];
  for (const kind of feed.kinds) {
    if (kind === 'trade') out.push(makeSeries({ source: feed.source, subject, kind }));
    else {
      for (const granularity of feed.granularities) {
        out.push(makeSeries({ source: feed.source, subject, kind, granularity }));
      }
    }
  }
  return out;
}

/**
 * `selectSeries` that also knows tracked symbols: with subjects absent or
 * `*`, the configured subjects plus every active tracked symbol of each
 * selected feed's asset class; a named subject may be configured or tracked
 * (on every selected feed, as with `selectSeries`, whose errors it raises).
 * @example
 * const tracked = await repos.symbols.list({ activeOnly: true });
 * const series = trackedSeriesSelection(config, tracked, { subjects: ['*'] });
 */
export function trackedSeriesSelection(
  config: GaplessConfig,
  tracked: readonly TrackedSymbol[],
  selection: SeriesSelection = {},
): Series[] {
  const active = tracked.filter((t) => t.active);
  // Feeds extended with the tracked subjects of their asset class, so one
  // selection pass validates kinds, granularities and names for both.
  const extended: GaplessConfig = {
    ...config,
    feeds: config.feeds.map((feed) => {
      const extra = active
        .filter((t) => t.assetClass === feed.asset_class && !feed.subjects.includes(t.symbol))
        .map((t) => t.symbol);
      return { ...feed, subjects: [...feed.subjects, ...extra] };
    }),
  };
  return selectSeries(extended, selection);
}
