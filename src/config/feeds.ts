import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { parseGranularity } from '../core/granularity.js';
import { makeSeries, type Series } from '../core/series.js';
import type { FeedConfig, GaplessConfig } from './schema.js';

/** Which series of the configured feeds to work on; absent fields mean all. */
export interface SeriesSelection {
  /** Feed source names. */
  feeds?: readonly string[] | undefined;
  /** Subjects, or `*` for every configured one. */
  subjects?: readonly string[] | undefined;
  kinds?: readonly string[] | undefined;
  granularities?: readonly string[] | undefined;
}

/** The feed with this source name, or `NotFoundError` (`UNKNOWN_FEED`) listing the known ones. */
export function findFeed(config: GaplessConfig, source: string): FeedConfig {
  const feed = config.feeds.find((f) => f.source === source);
  if (feed === undefined) {
    throw new NotFoundError(
      `unknown feed '${source}' (configured: ${config.feeds.map((f) => f.source).join(', ')})`,
      'UNKNOWN_FEED',
    );
  }
  return feed;
}

/** Every configured series matching the selection, validated; unknown names are errors. */
export function selectSeries(config: GaplessConfig, selection: SeriesSelection = {}): Series[] {
  const feeds = selection.feeds?.map((f) => findFeed(config, f)) ?? config.feeds;
  const wantAll = (list: readonly string[] | undefined) =>
    list === undefined || list.length === 0 || list.includes('*');
  const granularities = selection.granularities?.map((g) => parseGranularity(g));
  for (const kind of selection.kinds ?? []) {
    if (kind !== 'candle' && kind !== 'trade') {
      throw new InvalidArgumentError(
        `unknown kind '${kind}' (expected candle or trade)`,
        'BAD_KIND',
      );
    }
  }
  for (const granularity of granularities ?? []) {
    const candleFeeds = feeds.filter((f) => f.kinds.includes('candle'));
    if (candleFeeds.some((f) => f.granularities.map(parseGranularity).includes(granularity))) {
      continue;
    }
    const configured = candleFeeds
      .map((f) => (feeds.length === 1 ? '' : `${f.source}: `) + f.granularities.join(', '))
      .join('; ');
    const where = feeds.length === 1 ? ` for feed '${feeds[0]!.source}'` : '';
    throw new NotFoundError(
      `granularity '${granularity}' is not configured${where} (configured: ${configured || 'none'})`,
      'UNKNOWN_GRANULARITY',
    );
  }
  const out: Series[] = [];
  for (const feed of feeds) {
    const subjects = wantAll(selection.subjects) ? feed.subjects : selection.subjects!;
    for (const subject of subjects) {
      if (!feed.subjects.includes(subject)) {
        throw new NotFoundError(
          `subject '${subject}' is not configured for feed '${feed.source}' (configured: ${feed.subjects.join(', ')})`,
          'UNKNOWN_SUBJECT',
        );
      }
      for (const kind of feed.kinds) {
        if (selection.kinds?.length && !selection.kinds.includes(kind)) continue;
        if (kind === 'trade') {
          out.push(makeSeries({ source: feed.source, subject, kind }));
          continue;
        }
        for (const granularity of feed.granularities) {
          if (granularities && !granularities.includes(parseGranularity(granularity))) continue;
          out.push(makeSeries({ source: feed.source, subject, kind, granularity }));
        }
      }
    }
  }
  if (out.length === 0) {
    throw new NotFoundError('no configured series match the selection', 'NO_SERIES');
  }
  return out;
}
