import type { Range } from '../core/range-math.js';
import type { Page, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';

/** What a fetcher reports while it works. */
export interface FetchEvents {
  /** A request failed and will be tried again after `delayMs`. */
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
}

/** Options for one fetch. */
export interface FetchOptions extends FetchEvents {
  /** Stops the fetch; pending pages reject with `CancelledError`. */
  signal?: AbortSignal;
}

/**
 * A source of market data: an exchange through ccxt, a vendor, the sim.
 *
 * `pages` yields, in time order, pages that together cover `[startMs, endMs)`
 * up to the last closed bar: each page holds every row the source has in its
 * window, sorted and unique, so an empty page proves its window empty.
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
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/** Collects the pages of a fetch into one sorted row list: the usual `fetch`. */
export async function collectPages(pages: AsyncIterable<Page>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of pages) for (const row of page.rows) rows.push(row);
  return rows;
}
