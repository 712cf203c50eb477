import { InvalidArgumentError } from '../core/errors.js';
import type { Candle } from '../core/rows.js';
import {
  parseSeries,
  type Series,
  type SeriesLike,
  seriesId,
  seriesStepMs,
} from '../core/series.js';
import { checkNumber } from '../sources/options-check.js';
import type { Store } from '../storage/index.js';

/** Options of `new EventRecorder`. */
export interface EventRecorderOptions {
  /** Where live bars become history. */
  store: Store;
  /**
   * Bars held per series before a write; 1 writes every bar as it arrives.
   * Bars recorded together are written together whatever this says.
   * @default 1
   */
  batchBars?: number;
  /**
   * Receives a failed write (its bars stay uncovered, so a later backfill
   * fetches them). Without it, `record` and `flush` reject.
   */
  onError?: (error: unknown) => void;
}

interface Pending {
  series: Series;
  bars: Candle[];
}

/**
 * Writes live bars to a store so they become history with coverage: each run
 * of adjacent bars is one `store.write` over exactly those bars' range
 * (`[first.tsMs, last.tsMs + step)`), so coverage never claims a bar that was
 * not recorded. Writes run one at a time, in order.
 * @example
 * const recorder = new EventRecorder({ store });
 * await recorder.record('candle:binance:BTC/USDT:1m', bar);
 */
export class EventRecorder {
  readonly #store: Store;
  readonly #batchBars: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #pending = new Map<string, Pending>();
  #chain: Promise<void> = Promise.resolve();

  constructor(options: EventRecorderOptions) {
    if (options?.store === undefined) {
      throw new InvalidArgumentError('Expected `store` to be a Store, got `undefined`');
    }
    this.#store = options.store;
    this.#batchBars = checkNumber('batchBars', options.batchBars, 1, { min: 1, integer: true });
    this.#onError = options.onError;
  }

  /** Bars held and not yet written. */
  get pendingBars(): number {
    let count = 0;
    for (const pending of this.#pending.values()) count += pending.bars.length;
    return count;
  }

  /** Records one bar or several; resolves once they are written when the batch is full. */
  async record(series: SeriesLike, bars: Candle | readonly Candle[]): Promise<void> {
    const parsed = parseSeries(series);
    const id = seriesId(parsed);
    let pending = this.#pending.get(id);
    if (pending === undefined) {
      pending = { series: parsed, bars: [] };
      this.#pending.set(id, pending);
    }
    const list: readonly Candle[] = Array.isArray(bars) ? bars : [bars as Candle];
    pending.bars.push(...list);
    if (pending.bars.length >= this.#batchBars || list.length > 1) await this.#write(id);
  }

  /** Writes every bar still held. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending.keys()].map((id) => this.#write(id)));
  }

  #write(id: string): Promise<void> {
    const pending = this.#pending.get(id);
    if (pending === undefined || pending.bars.length === 0) return this.#chain;
    const { series } = pending;
    const bars = pending.bars.splice(0).sort((a, b) => a.tsMs - b.tsMs);
    const write = async () => {
      const stepMs = seriesStepMs(series);
      for (const run of adjacentRuns(bars, stepMs)) {
        const range = { startMs: run[0]!.tsMs, endMs: run.at(-1)!.tsMs + stepMs };
        await this.#store.write(series, range, run);
      }
    };
    const done = this.#chain.then(write);
    this.#chain = done.catch(() => {});
    return done.catch((error: unknown) => {
      if (this.#onError === undefined) throw error;
      this.#onError(error);
    });
  }
}

/** Splits sorted bars where one does not start where the previous ended. */
function adjacentRuns(bars: readonly Candle[], stepMs: number): Candle[][] {
  const runs: Candle[][] = [];
  for (const bar of bars) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run !== undefined && last !== undefined && bar.tsMs <= last.tsMs + stepMs) run.push(bar);
    else runs.push([bar]);
  }
  return runs;
}
