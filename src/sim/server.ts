import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { floorToBar, granularityMs } from '../core/granularity.js';
import type { Range } from '../core/range-math.js';
import type { Candle, Trade } from '../core/rows.js';
import { type ArchiveRouteOptions, ArchiveRoutes, isArchivePath } from './archive-routes.js';
import {
  aggTradeJson,
  arrayJson,
  BINANCE_INTERVALS,
  binanceSymbol,
  exchangeInfoJson,
  klineJson,
  tradeJson,
} from './binance-format.js';
import { seededRandom } from './hash.js';
import { SimMarket } from './market.js';
import { isPolygonPath, type PolygonRouteOptions, PolygonRoutes } from './polygon-routes.js';
import { WeightWindow } from './weight-window.js';

/** Options of {@link startSimServer}; all optional. */
export interface SimServerOptions {
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * Interface to bind.
   * @default '127.0.0.1'
   */
  host?: string;
  /** The market to serve; built from `seed` and `maintenance` when absent. */
  market?: SimMarket;
  /** Seed of the market built when `market` is absent. */
  seed?: number;
  /** The sim clock: bars close and trades happen relative to it. */
  nowMs?: () => number;
  /**
   * Shifts the sim clock (`/api/v3/time`, which bar is open, what is served)
   * from `nowMs`: negative for an exchange whose clock is behind this machine's.
   * @default 0
   */
  clockOffsetMs?: number;
  /** Delay added before every answer. */
  latencyMs?: number;
  /**
   * Request weight allowed in a rolling 60 s window; over it, 429 with
   * `Retry-After`, and 418 (a ban) after three 429s in the window.
   * @default Infinity
   */
  weightPerMinute?: number;
  /**
   * Length of the rolling weight window; shorter than a minute lets tests
   * see 429s and bans without waiting a minute.
   * @default 60000
   */
  weightWindowMs?: number;
  /** Share of data requests answered 500/502/503/504, from 0 to 1. */
  errorRate?: number;
  /** Share of data requests answered 200 with a body cut in the middle. */
  truncateRate?: number;
  /**
   * Share of data requests answered with headers and half the body, then
   * silence: the connection stays open and the body never ends.
   */
  stallRate?: number;
  /**
   * Share of data requests answered 429 with `Retry-After: retryAfterS`: a
   * Retry-After storm, independent of the weight limit.
   */
  retryAfterRate?: number;
  /**
   * Share of klines pages stamped in microseconds instead of milliseconds, as
   * Binance's archives are since 2025 and some vendors' pages are.
   */
  microsRate?: number;
  /**
   * The `Retry-After` of `retryAfterRate` answers, in seconds.
   * @default 60
   */
  retryAfterS?: number;
  /** Data pages also repeat rows from before `startTime` and inside the page. */
  duplicateRows?: boolean;
  /** Rows inside a data page come out of order. */
  shuffleRows?: boolean;
  /**
   * Every candle whose bar number (open time / bar length) is a multiple of
   * this is served broken (`high` below `low`), for conformance tests.
   */
  badRowsEvery?: number;
  /** Windows with no candles and no trades (for the market built here). */
  maintenance?: Range[];
  /**
   * Seed of the fault draws.
   * @default 1
   */
  faultSeed?: number;
  /** The Polygon.io aggregates routes (`/v2/aggs/...`): accepted API key, page size. */
  polygon?: PolygonRouteOptions;
  /** The bulk archive (`/data/...`): faults to inject and an optional disk cache of made zips. */
  archive?: ArchiveRouteOptions;
}

/** Request counters of a sim server, served at `GET /__sim/stats`. */
export interface SimStats {
  requests: number;
  dataRequests: number;
  byPath: Record<string, number>;
  http429: number;
  http418: number;
  http5xx: number;
  truncated: number;
  /** Answers left hanging after half their body. */
  stalled: number;
  /** Klines pages stamped in microseconds. */
  micros: number;
  /** Weight used in the current rolling minute (as `x-mbx-used-weight-1m`). */
  weightUsed: number;
  /** Weight of every accepted request since the last reset. */
  weightTotal: number;
  /** Archive zips served (whole or cut); archive requests carry no weight, as on Binance's CDN. */
  archiveFiles: number;
  /** Archive answers that were an injected fault (404, bad checksum, cut zip). */
  archiveFaults: number;
}

/** A running sim exchange. */
export interface SimServer {
  /** Origin to point clients at, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  readonly market: SimMarket;
  stats(): SimStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string | Uint8Array;
  headers?: Record<string, string>;
  /** Send the headers and half the body, then nothing more. */
  stall?: boolean;
}

const HOUR_MS = 3_600_000;
const DATA_PATHS = new Set(['/api/v3/klines', '/api/v3/aggTrades', '/api/v3/trades']);
const WEIGHTS: Record<string, number> = {
  '/api/v3/klines': 2,
  '/api/v3/aggTrades': 2,
  '/api/v3/trades': 2,
  '/api/v3/exchangeInfo': 20,
};
const SERVER_ERRORS: readonly Answer[] = [
  {
    status: 500,
    body: '{"code":-1000,"msg":"An unknown error occurred while processing the request."}',
  },
  { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  { status: 503, body: '{"code":-1008,"msg":"Server is currently overloaded."}' },
  { status: 504, body: '' },
];

const fail = (status: number, code: number, msg: string): Answer => ({
  status,
  body: JSON.stringify({ code, msg }),
});

function rate(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`sim: ${name} must be from 0 to 1, got ${v}`);
  return v;
}

/**
 * Starts a Binance-spot-shaped HTTP exchange over a {@link SimMarket}, with
 * request weights, 429/418 limits and seeded fault injection. ccxt's binance
 * class works against it once its API URLs point here.
 * @example
 * const sim = await startSimServer({ errorRate: 0.1 });
 * // new ccxt.binance({ urls: { api: { public: `${sim.url}/api/v3` } } })
 * await sim.close();
 */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const market =
    options.market ??
    new SimMarket({
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.maintenance === undefined ? {} : { maintenance: options.maintenance }),
    });
  const baseNowMs = options.nowMs ?? Date.now;
  const clockOffsetMs = options.clockOffsetMs ?? 0;
  const nowMs = clockOffsetMs === 0 ? baseNowMs : () => baseNowMs() + clockOffsetMs;
  const errorRate = rate('errorRate', options.errorRate);
  const truncateRate = rate('truncateRate', options.truncateRate);
  const stallRate = rate('stallRate', options.stallRate);
  const retryAfterRate = rate('retryAfterRate', options.retryAfterRate);
  const retryAfterS = options.retryAfterS ?? 60;
  const microsRate = rate('microsRate', options.microsRate);
  const weightLimit = options.weightPerMinute ?? Number.POSITIVE_INFINITY;
  const latencyMs = options.latencyMs ?? 0;
  const random = seededRandom(options.faultSeed ?? 1);
  const bySymbol = new Map(market.subjects().map((s) => [binanceSymbol(s), s]));
  const windowMs = options.weightWindowMs ?? 60_000;
  const weights = new WeightWindow(windowMs);
  let recent429: number[] = [];
  let bannedUntil = 0;
  let stats = emptyStats();

  const data = new DataRoutes(market, nowMs, random, options);
  let origin = '';
  const polygon = new PolygonRoutes(market, nowMs, () => origin, options.polygon);
  const archive = new ArchiveRoutes(market, nowMs, bySymbol, {
    ...options.archive,
    badRowsEvery: options.badRowsEvery,
  });

  function route(path: string, query: URLSearchParams, micros = false): Answer {
    if (isPolygonPath(path)) return polygon.answer(path, query);
    switch (path) {
      case '/api/v3/ping':
        return { status: 200, body: '{}' };
      case '/api/v3/time':
        return { status: 200, body: `{"serverTime":${nowMs()}}` };
      case '/api/v3/exchangeInfo':
        return { status: 200, body: exchangeInfoJson(market.subjects(), nowMs()) };
      case '/fapi/v1/exchangeInfo':
      case '/dapi/v1/exchangeInfo':
        return { status: 200, body: `{"timezone":"UTC","serverTime":${nowMs()},"symbols":[]}` };
    }
    if (!DATA_PATHS.has(path)) return fail(404, -1, `unknown endpoint ${path}`);
    const symbol = query.get('symbol') ?? '';
    const subject = bySymbol.get(symbol);
    if (subject === undefined) return fail(400, -1121, 'Invalid symbol.');
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 500) || 500));
    if (path === '/api/v3/klines') {
      const interval = query.get('interval') ?? '';
      if (!BINANCE_INTERVALS.has(interval)) return fail(400, -1120, 'Invalid interval.');
      const start = num(query, 'startTime');
      return data.klines(subject, interval, start, num(query, 'endTime'), limit, micros);
    }
    if (path === '/api/v3/aggTrades') {
      return data.aggTrades(subject, num(query, 'startTime'), num(query, 'endTime'), limit);
    }
    return data.recentTrades(subject, limit);
  }

  function limitWeight(path: string, now: number): Answer | undefined {
    if (now < bannedUntil) {
      stats.http418++;
      return {
        ...fail(418, -1003, 'Way too many requests; IP banned.'),
        headers: { 'retry-after': String(Math.ceil((bannedUntil - now) / 1000)) },
      };
    }
    const weight = WEIGHTS[path] ?? 1;
    const used = weights.used(now);
    if (used + weight <= weightLimit) {
      weights.add(weight, now);
      stats.weightTotal += weight;
      return undefined;
    }
    recent429 = recent429.filter((at) => at > now - windowMs);
    const waitMs = weights.msUntilFits(weight, weightLimit, now);
    if (recent429.length >= 3) {
      // A client that keeps going after three 429s gets banned, as Binance does.
      bannedUntil = now + waitMs + windowMs;
      stats.http418++;
      return {
        ...fail(418, -1003, 'Way too many requests; IP banned.'),
        headers: { 'retry-after': String(Math.ceil((bannedUntil - now) / 1000)) },
      };
    }
    recent429.push(now);
    stats.http429++;
    return {
      ...fail(429, -1003, 'Too much request weight used.'),
      headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
    };
  }

  function answer(req: IncomingMessage): Answer {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    if (path === '/__sim/stats') return { status: 200, body: JSON.stringify(snapshot()) };
    if (path === '/__sim/reset' && req.method === 'POST') {
      resetStats();
      return { status: 200, body: '{}' };
    }
    stats.requests++;
    if (isArchivePath(path)) {
      const result = archive.answer(path);
      if (result.fault === true) stats.archiveFaults++;
      if (result.status === 200 && path.endsWith('.zip')) stats.archiveFiles++;
      return result;
    }
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    const limited = limitWeight(path, performance.now());
    if (limited !== undefined) return limited;
    if (DATA_PATHS.has(path) || isPolygonPath(path)) {
      stats.dataRequests++;
      const draw = random();
      if (draw < errorRate) {
        const error = SERVER_ERRORS[Math.floor(random() * SERVER_ERRORS.length)]!;
        stats.http5xx++;
        return error;
      }
      // Past every other fault's share, a share of pages comes in microseconds.
      const faultShare = errorRate + truncateRate + stallRate + retryAfterRate;
      const micros = draw >= faultShare && draw < faultShare + microsRate;
      const result = route(path, query, micros);
      if (micros && path === '/api/v3/klines') stats.micros++;
      if (draw < errorRate + truncateRate && result.status === 200) {
        stats.truncated++;
        return { status: 200, body: result.body.slice(0, Math.floor(result.body.length / 2)) };
      }
      if (draw < errorRate + truncateRate + stallRate && result.status === 200) {
        stats.stalled++;
        return { ...result, stall: true };
      }
      if (draw < errorRate + truncateRate + stallRate + retryAfterRate) {
        stats.http429++;
        return {
          ...fail(429, -1003, 'Too many requests; slow down.'),
          headers: { 'retry-after': String(retryAfterS) },
        };
      }
      return result;
    }
    return route(path, query);
  }

  function send(res: ServerResponse, result: Answer): void {
    res.writeHead(result.status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(result.body),
      'x-mbx-used-weight': String(weights.used(performance.now())),
      'x-mbx-used-weight-1m': String(weights.used(performance.now())),
      ...result.headers,
    });
    if (result.stall === true) {
      // Half the promised body, then silence until the client gives up or the server closes.
      res.write(result.body.slice(0, Math.floor(result.body.length / 2)));
      return;
    }
    res.end(result.body);
  }

  function snapshot(): SimStats {
    return { ...stats, byPath: { ...stats.byPath }, weightUsed: weights.used(performance.now()) };
  }

  function resetStats(): void {
    stats = emptyStats();
    weights.clear();
    recent429 = [];
    bannedUntil = 0;
  }

  const server = createServer((req, res) => {
    let result: Answer;
    try {
      result = answer(req);
    } catch (error) {
      result = fail(500, -1000, error instanceof Error ? error.message : String(error));
    }
    if (latencyMs > 0) setTimeout(() => send(res, result), latencyMs);
    else send(res, result);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;
  return {
    url: origin,
    port: address.port,
    market,
    stats: snapshot,
    resetStats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function emptyStats(): SimStats {
  return {
    requests: 0,
    dataRequests: 0,
    byPath: {},
    http429: 0,
    http418: 0,
    http5xx: 0,
    truncated: 0,
    stalled: 0,
    micros: 0,
    weightUsed: 0,
    weightTotal: 0,
    archiveFiles: 0,
    archiveFaults: 0,
  };
}

function num(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The data endpoints, with Binance's paging semantics and the page-edge faults. */
class DataRoutes {
  constructor(
    private readonly market: SimMarket,
    private readonly nowMs: () => number,
    private readonly random: () => number,
    private readonly faults: Pick<
      SimServerOptions,
      'duplicateRows' | 'shuffleRows' | 'badRowsEvery'
    >,
  ) {}

  /** `GET /api/v3/klines`: from `startTime` forward, else the last `limit` up to `endTime`/now. */
  klines(
    subject: string,
    interval: string,
    startTime: number | undefined,
    endTime: number | undefined,
    limit: number,
    micros = false,
  ): Answer {
    const now = this.nowMs();
    const stepMs = granularityMs(interval);
    const endMs = endTime === undefined ? now + stepMs : endTime + 1;
    let rows: Candle[];
    if (startTime === undefined) {
      const lastMs = Math.min(endMs, floorToBar(now, stepMs));
      rows = this.market.candles(
        subject,
        interval,
        { startMs: lastMs - limit * stepMs, endMs: lastMs },
        now,
      );
      rows = rows.slice(Math.max(0, rows.length - limit));
    } else {
      rows = [];
      // Maintenance gaps leave chunks short, so keep going until `limit` rows or the end.
      let from = Math.max(startTime, this.market.genesisMs - stepMs);
      while (rows.length < limit && from < endMs && from <= now) {
        const to = Math.min(endMs, from + (limit - rows.length) * stepMs);
        for (const c of this.market.candles(subject, interval, { startMs: from, endMs: to }, now)) {
          rows.push(c);
        }
        from = to;
      }
      // The still-open bar comes last with its values so far, as real exchanges serve it.
      const open = this.market.openCandle(subject, interval, now);
      if (
        open !== undefined &&
        rows.length < limit &&
        open.tsMs >= startTime &&
        open.tsMs < endMs
      ) {
        rows.push(open);
      }
      if (this.faults.duplicateRows && rows.length > 0) {
        const before = this.market.candles(
          subject,
          interval,
          { startMs: startTime - 2 * stepMs, endMs: startTime },
          now,
        );
        rows = [...before, ...rows, rows[0]!];
      }
    }
    const every = this.faults.badRowsEvery;
    if (every !== undefined) {
      rows = rows.map((c) =>
        Math.floor(c.tsMs / stepMs) % every === 0 ? { ...c, high: c.low - 1 } : c,
      );
    }
    return this.#page(rows.map((c) => klineJson(c, stepMs, micros ? 1000 : 1)));
  }

  /** `GET /api/v3/aggTrades`: from `startTime` (window at most 1 h), else the most recent. */
  aggTrades(
    subject: string,
    startTime: number | undefined,
    endTime: number | undefined,
    limit: number,
  ): Answer {
    if (startTime === undefined) return this.#page(this.#recent(subject, limit).map(aggTradeJson));
    const endMs = endTime === undefined ? startTime + HOUR_MS : endTime + 1;
    if (endMs - startTime > HOUR_MS + 1) {
      return fail(400, -1127, 'More than 1 hours between startTime and endTime.');
    }
    let rows = this.market.trades(subject, { startMs: startTime, endMs }, this.nowMs());
    if (rows.length > limit) rows = rows.slice(0, limit);
    if (this.faults.duplicateRows && rows.length > 0) {
      const before = this.market.trades(
        subject,
        { startMs: startTime - 60_000, endMs: startTime },
        this.nowMs(),
      );
      rows = [...before.slice(-3), ...rows, rows[0]!];
    }
    return this.#page(rows.map(aggTradeJson));
  }

  /** `GET /api/v3/trades`: the most recent `limit` trades. */
  recentTrades(subject: string, limit: number): Answer {
    return this.#page(this.#recent(subject, limit).map(tradeJson));
  }

  #recent(subject: string, limit: number): Trade[] {
    const now = this.nowMs();
    let rows: Trade[] = [];
    for (let end = now; rows.length < limit && end > this.market.genesisMs; end -= HOUR_MS) {
      rows = [...this.market.trades(subject, { startMs: end - HOUR_MS, endMs: end }, now), ...rows];
    }
    return rows.slice(Math.max(0, rows.length - limit));
  }

  #page(items: string[]): Answer {
    if (this.faults.shuffleRows) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        const swap = items[i]!;
        items[i] = items[j]!;
        items[j] = swap;
      }
    }
    return { status: 200, body: arrayJson(items) };
  }
}
