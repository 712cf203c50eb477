import { granularityMs, parseGranularity } from '../core/granularity.js';
import type { Candle } from '../core/rows.js';
import { DAY_MS } from '../core/time.js';
import { SimMarket } from './market.js';

/** Stock tickers the sim serves on its Polygon routes (besides any market subject without `/`). */
export const SIM_STOCK_TICKERS: readonly string[] = ['AAPL', 'MSFT', 'SPY'];

/**
 * Splits the sim applies when a request says `adjusted=false`: bars that open
 * before `atMs` have open, high, low, close and vw multiplied by `ratio` (as
 * unadjusted prices before a `ratio`-for-1 split are); volumes are left alone.
 * The candles served with `adjusted=true` (the default) are the market's own.
 */
export const SIM_SPLITS: Readonly<Record<string, { atMs: number; ratio: number }>> = {
  AAPL: { atMs: Date.UTC(2020, 7, 31), ratio: 4 },
  MSFT: { atMs: Date.UTC(2024, 2, 4), ratio: 2 },
};

/** Options of the Polygon routes, given to `startSimServer({ polygon })`. */
export interface PolygonRouteOptions {
  /**
   * The one API key accepted in `apiKey`: none gets 401, another 403.
   * @default 'sim-key'
   */
  apiKey?: string;
  /**
   * Most results in one answer whatever `limit` says; more is paged with `next_url`.
   * @default 50000
   */
  maxResults?: number;
}

interface PolygonAnswer {
  status: number;
  body: string;
}

const AGGS_RE = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/([a-z]+)\/([^/]+)\/([^/]+)$/;
const UNITS: Record<string, string> = { second: 's', minute: 'm', hour: 'h', day: 'd', week: 'w' };
const round2 = (x: number): number => Math.round(x * 100) / 100;
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Whether `path` is one of the Polygon routes. */
export function isPolygonPath(path: string): boolean {
  return path.startsWith('/v2/aggs/');
}

/**
 * The market the Polygon routes read: the same seed, genesis and maintenance
 * as `market`, listing {@link SIM_STOCK_TICKERS} too. Candles are a pure
 * function of seed, subject and time, so tests compare against this.
 */
export function polygonSimMarket(market: SimMarket): SimMarket {
  const subjects = new Set([...SIM_STOCK_TICKERS, ...market.subjects()]);
  return new SimMarket({
    seed: market.seed,
    genesisMs: market.genesisMs,
    maintenance: [...market.maintenance],
    subjects: [...subjects].filter((s) => !s.includes('/')),
  });
}

/**
 * `GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}` in
 * Polygon.io's shape: `from`/`to` are dates or epoch ms, both inclusive;
 * `sort=asc` only; an answer holds at most `limit` (and `maxResults`) bars and
 * a `next_url` with a `cursor` for the rest, to be followed with `apiKey`
 * appended. Unknown tickers get `resultsCount: 0` and no `results`, as Polygon does.
 */
export class PolygonRoutes {
  readonly #market: SimMarket;
  readonly #apiKey: string;
  readonly #maxResults: number;
  #requests = 0;

  constructor(
    market: SimMarket,
    private readonly nowMs: () => number,
    private readonly origin: () => string,
    options: PolygonRouteOptions = {},
  ) {
    this.#market = polygonSimMarket(market);
    this.#apiKey = options.apiKey ?? 'sim-key';
    this.#maxResults = options.maxResults ?? 50_000;
  }

  /** Answers one request; `path` without the query. */
  answer(path: string, query: URLSearchParams): PolygonAnswer {
    const requestId = `sim${(++this.#requests).toString(16).padStart(8, '0')}`;
    const error = (status: number, message: string): PolygonAnswer => ({
      status,
      body: JSON.stringify({ status: 'ERROR', request_id: requestId, error: message }),
    });
    const key = query.get('apiKey');
    if (key === null || key === '') return error(401, 'API Key was not provided');
    if (key !== this.#apiKey) return error(403, 'Unknown API Key');
    const match = AGGS_RE.exec(path);
    if (match === null) return error(404, `unknown endpoint ${path}`);
    const [, rawTicker = '', multiplier = '', timespan = '', from = '', to = ''] = match;
    const ticker = decodeURIComponent(rawTicker);
    const unit = UNITS[timespan];
    let granularity: string;
    try {
      if (unit === undefined) throw new Error();
      granularity = parseGranularity(`${multiplier}${unit}`);
    } catch {
      return error(400, `the sim does not serve ${multiplier}/${timespan} aggregates`);
    }
    const cursor = parseCursor(query.get('cursor'));
    if (cursor === undefined) return error(400, 'bad cursor');
    const params = cursor ?? {
      adjusted: query.get('adjusted') !== 'false',
      sort: query.get('sort') ?? 'asc',
      limit: Number(query.get('limit') ?? 5000),
    };
    if (params.sort !== 'asc') return error(400, 'the sim serves sort=asc only');
    if (!Number.isInteger(params.limit) || params.limit < 1 || params.limit > 50_000) {
      return error(400, 'limit must be an integer from 1 to 50000');
    }
    const fromMs = parseEdge(from, false);
    const toMs = parseEdge(to, true);
    if (fromMs === undefined || toMs === undefined) return error(400, 'bad from or to');
    const limit = Math.min(params.limit, this.#maxResults);
    const stepMs = granularityMs(granularity);
    const now = this.nowMs();
    // One more than `limit` tells whether a next page exists.
    const rows: Candle[] = [];
    for (let start = Math.max(fromMs, this.#market.genesisMs - stepMs); ; ) {
      const end = Math.min(toMs + 1, start + (limit + 1 - rows.length) * stepMs);
      if (start >= end || start > now) break;
      rows.push(...this.#market.candles(ticker, granularity, { startMs: start, endMs: end }, now));
      if (rows.length > limit) break;
      start = end;
    }
    const page = rows.slice(0, limit);
    const split = params.adjusted ? undefined : SIM_SPLITS[ticker];
    const results = page.map((c) => {
      const k = split !== undefined && c.tsMs < split.atMs ? split.ratio : 1;
      const [o, h, l, cl] = [c.open * k, c.high * k, c.low * k, c.close * k].map(round2);
      return {
        v: c.volume,
        vw: round4((h! + l! + cl!) / 3),
        o,
        c: cl,
        h,
        l,
        t: c.tsMs,
        n: 1 + ((c.tsMs / 1000) % 97),
      };
    });
    const body: Record<string, unknown> = {
      ticker,
      queryCount: results.length,
      resultsCount: results.length,
      adjusted: params.adjusted,
      ...(results.length === 0 ? {} : { results }),
      status: 'OK',
      request_id: requestId,
    };
    const next = rows[limit];
    if (next !== undefined) {
      const token = Buffer.from(JSON.stringify(params)).toString('base64url');
      body.next_url = `${this.origin()}/v2/aggs/ticker/${rawTicker}/range/${multiplier}/${timespan}/${next.tsMs}/${toMs}?cursor=${token}`;
    }
    return { status: 200, body: JSON.stringify(body) };
  }
}

interface Cursor {
  adjusted: boolean;
  sort: string;
  limit: number;
}

/** The paging state in a `cursor`: null when absent, undefined when malformed. */
function parseCursor(token: string | null): Cursor | null | undefined {
  if (token === null) return null;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString()) as Partial<Cursor>;
    if (typeof value.adjusted !== 'boolean' || typeof value.sort !== 'string') return undefined;
    if (typeof value.limit !== 'number') return undefined;
    return { adjusted: value.adjusted, sort: value.sort, limit: value.limit };
  } catch {
    return undefined;
  }
}

/** A `from`/`to` path segment as epoch ms: a date (a `to` date means its whole day) or ms. */
function parseEdge(text: string, isEnd: boolean): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isFinite(ms)) return undefined;
    return isEnd ? ms + DAY_MS - 1 : ms;
  }
  if (/^\d{1,15}$/.test(text)) return Number(text);
  return undefined;
}
