import type { Trade as CcxtTrade, Exchange, OHLCV } from 'ccxt';
import { CandleColumnsBuilder } from '../core/candle-columns.js';
import { InvalidArgumentError, SourceError } from '../core/errors.js';
import { floorToBar } from '../core/granularity.js';
import { makeRange, type Range } from '../core/range-math.js';
import { columnarPage, type Page, sortUnique, type Trade } from '../core/rows.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { formatTime } from '../core/time.js';
import { createCcxtExchange, toSourceError } from './ccxt-exchange.js';
import { useFastCandles } from './ccxt-fast-candles.js';
import { useMsPageTimes } from './ccxt-page-times.js';
import { collectPages, type DataFetcher, type FetchOptions } from './data-fetcher.js';
import { checkNumber } from './options-check.js';
import { orderedPool, raceSignal, windows } from './paging.js';
import { createLimiter, type LimiterConfig } from './rate-limit/create-limiter.js';
import { type Limiter, penaltyMs } from './rate-limit/limiter.js';
import {
  checkRetryOptions,
  honouredRetryAfterMs,
  type RetryOptions,
  retryOptionsFor,
  withRetry,
} from './retry.js';
import { serverClock } from './server-clock.js';

/** Options of {@link createCcxtFetcher}. */
export interface CcxtFetcherOptions {
  /** The gapless source name the series carry, e.g. `binance`. */
  source: string;
  /** Any ccxt exchange id, e.g. `binance`. */
  exchange: string;
  /** Passed to the ccxt constructor (keys, `options`, ...). */
  options?: Record<string, unknown>;
  /** Replaces the origin of every API URL, keeping paths: proxies, testnets, the sim. */
  apiUrl?: string;
  /**
   * The limiter (scope `process` by default: one per exchange, account and
   * URL; `cluster` shares it through Redis), plus the weight of one call.
   * @default 60000 / exchange.rateLimit calls per minute, requestWeight 2
   */
  rateLimit?: LimiterConfig & { requestWeight?: number };
  /** Receives failures of the limiter's background Redis calls. */
  onLimiterError?: (error: Error) => void;
  /** Retries of each request. */
  retry?: RetryOptions;
  /**
   * Pages in flight at once.
   * @default 8
   */
  concurrency?: number;
  /** Per-request timeout (ccxt's default is 10 s). */
  timeoutMs?: number;
  /** Clock deciding which bar is still open. */
  nowMs?: () => number;
  /**
   * Candles per request; the exchange's maximum by default (ccxt `features`).
   */
  candlesPageLimit?: number;
  /**
   * Trades per request.
   * @default 1000
   */
  tradesPageLimit?: number;
  /**
   * Length of one trade page's window.
   * @default 3600000
   */
  tradesWindowMs?: number;
}

// Used when ccxt's `features` do not say.
const KNOWN_OHLCV_LIMITS: Record<string, number> = {
  binance: 1000,
  binanceus: 1000,
  bybit: 1000,
  okx: 300,
  kraken: 720,
};

/** Rate-limit weight of one candle page when the feed does not say: Binance's for 1,000 klines. */
export const CCXT_REQUEST_WEIGHT = 2;

/**
 * A {@link DataFetcher} over any ccxt exchange. Candle ranges are cut into
 * windows of one full page each and fetched concurrently inside the shared
 * rate limit, then yielded in time order; trades come in windows of an hour,
 * paged by time inside each window. Every request is retried on throttling,
 * server faults, timeouts and bad bodies.
 * @example
 * const fetcher = createCcxtFetcher({ source: 'binance', exchange: 'binance' });
 * const rows = await fetcher.fetch(parseSeries('candle:binance:BTC/USDT:1m'), { startMs, endMs });
 */
export function createCcxtFetcher(options: CcxtFetcherOptions): DataFetcher {
  const concurrency = checkNumber('concurrency', options.concurrency, 8, { min: 1, integer: true });
  const tradesPageLimit = checkNumber('tradesPageLimit', options.tradesPageLimit, 1000, {
    min: 1,
    integer: true,
  });
  const tradesWindowMs = checkNumber('tradesWindowMs', options.tradesWindowMs, 3_600_000, {
    min: 1,
    integer: true,
  });
  checkRetryOptions(options.retry);
  const requestWeight = checkNumber(
    'requestWeight',
    options.rateLimit?.requestWeight,
    CCXT_REQUEST_WEIGHT,
    {
      min: 0.001,
    },
  );
  const exchangeOptions = {
    exchange: options.exchange,
    ...(options.options === undefined ? {} : { options: options.options }),
    ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const exchange = createCcxtExchange(exchangeOptions);
  // Candles get an instance of their own that parses pages in one pass.
  const candleExchange = createCcxtExchange(exchangeOptions);
  useFastCandles(candleExchange);
  // After the fast parser, so its pages are converted too.
  useMsPageTimes(candleExchange);
  useMsPageTimes(exchange);
  const candlesPageLimit = checkNumber(
    'candlesPageLimit',
    options.candlesPageLimit,
    ohlcvLimit(exchange),
    { min: 1, integer: true },
  );
  const { requestWeight: _weight, ...limitConfig } = options.rateLimit ?? {};
  const limiter = createLimiter(
    {
      tokensPerInterval: Math.max(
        2 * requestWeight,
        Math.floor(60_000 / Math.max(1, Number(exchange.rateLimit) || 100)) * requestWeight,
      ),
      intervalMs: 60_000,
      ...limitConfig,
    },
    {
      exchange: options.exchange,
      exchangeId: exchange.id,
      ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
      ...(options.onLimiterError === undefined ? {} : { onError: options.onLimiterError }),
    },
  );
  const nowMs = options.nowMs ?? Date.now;
  const name = `ccxt:${options.exchange}`;
  // Binance: GET /api/v3/time, retried and rate limited like any call, asked once a minute.
  const exchangeClock = serverClock(async () => {
    const signal = new AbortController().signal;
    const ms = await call(`${name} server time`, {}, signal, () => exchange.fetchTime());
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw malformed(`${name} server time`, JSON.stringify(ms));
    }
    return ms;
  }, nowMs);
  let markets: Promise<unknown> | undefined;

  const call = <T>(
    what: string,
    fetchOptions: FetchOptions,
    signal: AbortSignal,
    fn: () => Promise<T>,
  ): Promise<T> =>
    withRetry(
      async () => {
        const release = await limiter.acquire(requestWeight, signal);
        try {
          return await raceSignal(fn(), signal);
        } catch (error) {
          throw throttled(toSourceError(error, what, exchange.id), limiter, options.retry);
        } finally {
          release();
        }
      },
      retryOptionsFor(options.retry, fetchOptions, signal, what),
    );

  const ready = (fetchOptions: FetchOptions, signal: AbortSignal): Promise<unknown> => {
    markets ??= call(`${name} markets`, fetchOptions, signal, async () => {
      await exchange.loadMarkets();
      candleExchange.setMarkets(exchange.markets);
    }).catch((error: unknown) => {
      markets = undefined;
      throw error;
    });
    return markets;
  };

  async function candleWindow(
    series: Series,
    window: Range,
    fetchOptions: FetchOptions,
    signal: AbortSignal,
  ): Promise<Page> {
    const stepMs = seriesStepMs(series);
    const what = `${seriesId(series)} [${formatTime(window.startMs)}, ${formatTime(window.endMs)})`;
    const candles = new CandleColumnsBuilder(candlesPageLimit);
    let ordered = true;
    let lastKeptMs = Number.NEGATIVE_INFINITY;
    let sinceMs = window.startMs;
    for (;;) {
      const batch: OHLCV[] = await call(what, fetchOptions, signal, () =>
        candleExchange.fetchOHLCV(series.subject, series.granularity, sinceMs, candlesPageLimit, {
          until: window.endMs - 1,
        }),
      );
      let lastMs = Number.NEGATIVE_INFINITY;
      for (const row of batch) {
        if (!isCandle(row)) throw malformed(what, JSON.stringify(row));
        const tsMs = row[0];
        if (tsMs >= window.startMs && tsMs < window.endMs) {
          // Rows usually come strictly ascending; anything else is sorted below.
          if (tsMs <= lastKeptMs) ordered = false;
          lastKeptMs = tsMs;
          candles.push(tsMs, row[1], row[2], row[3], row[4], row[5]);
        }
        if (tsMs > lastMs) lastMs = tsMs;
      }
      // A short answer ends the window; only a page that stopped early needs a follow-up.
      if (batch.length === 0 || lastMs + stepMs >= window.endMs || lastMs < sinceMs) break;
      sinceMs = lastMs + stepMs;
    }
    const page = columnarPage(window.startMs, window.endMs, candles.take(candles.length));
    return ordered
      ? page
      : { startMs: page.startMs, endMs: page.endMs, rows: sortUnique(page.rows) };
  }

  async function tradeWindow(
    series: Series,
    window: Range,
    fetchOptions: FetchOptions,
    signal: AbortSignal,
  ): Promise<Page> {
    const what = `${seriesId(series)} [${formatTime(window.startMs)}, ${formatTime(window.endMs)})`;
    const rows: Trade[] = [];
    let sinceMs = window.startMs;
    for (;;) {
      const batch: CcxtTrade[] = await call(what, fetchOptions, signal, () =>
        exchange.fetchTrades(series.subject, sinceMs, tradesPageLimit, {
          until: window.endMs - 1,
        }),
      );
      let lastMs = sinceMs;
      for (const raw of batch) {
        const trade = toTrade(raw, what);
        if (trade.tsMs >= window.startMs && trade.tsMs < window.endMs) rows.push(trade);
        if (trade.tsMs > lastMs) lastMs = trade.tsMs;
      }
      if (batch.length < tradesPageLimit) break;
      // Resume at the last millisecond seen (ids de-duplicate the overlap); a full
      // page inside one millisecond cannot be paged by time, so step past it.
      sinceMs = lastMs > sinceMs ? lastMs : sinceMs + 1;
      if (sinceMs >= window.endMs) break;
    }
    return { startMs: window.startMs, endMs: window.endMs, rows: sortUnique(rows) };
  }

  const fetcher: DataFetcher = {
    name,
    supports(series: Series): boolean {
      if (series.source !== options.source) return false;
      if (series.kind === 'trade') return exchange.has.fetchTrades === true;
      return (
        exchange.has.fetchOHLCV === true &&
        series.granularity !== undefined &&
        series.granularity in exchange.timeframes
      );
    },
    async *pages(series, range, fetchOptions = {}) {
      makeRange(range.startMs, range.endMs);
      if (!fetcher.supports(series)) {
        throw new InvalidArgumentError(
          `${name} cannot serve ${seriesId(series)}`,
          'UNSUPPORTED_SERIES',
        );
      }
      const parent = fetchOptions.signal ?? new AbortController().signal;
      await ready(fetchOptions, parent);
      const now = nowMs();
      if (series.kind === 'candle') {
        const stepMs = seriesStepMs(series);
        // Drop the still-open bar: it would change after we store it.
        const endMs = Math.min(range.endMs, floorToBar(now, stepMs));
        yield* orderedPool(
          windows(range.startMs, endMs, candlesPageLimit * stepMs),
          concurrency,
          (window, signal) => candleWindow(series, window, fetchOptions, signal),
          parent,
        );
      } else {
        const endMs = Math.min(range.endMs, Math.floor(now));
        yield* orderedPool(
          windows(range.startMs, endMs, tradesWindowMs),
          concurrency,
          (window, signal) => tradeWindow(series, window, fetchOptions, signal),
          parent,
        );
      }
    },
    fetch(series, range, fetchOptions) {
      return collectPages(fetcher.pages(series, range, fetchOptions));
    },
    ...(exchange.has.fetchTime === true ? { serverTimeMs: () => exchangeClock() } : {}),
    async close() {
      const closable = [exchange, candleExchange] as unknown as { close?: () => Promise<void> }[];
      await Promise.all([...closable.map((c) => c.close?.()), limiter.close()]);
    },
  };
  return fetcher;
}

function throttled(error: SourceError, limiter: Limiter, retry?: RetryOptions): SourceError {
  if (error.code === 'SOURCE_THROTTLED') {
    limiter.penalize(penaltyMs(limiter, honouredRetryAfterMs(error.retryAfterMs, retry)));
  }
  return error;
}

function ohlcvLimit(exchange: Exchange): number {
  const features = exchange.features as Record<string, Record<string, unknown> | undefined>;
  const fromFeatures = (node: unknown): number | undefined => {
    const limit = (node as { fetchOHLCV?: { limit?: unknown } } | undefined)?.fetchOHLCV?.limit;
    return typeof limit === 'number' && limit > 0 ? limit : undefined;
  };
  const swap = features?.swap as Record<string, unknown> | undefined;
  return (
    fromFeatures(features?.spot) ??
    fromFeatures(swap?.linear) ??
    KNOWN_OHLCV_LIMITS[exchange.id] ??
    500
  );
}

function malformed(what: string, detail: string): SourceError {
  return new SourceError(`${what}: malformed row from the exchange: ${detail}`, {
    code: 'SOURCE_MALFORMED',
    retryable: false,
  });
}

// Six finite numbers first (the fast parser may leave the exchange's extra fields after them).
function isCandle(row: OHLCV): row is [number, number, number, number, number, number] {
  return (
    finite(row[0]) &&
    finite(row[1]) &&
    finite(row[2]) &&
    finite(row[3]) &&
    finite(row[4]) &&
    finite(row[5])
  );
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function toTrade(raw: CcxtTrade, what: string): Trade {
  const { timestamp, id, price, amount, side } = raw;
  if (
    typeof timestamp !== 'number' ||
    typeof price !== 'number' ||
    typeof amount !== 'number' ||
    id === undefined ||
    id === null
  ) {
    throw malformed(what, `trade ${String(id)} at ${String(timestamp)}`);
  }
  return {
    tsMs: timestamp,
    tradeId: String(id),
    price,
    amount,
    side: side === 'buy' || side === 'sell' ? side : '',
  };
}
