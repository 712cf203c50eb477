import type { Exchange } from 'ccxt';
import { InvalidArgumentError, SourceError } from '../core/errors.js';
import { ccxtErrors, exchangeClass } from './ccxt-module.js';

/** What ccxt's `handleErrors` hook receives; the response headers carry `Retry-After`. */
type HandleErrors = (
  statusCode: number,
  statusText: string,
  url: string,
  method: string,
  responseHeaders: Record<string, string>,
  responseBody: string,
  response: unknown,
  requestHeaders: unknown,
  requestBody: unknown,
) => undefined;

/**
 * An HTTP answer that failed, captured inside the request that got it.
 * (`exchange.last_response_headers` is shared by concurrent requests, so it
 * cannot tell which `Retry-After` belongs to which call.)
 */
export class HttpFault extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFault';
  }
}

/** Options to build a ccxt exchange. */
export interface CcxtExchangeOptions {
  /** Any ccxt exchange id, e.g. `binance`. */
  exchange: string;
  /** Passed to the ccxt constructor. */
  options?: Record<string, unknown>;
  /** Replaces the origin of every URL in `urls.api` (proxies, testnets, the sim). */
  apiUrl?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/**
 * Builds a ccxt exchange with its own throttle off (gapless limits requests
 * itself), URLs optionally redirected, and `handleErrors` wrapped so every
 * failed or unparseable answer throws an {@link HttpFault} from the request
 * that received it.
 */
export function createCcxtExchange(options: CcxtExchangeOptions): Exchange {
  const Class = exchangeClass(options.exchange);
  if (Class === undefined) {
    throw new InvalidArgumentError(
      `unknown ccxt exchange '${options.exchange}' (see ccxt.exchanges for the ids)`,
      'UNKNOWN_EXCHANGE',
    );
  }
  const user = options.options ?? {};
  const config: Record<string, unknown> = {
    ...user,
    // Merged one level deep so a caller's `options` keep the spot-only default.
    options: { ...spotOnly(options.exchange), ...(user.options as Record<string, unknown>) },
  };
  config.enableRateLimit = false;
  if (options.timeoutMs !== undefined) config.timeout = options.timeoutMs;
  const exchange = new Class(config);
  if (options.apiUrl !== undefined) {
    exchange.urls.api = rebase(exchange.urls.api, options.apiUrl.replace(/\/+$/, '')) as never;
  }
  wrapHandleErrors(exchange);
  boundWholeRequest(exchange);
  return exchange;
}

// Binance otherwise loads futures and delivery markets too: two more hosts, ~20x the weight.
function spotOnly(id: string): Record<string, unknown> {
  return id === 'binance' ? { fetchMarkets: { types: ['spot'] } } : {};
}

/** Replaces the scheme and host of every URL string in `value`, deep, keeping paths. */
export function rebase(value: unknown, origin: string): unknown {
  if (typeof value === 'string') return value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, origin);
  if (Array.isArray(value)) return value.map((v) => rebase(v, origin));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rebase(v, origin)]));
  }
  return value;
}

/** What ccxt's `undiciRequest` returns: the status line now, the body on demand. */
interface UndiciAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  text: () => Promise<string>;
  arrayBuffer: () => Promise<ArrayBuffer>;
}
type UndiciRequest = (url: string, params: Record<string, unknown>) => Promise<UndiciAnswer>;

/**
 * Makes `exchange.timeout` bound the whole request, body included. ccxt clears
 * its timer once the headers arrive, so a server that sends headers and half
 * a body, then goes silent, would hold the request (and the backfill) for
 * ever. Here one deadline covers headers and body, aborts the transport (so no
 * socket is left hanging) and surfaces as ccxt's `RequestTimeout`, which is
 * retried like any timeout.
 */
function boundWholeRequest(exchange: Exchange): void {
  const target = exchange as unknown as { undiciRequest: UndiciRequest };
  const own = target.undiciRequest.bind(exchange);
  target.undiciRequest = async (url, params) => {
    const timeoutMs = Number(exchange.timeout);
    const deadline = AbortSignal.timeout(timeoutMs);
    const given = params.signal as AbortSignal | undefined;
    const signal = given === undefined ? deadline : AbortSignal.any([given, deadline]);
    const timedOut = (error: unknown): unknown =>
      deadline.aborted
        ? new (ccxtErrors().RequestTimeout)(
            `${exchange.id} ${String(params.method)} ${url} request timed out (${timeoutMs} ms)`,
          )
        : error;
    const bounded =
      <T>(read: () => Promise<T>) =>
      async (): Promise<T> => {
        try {
          return await read();
        } catch (error) {
          throw timedOut(error);
        }
      };
    let answer: UndiciAnswer;
    try {
      answer = await own(url, { ...params, signal });
    } catch (error) {
      throw timedOut(error);
    }
    return { ...answer, text: bounded(answer.text), arrayBuffer: bounded(answer.arrayBuffer) };
  };
}

function wrapHandleErrors(exchange: Exchange): void {
  const target = exchange as unknown as { handleErrors: HandleErrors };
  const original = target.handleErrors.bind(exchange);
  target.handleErrors = (status, text, url, method, headers, body, response, reqH, reqB) => {
    if (status === 429 || status === 418 || status >= 500) {
      throw new HttpFault(status, retryAfterMs(headers), `HTTP ${status} ${text} from ${url}`);
    }
    if (status >= 200 && status < 300 && response === undefined && body.trim() !== '') {
      throw new HttpFault(status, undefined, `unparseable body (${body.length} bytes) from ${url}`);
    }
    return original(status, text, url, method, headers, body, response, reqH, reqB);
  };
}

/** `Retry-After` in ms: seconds or an HTTP date; undefined when absent or malformed. */
export function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (headers === undefined) return undefined;
  let raw: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === 'retry-after') raw = value;
  }
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * Turns whatever a ccxt call threw into a `SourceError`: throttling, server
 * faults, timeouts, network errors and bad bodies are retryable; the rest
 * (bad symbol, bad request) is permanent and names `what`.
 */
export function toSourceError(error: unknown, what: string, exchangeId: string): SourceError {
  if (error instanceof SourceError) return error;
  if (error instanceof HttpFault) {
    return new SourceError(`${what}: ${error.message}`, {
      code: error.status === 429 || error.status === 418 ? 'SOURCE_THROTTLED' : 'SOURCE_RETRYABLE',
      retryable: true,
      httpStatus: error.status,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const ccxt = ccxtErrors();
  if (error instanceof ccxt.BadSymbol) {
    return new SourceError(`${what}: ${exchangeId} does not list this symbol (${message})`, {
      code: 'SOURCE_BAD_SYMBOL',
      // A subject the exchange does not list is unknown, not a source failure (exit 3, 404).
      category: 'not_found',
      retryable: false,
      cause: error,
    });
  }
  // NetworkError covers RequestTimeout, DDoSProtection, ExchangeNotAvailable, BadResponse...
  const retryable =
    error instanceof ccxt.NetworkError ||
    error instanceof ccxt.BadResponse ||
    error instanceof ccxt.NullResponse ||
    error instanceof SyntaxError;
  return new SourceError(`${what}: ${message}`, { retryable, cause: error });
}
