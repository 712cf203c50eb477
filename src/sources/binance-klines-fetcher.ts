import { InvalidArgumentError, SourceError } from '../core/errors.js';
import { floorToBar } from '../core/granularity.js';
import { makeRange } from '../core/range-math.js';
import { type Candle, sortUnique } from '../core/rows.js';
import { seriesId, seriesStepMs } from '../core/series.js';
import { collectPages, type DataFetcher } from './data-fetcher.js';
import { getJson } from './http-json.js';
import { checkNumber } from './options-check.js';
import { orderedPool, windows } from './paging.js';
import { rateLimiterFor } from './rate-limiter.js';
import { checkRetryOptions, type RetryOptions, retryOptionsFor, withRetry } from './retry.js';
import { serverClock } from './server-clock.js';
import { checkPagePlace, pageTimesToMs } from './time-units.js';

/** Options of {@link createBinanceKlinesFetcher}. */
export interface BinanceKlinesFetcherOptions {
  /** The gapless source name the series carry, e.g. `binance`. */
  source: string;
  /**
   * Origin of the API; the sim server's URL in tests.
   * @default 'https://api.binance.com'
   */
  baseUrl?: string;
  /** Clock deciding which bar is still open. */
  nowMs?: () => number;
  /**
   * Bound of one request, body included; a timeout is retried.
   * @default 10000
   */
  timeoutMs?: number;
  /** Retries of each request. */
  retry?: RetryOptions;
}

/** Binance answers at most this many klines per request. */
const LIMIT = 1000;

/**
 * Binance spot candles straight from `GET /api/v3/klines`, without ccxt: the
 * smallest complete {@link DataFetcher}, meant to be copied as the start of
 * your own. The whole contract is in `pages`: cut the range into windows of
 * one full request each, fetch them a few at a time (in order, retried,
 * rate limited), and yield one page per window with every bar in it.
 * @example
 * const fetcher = createBinanceKlinesFetcher({ source: 'binance' });
 * const series = parseSeries('candle:binance:BTC/USDT:1m');
 * for await (const page of fetcher.pages(series, { startMs, endMs })) console.log(page.rows.length);
 */
export function createBinanceKlinesFetcher(options: BinanceKlinesFetcherOptions): DataFetcher {
  const baseUrl = (options.baseUrl ?? 'https://api.binance.com').replace(/\/$/, '');
  const nowMs = options.nowMs ?? Date.now;
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs, 10_000, { min: 1 });
  checkRetryOptions(options.retry);
  // 6000 weight a minute, 2 per klines request: stay within Binance's published limit.
  const limiter = rateLimiterFor(`binance-klines:${baseUrl}`, { tokensPerInterval: 3000 });

  // GET /api/v3/time once a minute; in between, this clock plus the offset it showed.
  const exchangeClock = serverClock(async () => {
    const what = `binance-klines:${options.source} server time`;
    const signal = new AbortController().signal;
    const body = await withRetry(
      () => getJson(`${baseUrl}/api/v3/time`, { what, signal, timeoutMs }),
      retryOptionsFor(options.retry, {}, signal, what),
    );
    const serverTime = (body as { serverTime?: unknown } | null)?.serverTime;
    if (typeof serverTime !== 'number' || !Number.isFinite(serverTime)) {
      throw malformed(what, `serverTime ${JSON.stringify(serverTime)}`);
    }
    return serverTime;
  }, nowMs);

  const fetcher: DataFetcher = {
    name: `binance-klines:${options.source}`,
    supports: (series) => series.source === options.source && series.kind === 'candle',
    async *pages(series, range, fetchOptions = {}) {
      makeRange(range.startMs, range.endMs);
      if (!fetcher.supports(series)) {
        throw new InvalidArgumentError(
          `${fetcher.name} cannot serve ${seriesId(series)}`,
          'UNSUPPORTED_SERIES',
        );
      }
      const stepMs = seriesStepMs(series);
      const symbol = series.subject.replace('/', '');
      // Only closed bars: the open one would change after it is stored.
      const endMs = Math.min(range.endMs, floorToBar(nowMs(), stepMs));

      const fetchWindow = async (w: { startMs: number; endMs: number }, s: AbortSignal) => {
        const what = `${seriesId(series)} from ${new Date(w.startMs).toISOString()}`;
        const url =
          `${baseUrl}/api/v3/klines?symbol=${symbol}&interval=${series.granularity}` +
          `&startTime=${w.startMs}&endTime=${w.endMs - 1}&limit=${LIMIT}`;
        const rows = await withRetry(
          async () => {
            const release = await limiter.acquire(1, s);
            let body: unknown;
            try {
              body = await getJson(url, { what, signal: s, timeoutMs });
            } finally {
              release();
            }
            if (!Array.isArray(body)) throw malformed(what, 'the body is not an array');
            const candles = body.map((k) => toCandle(k, what));
            // In milliseconds whatever unit this page came in; a misplaced page is retried.
            const times = candles.map((c) => c.tsMs);
            pageTimesToMs(times, { referenceMs: w.startMs, what });
            checkPagePlace(times, w.startMs, what);
            return candles.map((c, i) => ({ ...c, tsMs: times[i]! }));
          },
          retryOptionsFor(options.retry, fetchOptions, s, what),
        );
        // Keep only this window's bars, sorted and unique, whatever the server sent.
        const inside = rows.filter((c) => c.tsMs >= w.startMs && c.tsMs < w.endMs);
        return { ...w, rows: sortUnique(inside) };
      };
      // A window is exactly one full answer, so no request depends on another.
      yield* orderedPool(
        windows(range.startMs, endMs, LIMIT * stepMs),
        4,
        fetchWindow,
        fetchOptions.signal,
      );
    },
    fetch: (series, range, fetchOptions) =>
      collectPages(fetcher.pages(series, range, fetchOptions)),
    serverTimeMs: () => exchangeClock(),
  };
  return fetcher;
}

const FIELDS = ['tsMs', 'open', 'high', 'low', 'close', 'volume'] as const;

/** `[openTime, "open", "high", "low", "close", "volume", closeTime, ...]` as a candle. */
function toCandle(kline: unknown, what: string): Candle {
  if (!Array.isArray(kline)) throw malformed(what, `kline ${JSON.stringify(kline)}`);
  const values = kline.slice(0, 6).map(Number);
  const bad = FIELDS.findIndex((_, i) => !Number.isFinite(values[i]));
  if (bad >= 0) throw malformed(what, `${FIELDS[bad]} of ${JSON.stringify(kline)}`);
  const [tsMs, open, high, low, close, volume] = values as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { tsMs, open, high, low, close, volume };
}

function malformed(what: string, detail: string): SourceError {
  return new SourceError(`${what}: malformed kline: ${detail}`, {
    code: 'SOURCE_MALFORMED',
    retryable: false,
  });
}
