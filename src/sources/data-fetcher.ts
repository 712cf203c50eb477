import type { FillOrigin } from '../core/fill-origin.js';
import type { Range } from '../core/range-math.js';
import type { Page, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';

/** A failed request about to be tried again, and the wait before it. */
export interface RetryInfo {
  /** The attempt that failed, 1 for the first. */
  readonly attempt: number;
  /** The wait before the next attempt. */
  readonly delayMs: number;
  readonly error: Error;
  /** Who chose the wait: the source (`Retry-After`) or our backoff. */
  readonly reason: 'retry-after' | 'backoff';
  /** The HTTP status of the failed answer, when there was one (429, 418, 503, ...). */
  readonly httpStatus?: number | undefined;
}

/** What a fetcher reports while it works. */
export interface FetchEvents {
  /** A request failed and will be tried again after `info.delayMs`: waits are never silent. */
  onRetry?: (info: RetryInfo) => void;
}

/** Waits at least this long are worth telling a person about (progress bars, job records). */
export const VISIBLE_WAIT_MS = 5_000;

/** One line on a wait, e.g. `waiting 120 s: exchange asked (418)`. */
export function describeWait(info: RetryInfo): string {
  const seconds = Math.round(info.delayMs / 1000);
  const status = info.httpStatus === undefined ? '' : ` (${info.httpStatus})`;
  return info.reason === 'retry-after'
    ? `waiting ${seconds} s: exchange asked${status}`
    : `waiting ${seconds} s: retry ${info.attempt} after an error${status}`;
}

/** Options for one fetch. */
export interface FetchOptions extends FetchEvents {
  /** Stops the fetch; pending pages reject with `CancelledError`. */
  signal?: AbortSignal;
  /**
   * Told which source answers each part of the range (an archive file, REST)
   * before that part's pages come; fetchers with one source stay silent.
   */
  onOrigin?: (origin: FillOrigin) => void;
}

/**
 * A source of market data: an exchange through ccxt, a vendor, the sim.
 *
 * `pages` yields, in time order, pages that together cover `[startMs, endMs)`
 * up to the last closed bar: each page holds every row the source has in its
 * window, sorted and unique, so an empty page proves its window empty. Only
 * a well-formed empty answer makes an empty page: timestamps are converted to
 * milliseconds per page (`time-units.ts`), and a page that does not answer
 * the window asked is retried as a bad page, never passed on empty.
 * @example
 * for await (const page of fetcher.pages(series, { startMs, endMs })) store(page);
 */
export interface DataFetcher {
  /** A short name for messages and metrics, e.g. `ccxt:binance`. */
  readonly name: string;
  /** Whether this fetcher can serve the series at all. */
  supports(series: Series): boolean;
  /** Streams pages covering the range, in time order. */
  pages(series: Series, range: Range, options?: FetchOptions): AsyncIterable<Page>;
  /** The promise form: every row in the range, sorted and unique. */
  fetch(series: Series, range: Range, options?: FetchOptions): Promise<Row[]>;
  /**
   * The source's clock now, in epoch ms (an exchange's server time): a bar is
   * complete only once this clock is past its end, whatever this machine's
   * clock says. Absent when the source has no clock to ask; callers then use
   * their own.
   */
  serverTimeMs?(options?: FetchOptions): Promise<number>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/** Collects the pages of a fetch into one sorted row list: the usual `fetch`. */
export async function collectPages(pages: AsyncIterable<Page>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of pages) for (const row of page.rows) rows.push(row);
  return rows;
}
