import { CancelledError, GaplessError } from '../core/errors.js';
import { floorToBar } from '../core/granularity.js';
import { alignRange, makeRange, missingRanges, type Range, totalMs } from '../core/range-math.js';
import type { CandleColumns, Frame, Row } from '../core/rows.js';
import {
  parseSeries,
  type Series,
  type SeriesLike,
  seriesId,
  seriesStepMs,
} from '../core/series.js';
import { parseTime } from '../core/time.js';
import type { DataFetcher, FetchEvents } from '../sources/data-fetcher.js';
import { raceSignal } from '../sources/paging.js';
import type { Store } from '../storage/store.js';
import { CandleColumnBuffer } from './candle-column-buffer.js';
import { type Chunk, DayBatcher, ObjectRowBuffer } from './day-batcher.js';

// Chunks fetched but not yet stored: a write waits on the event loop for its
// file system calls, so the next pages are fetched meanwhile.
const WRITES_AHEAD = 2;

/** A point in time: epoch ms, epoch s, an ISO date or date-time, or `now`. */
export type TimeInput = number | string;

/** Progress of one `fillMissing`, reported after every stored chunk. */
export interface FillProgress {
  readonly series: Series;
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** Milliseconds of the window now covered, of `totalMs`. */
  readonly coveredMs: number;
  readonly totalMs: number;
  /** End of the newest stored chunk. */
  readonly cursorMs: number;
}

/** What `fillMissing` did. */
export interface FillResult {
  readonly series: Series;
  /** The window filled, bar aligned and clipped to the last closed bar. */
  readonly window: Range;
  /** The ranges that were missing and were fetched. */
  readonly fetched: Range[];
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** What is still missing afterwards: empty when the fill is complete. */
  readonly gapsLeft: Range[];
}

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
  /** Where missing data comes from; without one, `fillMissing` fails with `NO_FETCHER`. */
  readonly fetcher?: DataFetcher | undefined;
  /** The clock; default `Date.now`. Used when the fetcher has no clock of its own. */
  readonly nowMs?: () => number;
  /**
   * Grace after a bar closes by the source's clock before it counts as
   * complete (sources revise a bar just after it closes).
   * @default 0
   */
  readonly settleMs?: number;
}

/**
 * Reads series from a store and fills what is missing from a fetcher.
 * @example
 * const provider = new HistoryProvider({ store, fetcher });
 * await provider.fillMissing('2024-01-01', '2024-02-01', { series: 'candle:sim:BTC/USDT:1m' });
 * const frame = await provider.fetch('2024-01-01', '2024-02-01', { series: 'candle:sim:BTC/USDT:1m' });
 */
export class HistoryProvider {
  private readonly store: Store;
  private readonly fetcher: DataFetcher | undefined;
  private readonly nowMs: () => number;
  private readonly settleMs: number;

  constructor(options: HistoryProviderOptions) {
    this.store = options.store;
    this.fetcher = options.fetcher;
    this.nowMs = options.nowMs ?? Date.now;
    this.settleMs = options.settleMs ?? 0;
  }

  /** Stored rows with `start <= ts < end`, as columns. Never fetches. */
  async fetch(start: TimeInput, end: TimeInput, options: { series: SeriesLike }): Promise<Frame> {
    const series = parseSeries(options.series);
    return this.store.read(series, this.range(start, end));
  }

  /** Covered ranges of a series: stored, or confirmed empty by the source. */
  async coverage(series: SeriesLike): Promise<Range[]> {
    return this.store.coverage(parseSeries(series));
  }

  /** The parts of `[start, end)` (bar aligned, up to the last closed bar) not yet covered. */
  async missing(
    start: TimeInput,
    end: TimeInput,
    options: { series: SeriesLike },
  ): Promise<Range[]> {
    const series = parseSeries(options.series);
    const window = this.fillWindow(series, this.range(start, end), await this.sourceNowMs());
    if (window === undefined) return [];
    return missingRanges(window, await this.store.coverage(series));
  }

  /**
   * Fetches only the missing ranges of `[start, end)` and stores them. Safe to
   * kill at any moment: coverage is written after the rows, so a re-run
   * fetches exactly what is still missing.
   */
  async fillMissing(start: TimeInput, end: TimeInput, options: FillOptions): Promise<FillResult> {
    const series = parseSeries(options.series);
    const requested = this.range(start, end);
    if (this.fetcher === undefined) {
      throw new GaplessError(
        'NO_FETCHER',
        'this provider has no fetcher, so it cannot fill missing data',
      );
    }
    if (!this.fetcher.supports(series)) {
      throw new GaplessError(
        'UNSUPPORTED_SERIES',
        `${this.fetcher.name} cannot serve ${seriesId(series)}`,
      );
    }
    const window = this.fillWindow(
      series,
      requested,
      await this.sourceNowMs(options.signal === undefined ? {} : { signal: options.signal }),
    );
    if (window === undefined) {
      return {
        series,
        window: requested,
        fetched: [],
        rowsWritten: 0,
        pagesFetched: 0,
        gapsLeft: [],
      };
    }
    const fetched = missingRanges(window, await this.store.coverage(series));
    const windowMs = window.endMs - window.startMs;
    let coveredMs = windowMs - totalMs(fetched);
    let rowsWritten = 0;
    let pagesFetched = 0;
    // Writes run in order, one after the other; the fetch goes on while up to
    // WRITES_AHEAD of them wait, and a failed one surfaces at the next chunk.
    let lastWrite: Promise<void> = Promise.resolve();
    const queued: Promise<void>[] = [];

    const write = async (chunk: Chunk<Row[] | CandleColumns>): Promise<void> => {
      lastWrite = lastWrite.then(async () => {
        const result = Array.isArray(chunk.rows)
          ? await this.store.write(series, chunk.range, chunk.rows)
          : await this.store.writeCandles!(series, chunk.range, chunk.rows);
        rowsWritten += result.rowsWritten;
        coveredMs += chunk.range.endMs - chunk.range.startMs;
        options.onProgress?.({
          series,
          rowsWritten,
          pagesFetched,
          coveredMs,
          totalMs: windowMs,
          cursorMs: chunk.range.endMs,
        });
      });
      queued.push(lastWrite);
      if (queued.length > WRITES_AHEAD) await queued.shift();
    };

    try {
      for (const range of fetched) {
        // Candles travel as columns when the store takes them so.
        const batcher = new DayBatcher<Row[] | CandleColumns>(
          series.kind === 'candle' && this.store.writeCandles !== undefined
            ? new CandleColumnBuffer()
            : new ObjectRowBuffer(),
        );
        try {
          for await (const page of this.fetcher.pages(series, range, {
            signal: options.signal,
            onRetry: options.onRetry,
          })) {
            pagesFetched++;
            const chunk = batcher.add(page);
            if (chunk !== undefined) await write(chunk);
            if (options.signal?.aborted) throw new CancelledError();
          }
        } finally {
          // Pages already fetched are complete and worth keeping, even when a later one failed.
          const rest = batcher.flush();
          if (rest !== undefined) await write(rest);
        }
      }
    } finally {
      await lastWrite;
    }
    const gapsLeft = missingRanges(window, await this.store.coverage(series));
    return { series, window, fetched, rowsWritten, pagesFetched, gapsLeft };
  }

  private range(start: TimeInput, end: TimeInput): Range {
    const now = this.nowMs();
    return makeRange(parseTime(start, 'start', now), parseTime(end, 'end', now));
  }

  /**
   * The source's clock (an exchange's server time), else this machine's: a
   * bar is complete when the source's clock is past its end. A source that
   * cannot tell its time now is not an error: the local clock stands in.
   */
  private async sourceNowMs(options: { signal?: AbortSignal } = {}): Promise<number> {
    if (this.fetcher?.serverTimeMs === undefined) return this.nowMs();
    try {
      return await raceSignal(this.fetcher.serverTimeMs(options), options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return this.nowMs();
    }
  }

  /**
   * The bar-aligned window up to the last bar complete by `nowMs` less the
   * settle grace, or undefined when nothing there is complete.
   */
  private fillWindow(series: Series, range: Range, nowMs: number): Range | undefined {
    const stepMs = seriesStepMs(series);
    const aligned = alignRange(range, stepMs);
    const lastClosedEnd = floorToBar(nowMs - this.settleMs, stepMs);
    const endMs = Math.min(aligned.endMs, lastClosedEnd);
    return endMs > aligned.startMs ? { startMs: aligned.startMs, endMs } : undefined;
  }
}
