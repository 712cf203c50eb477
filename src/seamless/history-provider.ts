/** @module The SDK's plain history facade: read stored rows and fill what is missing, with loose inputs parsed here. */
import { BackfillEngine, type FillProgress, type FillResult } from '../backfill/engine.js';
import { makeRange, type Range } from '../core/range-math.js';
import type { Frame } from '../core/rows.js';
import { parseSeries, type SeriesLike } from '../core/series.js';
import { parseTime } from '../core/time.js';
import type { DataFetcher, FetchEvents } from '../sources/data-fetcher.js';
import type { Store } from '../storage/index.js';

export type { FillProgress, FillResult } from '../backfill/engine.js';

/** A point in time: epoch ms, epoch s, an ISO date or date-time, or `now`. */
export type TimeInput = number | string;

/** Options of `fillMissing`. */
export interface FillOptions extends FetchEvents {
  readonly series: SeriesLike;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FillProgress) => void;
}

/** Options of `new HistoryProvider`. */
export interface HistoryProviderOptions {
  /** Where rows and coverage live. */
  readonly store: Store;
  /** Where missing data comes from; without one, `fillMissing` fails with `UNSUPPORTED_SERIES`. */
  readonly fetcher?: DataFetcher | undefined;
  /** The engine to fill through (shares single-flight and metrics); built from the rest when absent. */
  readonly engine?: BackfillEngine | undefined;
  /** The clock; default `Date.now`. */
  readonly nowMs?: () => number;
}

/**
 * Reads series from a store and fills what is missing through the backfill
 * engine. The SDK edge: series ids and loose times are parsed here, once.
 * @example
 * const provider = new HistoryProvider({ store, fetcher });
 * await provider.fillMissing('2024-01-01', '2024-02-01', { series: 'candle:sim:BTC/USDT:1m' });
 * const frame = await provider.fetch('2024-01-01', '2024-02-01', { series: 'candle:sim:BTC/USDT:1m' });
 */
export class HistoryProvider {
  readonly #store: Store;
  readonly #engine: BackfillEngine;
  readonly #nowMs: () => number;

  constructor(options: HistoryProviderOptions) {
    this.#store = options.store;
    this.#nowMs = options.nowMs ?? Date.now;
    const fetcher = options.fetcher;
    this.#engine =
      options.engine ??
      new BackfillEngine({ store: options.store, fetcherFor: () => fetcher, nowMs: this.#nowMs });
  }

  /** Stored rows with `start <= ts < end`, as columns. Never fetches. */
  async fetch(start: TimeInput, end: TimeInput, options: { series: SeriesLike }): Promise<Frame> {
    return this.#store.read(parseSeries(options.series), this.#range(start, end));
  }

  /** Covered ranges of a series: stored, or confirmed empty by the source. */
  async coverage(series: SeriesLike): Promise<Range[]> {
    return this.#store.coverage(parseSeries(series));
  }

  /** The parts of `[start, end)` (bar aligned, up to the last closed bar) not yet covered. */
  async missing(
    start: TimeInput,
    end: TimeInput,
    options: { series: SeriesLike },
  ): Promise<Range[]> {
    return this.#engine.missing(parseSeries(options.series), this.#range(start, end));
  }

  /**
   * Fetches only the missing ranges of `[start, end)` and stores them. Safe to
   * kill at any moment: coverage is written after the rows, so a re-run
   * fetches exactly what is still missing.
   */
  async fillMissing(start: TimeInput, end: TimeInput, options: FillOptions): Promise<FillResult> {
    const series = parseSeries(options.series);
    return this.#engine.fill(series, this.#range(start, end), {
      signal: options.signal,
      onProgress: options.onProgress,
      onRetry: options.onRetry,
    });
  }

  #range(start: TimeInput, end: TimeInput): Range {
    const now = this.#nowMs();
    return makeRange(parseTime(start, 'start', now), parseTime(end, 'end', now));
  }
}
