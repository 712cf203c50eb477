import { InvalidArgumentError } from '../core/errors.js';
import { ceilToBar, floorToBar, granularityMs } from '../core/granularity.js';
import { type Candle, frameRows } from '../core/rows.js';
import {
  parseSeries,
  type Series,
  type SeriesLike,
  seriesId,
  seriesStepMs,
} from '../core/series.js';
import { parseTime } from '../core/time.js';
import type { HistoryProvider, TimeInput } from '../seamless/history-provider.js';
import { checkNumber } from '../sources/options-check.js';
import type { EventRecorder } from './event-recorder.js';
import type { LiveFetcher } from './live-fetcher.js';

/** Options of `new StreamInput`. */
export interface StreamInputOptions {
  /** A candle series, as an id or object. */
  series: SeriesLike;
  /** Bar size as a granularity (`1m`) or milliseconds; must match the series'. */
  interval?: string | number;
  /** Bars of warm-up history before live bars (the window of the last `period` closed bars). */
  period: number;
  /** Fills and reads the warm-up history. */
  historyProvider: HistoryProvider;
  /** Supplies the bars after the history. */
  liveFetcher: LiveFetcher;
  /** Stores the live bars, so they become history. */
  eventRecorder?: EventRecorder;
  /** Start history here instead of `period` bars back. */
  start?: TimeInput;
  /** Stop after the last bar that opens before this. */
  end?: TimeInput;
  /** The clock, epoch ms. @default Date.now */
  nowMs?: () => number;
  /** Ends the iteration quietly (no error) when aborted. */
  signal?: AbortSignal;
}

/**
 * A stream node: an async iterable of bars that first yields warm-up history
 * (filled from the source if missing) and then live bars, each bar exactly
 * once, in order. The live part starts at the bar right after the history
 * window, so bars that closed while the history loaded come from the live
 * fetcher's catch-up, not a second read.
 * @example
 * const stream = new StreamInput({ series: 'candle:binance:BTC/USDT:1m', interval: '1m', period: 60, historyProvider, liveFetcher, eventRecorder });
 * for await (const bar of stream) strategy.onBar(bar);
 */
export class StreamInput implements AsyncIterable<Candle> {
  /** The series streamed. */
  readonly series: Series;
  /** Bar length, ms. */
  readonly intervalMs: number;
  /** Warm-up bars. */
  readonly period: number;
  readonly #options: StreamInputOptions;
  readonly #nowMs: () => number;
  readonly #startMs: number | undefined;
  readonly #endMs: number | undefined;

  constructor(options: StreamInputOptions) {
    this.series = parseSeries(options.series);
    if (this.series.kind !== 'candle') {
      throw new InvalidArgumentError(
        `a stream needs a candle series, got ${seriesId(this.series)}`,
      );
    }
    this.intervalMs = seriesStepMs(this.series);
    const { interval } = options;
    if (interval !== undefined) {
      const ms = typeof interval === 'number' ? interval : granularityMs(interval);
      if (ms !== this.intervalMs) {
        throw new InvalidArgumentError(
          `Expected \`interval\` to match ${seriesId(this.series)} (${this.intervalMs} ms), got \`${interval}\``,
        );
      }
    }
    this.period = checkNumber('period', options.period, 0, { min: 0, integer: true });
    this.#options = options;
    this.#nowMs = options.nowMs ?? Date.now;
    const now = this.#nowMs();
    this.#startMs =
      options.start === undefined ? undefined : parseTime(options.start, 'start', now);
    this.#endMs = options.end === undefined ? undefined : parseTime(options.end, 'end', now);
    if (this.#startMs !== undefined && this.#endMs !== undefined && this.#endMs <= this.#startMs) {
      throw new InvalidArgumentError('Expected `end` to be after `start`');
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Candle> {
    return this.#run();
  }

  async *#run(): AsyncGenerator<Candle> {
    const { historyProvider, liveFetcher, eventRecorder, signal } = this.#options;
    const series = this.series;
    const stepMs = this.intervalMs;
    const lastClosedEndMs = floorToBar(this.#nowMs(), stepMs);
    const endMs = this.#endMs === undefined ? undefined : ceilToBar(this.#endMs, stepMs);
    const historyStartMs =
      this.#startMs === undefined
        ? lastClosedEndMs - this.period * stepMs
        : floorToBar(this.#startMs, stepMs);
    const historyEndMs = Math.min(lastClosedEndMs, endMs ?? Number.POSITIVE_INFINITY);
    let handoverMs = historyStartMs;
    try {
      if (historyEndMs > historyStartMs) {
        const fill = await historyProvider.fillMissing(historyStartMs, historyEndMs, {
          series,
          ...(signal ? { signal } : {}),
        });
        // Whatever the fill could not cover yet is left to the live fetcher's first poll.
        handoverMs = fill.gapsLeft[0]?.startMs ?? historyEndMs;
        if (handoverMs > historyStartMs) {
          const frame = await historyProvider.fetch(historyStartMs, handoverMs, { series });
          for (const row of frameRows(frame)) yield row as Candle;
        }
      }
      if (signal?.aborted || (endMs !== undefined && handoverMs >= endMs)) return;
      const live = liveFetcher.batches(series, {
        startMs: handoverMs,
        ...(endMs === undefined ? {} : { endMs }),
        ...(signal ? { signal } : {}),
      });
      for await (const batch of live) {
        await eventRecorder?.record(series, batch);
        yield* batch;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    } finally {
      await eventRecorder?.flush();
    }
  }
}
