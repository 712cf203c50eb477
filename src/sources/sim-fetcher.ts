import { CancelledError, InvalidArgumentError, SourceError } from '../core/errors.js';
import { floorToBar } from '../core/granularity.js';
import { makeRange } from '../core/range-math.js';
import type { Page } from '../core/rows.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { DAY_MS } from '../core/time.js';
import { SimMarket } from '../sim/market.js';
import { collectPages, type DataFetcher } from './data-fetcher.js';
import { checkNumber } from './options-check.js';

/** Options of {@link createSimFetcher}. */
export interface SimFetcherOptions {
  /**
   * The source name the series carry.
   * @default 'sim'
   */
  source?: string;
  /** The market to read; a default `SimMarket` when absent. */
  market?: SimMarket;
  /** Clock deciding which bar is still open. */
  nowMs?: () => number;
  /**
   * Whole UTC days per page.
   * @default 1
   */
  pageDays?: number;
}

/**
 * An in-process {@link DataFetcher} over a {@link SimMarket}: no network, pages
 * of whole UTC days, millions of candles a second. The default feed when no
 * configuration exists.
 * @example
 * const fetcher = createSimFetcher();
 * const rows = await fetcher.fetch(parseSeries('candle:sim:BTC/USDT:1m'), { startMs, endMs });
 */
export function createSimFetcher(options: SimFetcherOptions = {}): DataFetcher {
  const source = options.source ?? 'sim';
  const market = options.market ?? new SimMarket();
  const nowMs = options.nowMs ?? Date.now;
  const pageMs = checkNumber('pageDays', options.pageDays, 1, { min: 1, integer: true }) * DAY_MS;

  const fetcher: DataFetcher = {
    name: `sim:${source}`,
    supports: (series: Series) => series.source === source,
    async *pages(series, range, fetchOptions = {}) {
      makeRange(range.startMs, range.endMs);
      if (!fetcher.supports(series)) {
        throw new InvalidArgumentError(
          `${fetcher.name} cannot serve ${seriesId(series)}`,
          'UNSUPPORTED_SERIES',
        );
      }
      if (!market.has(series.subject)) {
        throw new SourceError(
          `${seriesId(series)}: the sim market does not list '${series.subject}' (it lists ${market.subjects().join(', ')})`,
          { code: 'SOURCE_BAD_SYMBOL', category: 'not_found', retryable: false },
        );
      }
      const now = nowMs();
      const isCandle = series.kind === 'candle';
      const endMs = Math.min(
        range.endMs,
        isCandle ? floorToBar(now, seriesStepMs(series)) : Math.floor(now),
      );
      for (let startMs = range.startMs; startMs < endMs; ) {
        if (fetchOptions.signal?.aborted) throw new CancelledError();
        const pageEndMs = Math.min(endMs, Math.floor(startMs / pageMs) * pageMs + pageMs);
        const window = { startMs, endMs: pageEndMs };
        const page: Page = {
          ...window,
          rows: isCandle
            ? market.candles(series.subject, series.granularity!, window, now)
            : market.trades(series.subject, window, now),
        };
        yield page;
        startMs = pageEndMs;
      }
    },
    fetch(series, range, fetchOptions) {
      return collectPages(fetcher.pages(series, range, fetchOptions));
    },
    // The sim market's clock is the one that closes its bars.
    serverTimeMs: async () => nowMs(),
  };
  return fetcher;
}
