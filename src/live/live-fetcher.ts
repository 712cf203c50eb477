import { CancelledError, InvalidArgumentError } from '../core/errors.js';
import { ceilToBar, floorToBar } from '../core/granularity.js';
import type { Candle } from '../core/rows.js';
import { parseSeries, type SeriesLike, seriesId, seriesStepMs } from '../core/series.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { checkNumber } from '../sources/options-check.js';
import { sleep as realSleep } from '../sources/retry.js';

/** Options of `new LiveFetcher`. */
export interface LiveFetcherOptions {
  /** Where closed bars come from; asked only for ranges of closed bars. */
  fetcher: DataFetcher;
  /**
   * Wait after a bar's close before asking for it, so the source has published it.
   * @default 250
   */
  settleMs?: number;
  /**
   * A window the source confirmed empty is asked again until it is this many
   * bars old, in case its bar is published late; older empty windows are left
   * to backfill. Bounds the re-fetch through long maintenance windows.
   * @default 5
   */
  maxLateBars?: number;
  /** The clock, epoch ms. @default Date.now */
  nowMs?: () => number;
  /** Waits `ms`, rejecting with `CancelledError` when `signal` aborts; injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Receives a failed poll; the next poll re-fetches the same range, so
   * nothing is lost. Without it, the first failure ends the iteration by throwing.
   */
  onError?: (error: unknown) => void;
}

/** Where a live iteration starts and stops. */
export interface LiveRange {
  /** The first bar to yield (rounded up to a bar start), epoch ms. */
  startMs: number;
  /** Stop after the last bar that opens before this, epoch ms; never when absent. */
  endMs?: number;
  /** Ends the iteration quietly (no error) when aborted. */
  signal?: AbortSignal;
}

/**
 * Milliseconds from `nowMs` until the next poll: the close of the next bar
 * plus `settleMs`. Computed from the clock each time, so delays never add up.
 * @example nextPollDelayMs(Date.UTC(2024, 0, 1, 12, 0, 10), 60_000, 250) // 50_250
 */
export function nextPollDelayMs(nowMs: number, stepMs: number, settleMs: number): number {
  return floorToBar(nowMs - settleMs, stepMs) + stepMs + settleMs - nowMs;
}

/**
 * Polls a {@link DataFetcher} at bar boundaries and yields each newly closed
 * bar exactly once, in order. Every poll asks for everything since the last
 * bar yielded, so a late or missed poll catches up without a gap.
 * @example
 * const live = new LiveFetcher({ fetcher });
 * for await (const bar of live.bars('candle:binance:BTC/USDT:1m', { startMs: Date.now() })) console.log(bar);
 */
export class LiveFetcher {
  readonly #fetcher: DataFetcher;
  readonly #settleMs: number;
  readonly #maxLateBars: number;
  readonly #nowMs: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #onError: ((error: unknown) => void) | undefined;

  constructor(options: LiveFetcherOptions) {
    if (options?.fetcher === undefined) {
      throw new InvalidArgumentError('Expected `fetcher` to be a DataFetcher, got `undefined`');
    }
    this.#fetcher = options.fetcher;
    this.#settleMs = checkNumber('settleMs', options.settleMs, 250, { min: 0, integer: true });
    this.#maxLateBars = checkNumber('maxLateBars', options.maxLateBars, 5, {
      min: 0,
      integer: true,
    });
    this.#nowMs = options.nowMs ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#onError = options.onError;
  }

  /** Newly closed bars one at a time. */
  async *bars(series: SeriesLike, range: LiveRange): AsyncGenerator<Candle> {
    for await (const batch of this.batches(series, range)) yield* batch;
  }

  /** Newly closed bars as they arrive: one non-empty batch per fetched page. */
  async *batches(series: SeriesLike, range: LiveRange): AsyncGenerator<Candle[]> {
    const parsed = parseSeries(series);
    if (parsed.kind !== 'candle') {
      throw new InvalidArgumentError(`live bars need a candle series, got ${seriesId(parsed)}`);
    }
    const { signal } = range;
    const stepMs = seriesStepMs(parsed);
    const endMs =
      range.endMs === undefined ? Number.POSITIVE_INFINITY : ceilToBar(range.endMs, stepMs);
    let cursorMs = ceilToBar(range.startMs, stepMs);
    try {
      while (cursorMs < endMs && !signal?.aborted) {
        const now = this.#nowMs();
        const closedEndMs = Math.min(endMs, floorToBar(now - this.#settleMs, stepMs));
        if (closedEndMs > cursorMs) {
          const window = { startMs: cursorMs, endMs: closedEndMs };
          try {
            for await (const page of this.#fetcher.pages(
              parsed,
              window,
              signal ? { signal } : {},
            )) {
              const fresh = (page.rows as Candle[]).filter((bar) => bar.tsMs >= cursorMs);
              const afterLastMs = fresh.length === 0 ? cursorMs : fresh.at(-1)!.tsMs + stepMs;
              // Step over a confirmed-empty window only once it is too old to still fill.
              const staleMs = floorToBar(now - this.#maxLateBars * stepMs, stepMs);
              cursorMs = Math.max(afterLastMs, Math.min(page.endMs, staleMs));
              if (fresh.length > 0) yield fresh;
            }
          } catch (error) {
            if (signal?.aborted) return;
            if (this.#onError === undefined) throw error;
            this.#onError(error);
          }
        }
        if (cursorMs >= endMs) return;
        await this.#sleep(nextPollDelayMs(this.#nowMs(), stepMs, this.#settleMs), signal);
      }
    } catch (error) {
      if (signal?.aborted && error instanceof CancelledError) return;
      throw error;
    }
  }
}
