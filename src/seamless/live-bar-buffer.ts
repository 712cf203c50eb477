import { InvalidArgumentError } from '../core/errors.js';
import { intersectRanges, type Range } from '../core/range-math.js';
import type { Candle } from '../core/rows.js';
import {
  parseSeries,
  type Series,
  type SeriesLike,
  seriesId,
  seriesStepMs,
} from '../core/series.js';
import type { LiveFeed } from './live-source.js';

/**
 * The newest closed bars of one series, kept in memory as a {@link LiveFeed}:
 * feed it `LiveFetcher.bars(...)` (or any ordered bar stream) with `follow`.
 * It covers only the contiguous run of bars it saw, so it never claims a hole.
 * @example
 * const buffer = new LiveBarBuffer('candle:binance:BTC/USDT:1m');
 * void buffer.follow(new LiveFetcher({ fetcher }).bars(buffer.series, { startMs: Date.now() }), onError);
 * new SeamlessDataProvider({ store, live: buffer, strategy: 'SEAMLESS' });
 */
export class LiveBarBuffer implements LiveFeed {
  /** The series it holds. */
  readonly series: Series;
  private readonly id: string;
  private readonly stepMs: number;
  private readonly maxBars: number;
  private bufferBars: Candle[] = [];

  /** @param options.maxBars bars kept, oldest dropped first (default 10000). */
  constructor(series: SeriesLike, options: { maxBars?: number } = {}) {
    this.series = parseSeries(series);
    if (this.series.kind !== 'candle') {
      throw new InvalidArgumentError('LiveBarBuffer holds candle series only');
    }
    this.id = seriesId(this.series);
    this.stepMs = seriesStepMs(this.series);
    this.maxBars = options.maxBars ?? 10_000;
    if (!Number.isInteger(this.maxBars) || this.maxBars < 1) {
      throw new InvalidArgumentError(
        `Expected \`maxBars\` to be an integer >= 1, got \`${this.maxBars}\``,
      );
    }
  }

  /** Appends a closed bar; a bar after a hole starts a new run (older bars are dropped). */
  push(bar: Candle): void {
    const last = this.bufferBars[this.bufferBars.length - 1];
    if (last !== undefined && bar.tsMs <= last.tsMs) return;
    if (last !== undefined && bar.tsMs !== last.tsMs + this.stepMs) this.bufferBars = [];
    this.bufferBars.push(bar);
    if (this.bufferBars.length > this.maxBars) this.bufferBars.shift();
  }

  /**
   * Pushes every bar of `bars` until it ends. Errors go to `onError`; the
   * returned promise never rejects.
   */
  async follow(bars: AsyncIterable<Candle>, onError: (error: unknown) => void): Promise<void> {
    try {
      for await (const bar of bars) this.push(bar);
    } catch (error) {
      onError(error);
    }
  }

  /** Whether `series` is the one it holds. */
  supports(series: Series): boolean {
    return seriesId(series) === this.id;
  }

  /** The run of bars it holds, inside `range`. */
  coverage(_series: Series, range: Range): Range[] {
    const first = this.bufferBars[0];
    const last = this.bufferBars[this.bufferBars.length - 1];
    if (first === undefined || last === undefined) return [];
    return intersectRanges([{ startMs: first.tsMs, endMs: last.tsMs + this.stepMs }], [range]);
  }

  /** Its bars inside `range`. */
  bars(_series: Series, range: Range): Candle[] {
    return this.bufferBars.filter((b) => b.tsMs >= range.startMs && b.tsMs < range.endMs);
  }
}
