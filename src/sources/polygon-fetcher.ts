import { InvalidArgumentError, SourceError } from '../core/errors.js';
import { floorToBar, type Granularity } from '../core/granularity.js';
import { makeRange, type Range } from '../core/range-math.js';
import { type Candle, type Page, sortUnique } from '../core/rows.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { DAY_MS, formatTime } from '../core/time.js';
import { collectPages, type DataFetcher, type FetchOptions } from './data-fetcher.js';
import { getJson } from './http-json.js';
import { checkNumber } from './options-check.js';
import { orderedPool, windows } from './paging.js';
import { type RateLimiterOptions, rateLimiterFor } from './rate-limiter.js';
import {
  checkRetryOptions,
  honouredRetryAfterMs,
  type RetryOptions,
  retryOptionsFor,
  withRetry,
} from './retry.js';
import { checkPagePlace, pageTimesToMs } from './time-units.js';

/** Options of {@link createPolygonFetcher}. */
export interface PolygonFetcherOptions {
  /** The gapless source name the series carry, e.g. `polygon`. */
  source: string;
  /**
   * The Polygon.io API key.
   * @default process.env.POLYGON_API_KEY, read when fetching
   */
  apiKey?: string;
  /**
   * Origin of the API; the sim server's URL in tests.
   * @default 'https://api.polygon.io'
   */
  baseUrl?: string;
  /**
   * Split-adjusted bars (Polygon's `adjusted`).
   * @default true
   */
  adjusted?: boolean;
  /** Retries of each request. */
  retry?: RetryOptions;
  /**
   * The process-wide limiter for this base URL.
   * @default 5 requests a minute (Polygon's free plan); raise it for paid plans
   */
  rateLimit?: RateLimiterOptions;
  /**
   * Windows in flight at once.
   * @default 4
   */
  concurrency?: number;
  /**
   * Bars asked for per request (`limit`, at most 50000); a window spans this many bars.
   * @default 50000
   */
  pageLimit?: number;
  /**
   * Per-request timeout.
   * @default 10000
   */
  timeoutMs?: number;
  /** Clock deciding which bar is still open. */
  nowMs?: () => number;
}

/**
 * Polygon aggregates that line up with gapless's UTC bar grid. Daily bars are
 * stamped at midnight New York time, so they are keyed by their UTC date; hour
 * multiples above one and weeks are cut in New York time and left out.
 */
const TIMESPANS: Partial<Record<Granularity, readonly [number, string]>> = {
  '1s': [1, 'second'],
  '1m': [1, 'minute'],
  '3m': [3, 'minute'],
  '5m': [5, 'minute'],
  '15m': [15, 'minute'],
  '30m': [30, 'minute'],
  '1h': [1, 'hour'],
  '1d': [1, 'day'],
};

/**
 * A {@link DataFetcher} over Polygon.io aggregates (stocks, e.g.
 * `candle:polygon:AAPL:1m`). Ranges are cut into windows of `pageLimit` bars
 * fetched concurrently inside the rate limit; inside a window `next_url` is
 * followed (with the key appended, only on the same origin). Vendor extras
 * `vw` and `n` go to `meta`. A result with a missing or non-numeric field is
 * a permanent `SOURCE_MALFORMED` error naming the field, so nothing of that
 * window is stored.
 * @example
 * const fetcher = createPolygonFetcher({ source: 'polygon' }); // key from POLYGON_API_KEY
 * const rows = await fetcher.fetch(parseSeries('candle:polygon:AAPL:1m'), { startMs, endMs });
 */
export function createPolygonFetcher(options: PolygonFetcherOptions): DataFetcher {
  const concurrency = checkNumber('concurrency', options.concurrency, 4, { min: 1, integer: true });
  const pageLimit = checkNumber('pageLimit', options.pageLimit, 50_000, {
    min: 1,
    max: 50_000,
    integer: true,
  });
  checkRetryOptions(options.retry);
  const baseUrl = new URL(options.baseUrl ?? 'https://api.polygon.io');
  const origin = baseUrl.origin;
  const adjusted = options.adjusted ?? true;
  const nowMs = options.nowMs ?? Date.now;
  const limiter = rateLimiterFor(`polygon:${origin}`, {
    tokensPerInterval: 5,
    intervalMs: 60_000,
    ...options.rateLimit,
  });
  const name = `polygon:${options.source}`;

  const request = <T>(
    url: string,
    what: string,
    fetchOptions: FetchOptions,
    signal: AbortSignal,
    parse: (body: unknown) => T,
  ) =>
    withRetry(
      async () => {
        const release = await limiter.acquire(1, signal);
        try {
          // Parsed inside the attempt, so a bad page is fetched again.
          return parse(
            await getJson(url, {
              what,
              signal,
              ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
            }),
          );
        } catch (error) {
          if (!(error instanceof SourceError)) throw error;
          if (error.code === 'SOURCE_THROTTLED') {
            limiter.penalize(honouredRetryAfterMs(error.retryAfterMs, options.retry));
          }
          if (error.code !== 'SOURCE_AUTH') throw error;
          throw new SourceError(`${error.message} (check POLYGON_API_KEY or the apiKey option)`, {
            code: 'SOURCE_AUTH',
            retryable: false,
            cause: error,
          });
        } finally {
          release();
        }
      },
      retryOptionsFor(options.retry, fetchOptions, signal, what),
    );

  async function window(
    series: Series,
    range: Range,
    apiKey: string,
    fetchOptions: FetchOptions,
    signal: AbortSignal,
  ): Promise<Page> {
    const stepMs = seriesStepMs(series);
    const [multiplier, timespan] = TIMESPANS[series.granularity!]!;
    const what = `${seriesId(series)} [${formatTime(range.startMs)}, ${formatTime(range.endMs)})`;
    const ticker = encodeURIComponent(series.subject);
    // Polygon's `to` is inclusive.
    let url: string | undefined =
      `${origin}${baseUrl.pathname.replace(/\/$/, '')}/v2/aggs/ticker/${ticker}/range/${multiplier}/${timespan}/${range.startMs}/${range.endMs - 1}` +
      `?adjusted=${adjusted}&sort=asc&limit=${pageLimit}`;
    const rows: Candle[] = [];
    let lastMs = Number.NEGATIVE_INFINITY;
    while (url !== undefined) {
      const pageStartMs = Math.max(range.startMs, lastMs);
      const body: { candles: Candle[]; nextUrl: string | undefined } = await request(
        withKey(url, apiKey),
        what,
        fetchOptions,
        signal,
        (raw) => {
          const parsed = parseBody(raw, what);
          // In milliseconds whatever unit this page came in, before bar checks and filtering.
          const times = parsed.candles.map((c, i) => rawTime(c, i, what));
          pageTimesToMs(times, { referenceMs: pageStartMs, what });
          checkPagePlace(times, pageStartMs, what);
          const candles = parsed.candles.map((c, i) => toCandle(c, i, stepMs, what, times[i]!));
          return { candles, nextUrl: parsed.nextUrl };
        },
      );
      let newest = lastMs;
      for (const candle of body.candles) {
        if (candle.tsMs >= range.startMs && candle.tsMs < range.endMs) rows.push(candle);
        if (candle.tsMs > newest) newest = candle.tsMs;
      }
      url = body.nextUrl;
      if (url === undefined) break;
      if (new URL(url).origin !== origin) {
        throw malformed(what, `next_url leaves ${origin}: ${new URL(url).origin}`);
      }
      // A next_url that does not move forward would loop for ever.
      if (!(newest > lastMs)) throw malformed(what, 'next_url does not advance');
      lastMs = newest;
    }
    return { startMs: range.startMs, endMs: range.endMs, rows: sortUnique(rows) };
  }

  const fetcher: DataFetcher = {
    name,
    supports: (series) =>
      series.source === options.source &&
      series.kind === 'candle' &&
      series.granularity !== undefined &&
      TIMESPANS[series.granularity] !== undefined,
    async *pages(series, range, fetchOptions = {}) {
      makeRange(range.startMs, range.endMs);
      if (!fetcher.supports(series)) {
        throw new InvalidArgumentError(
          `${name} cannot serve ${seriesId(series)} (candles of ${Object.keys(TIMESPANS).join(', ')})`,
          'UNSUPPORTED_SERIES',
        );
      }
      const apiKey = options.apiKey ?? process.env.POLYGON_API_KEY;
      if (apiKey === undefined || apiKey === '') {
        throw new SourceError(
          `${name}: no Polygon API key: set POLYGON_API_KEY or pass the apiKey option`,
          { code: 'SOURCE_AUTH', retryable: false },
        );
      }
      const stepMs = seriesStepMs(series);
      // Drop the still-open bar: Polygon serves it, and it would change after we store it.
      const endMs = Math.min(range.endMs, floorToBar(nowMs(), stepMs));
      yield* orderedPool(
        windows(range.startMs, endMs, pageLimit * stepMs),
        concurrency,
        (w, signal) => window(series, w, apiKey, fetchOptions, signal),
        fetchOptions.signal,
      );
    },
    fetch(series, range, fetchOptions) {
      return collectPages(fetcher.pages(series, range, fetchOptions));
    },
  };
  return fetcher;
}

function withKey(url: string, apiKey: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}apiKey=${encodeURIComponent(apiKey)}`;
}

function malformed(what: string, detail: string): SourceError {
  return new SourceError(`${what}: malformed Polygon data: ${detail}`, {
    code: 'SOURCE_MALFORMED',
    retryable: false,
  });
}

/** The parts of an aggregates answer we use, checked. */
function parseBody(body: unknown, what: string): { candles: unknown[]; nextUrl?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformed(what, 'the body is not an object');
  }
  const { status, results, resultsCount, next_url: nextUrl } = body as Record<string, unknown>;
  if (status !== 'OK' && status !== 'DELAYED') {
    throw malformed(what, `status is ${JSON.stringify(status)} (expected "OK" or "DELAYED")`);
  }
  if (nextUrl !== undefined && typeof nextUrl !== 'string') {
    throw malformed(what, 'field next_url is not a string');
  }
  // Polygon leaves `results` out when there are none.
  if (results === undefined && (resultsCount === 0 || resultsCount === undefined)) {
    return nextUrl === undefined ? { candles: [] } : { candles: [], nextUrl };
  }
  if (!Array.isArray(results)) throw malformed(what, 'field results is not an array');
  return nextUrl === undefined ? { candles: results } : { candles: results, nextUrl };
}

/** Field `t` of a result, as sent. */
function rawTime(raw: unknown, index: number, what: string): number {
  if (raw === null || typeof raw !== 'object') {
    throw malformed(what, `results[${index}] is not an object`);
  }
  const t = (raw as Record<string, unknown>).t;
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    const got = t === undefined ? 'missing' : JSON.stringify(t);
    throw malformed(what, `results[${index}].t is ${got} (expected a number)`);
  }
  return t;
}

function toCandle(raw: unknown, index: number, stepMs: number, what: string, tMs: number): Candle {
  if (raw === null || typeof raw !== 'object')
    throw malformed(what, `results[${index}] is not an object`);
  const row = raw as Record<string, unknown>;
  const field = (key: string, optional = false): number | undefined => {
    const value = row[key];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw malformed(
        what,
        `results[${index}].${key} is ${value === undefined ? 'missing' : JSON.stringify(value)} (expected a number)`,
      );
    }
    return value;
  };
  const t = tMs;
  // Daily bars open at midnight New York time; key them by their UTC date.
  const tsMs = stepMs === DAY_MS ? floorToBar(t, DAY_MS) : t;
  if (floorToBar(tsMs, stepMs) !== tsMs) {
    throw malformed(what, `results[${index}].t ${t} is not on a ${stepMs} ms bar boundary`);
  }
  const vw = field('vw', true);
  const n = field('n', true);
  const extras = { ...(vw === undefined ? {} : { vw }), ...(n === undefined ? {} : { n }) };
  return {
    tsMs,
    open: field('o')!,
    high: field('h')!,
    low: field('l')!,
    close: field('c')!,
    volume: field('v')!,
    ...(Object.keys(extras).length === 0 ? {} : { meta: JSON.stringify(extras) }),
  };
}
