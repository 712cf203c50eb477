/** @module What a backfill would fetch: pages, archive files, request weight and an ETA, before it runs. */
import { archivePlanOf, feedArchive, requestWeightOf } from '../app/feed-fetcher.js';
import type { FeedConfig } from '../config/schema.js';
import type { Range } from '../core/range-math.js';
import { type Series, seriesStepMs } from '../core/series.js';
import { DAY_MS } from '../core/time.js';

/** The plan of one backfill over the ranges still missing. */
export interface BackfillPlan {
  /** Pages the fetch yields: a REST request each, or an archive file each. */
  readonly pages: number;
  /** Of `pages`, the archive files (monthly and daily) of an archive-backed feed. */
  readonly archiveFiles: number;
  /**
   * False when the count is a lower bound (trades paged by time, an exchange
   * whose page size we do not know, an archive file with a hole that REST fills).
   */
  readonly pagesExact: boolean;
  /**
   * Rate-limit tokens the REST requests cost (`requests * request_weight`):
   * REST pages, and each monthly file's cross-check sample; archive files cost none.
   */
  readonly requestWeight: number;
  /**
   * Seconds the feed's rate limit needs to let the requests through (after the
   * burst), or null when the feed has no configured rate limit (the in-process sim).
   */
  readonly etaS: number | null;
}

// Candles one request returns, by exchange; the same numbers the fetchers use.
const CANDLES_PER_PAGE: Readonly<Record<string, number>> = {
  sim: 1000, // served over HTTP in Binance's shape
  binance: 1000,
  'binance-klines': 1000,
  binanceus: 1000,
  bybit: 1000,
  okx: 300,
  kraken: 720,
  polygon: 50_000,
};
const TRADE_WINDOW_MS = 3_600_000;

/**
 * Counts the pages a fetch of `missing` takes with this feed's fetcher: the
 * in-process sim yields one page per UTC day piece; HTTP fetchers cut candle
 * ranges into windows of one full page and trades into hour windows; an
 * archive-backed feed takes whole months and days from archive files (a page
 * each) and the rest over REST.
 */
export function planBackfill(
  feed: FeedConfig,
  series: Series,
  missing: readonly Range[],
): BackfillPlan {
  let pages = 0;
  let archiveFiles = 0;
  let requests = 0;
  let pagesExact = true;
  const inProcessSim = feed.exchange === 'sim' && feed.api_url === undefined;
  // Each monthly candle file is checked against a few bars fetched over REST.
  const crossChecked = series.kind === 'candle' && (feedArchive(feed)?.cross_check_bars ?? 0) > 0;
  const restPages = (range: Range) => {
    if (inProcessSim) return Math.ceil(range.endMs / DAY_MS) - Math.floor(range.startMs / DAY_MS);
    if (series.kind === 'candle') {
      const perPage = CANDLES_PER_PAGE[feed.exchange];
      if (perPage === undefined) pagesExact = false;
      return Math.ceil((range.endMs - range.startMs) / ((perPage ?? 500) * seriesStepMs(series)));
    }
    // A busy hour takes more than one page: this is the least it can take.
    pagesExact = false;
    return Math.ceil((range.endMs - range.startMs) / TRADE_WINDOW_MS);
  };
  for (const range of missing) {
    for (const piece of archivePlanOf(feed, series, range) ?? [
      { via: 'rest' as const, ...range },
    ]) {
      if (piece.via === 'rest') {
        const n = restPages(piece);
        pages += n;
        requests += n;
        continue;
      }
      pages++;
      archiveFiles++;
      // A file's hole longer than an hour is fetched over REST: more pages, never fewer.
      pagesExact = false;
      if (piece.via === 'monthly' && crossChecked) requests++;
    }
  }
  const limit = inProcessSim ? undefined : feed.rate_limit;
  const weightEach = requestWeightOf(feed);
  const requestWeight = requests * weightEach;
  let etaS: number | null = null;
  if (limit !== undefined) {
    const burst = limit.burst_tokens ?? Math.max(1, Math.floor(limit.tokens_per_interval / 20));
    const waitTokens = Math.max(0, requestWeight - burst);
    etaS = Math.ceil((waitTokens / limit.tokens_per_interval) * limit.interval_ms) / 1000;
  }
  return { pages, archiveFiles, pagesExact, requestWeight, etaS };
}
