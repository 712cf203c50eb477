/** @module THE backfill engine: every entry point (CLI, jobs, scheduler, SDK, seamless) fills through it. */
import type { Logger } from 'pino';
import type { ConformanceReport } from '../conformance/report.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { FillOrigin } from '../core/fill-origin.js';
import {
  intersectRanges,
  mergeRanges,
  missingRanges,
  type Range,
  subtractRanges,
  totalMs,
} from '../core/range-math.js';
import type { Frame } from '../core/rows.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import type { DataFetcher, FetchEvents } from '../sources/data-fetcher.js';
import { checkNumber } from '../sources/options-check.js';
import { raceSignal } from '../sources/paging.js';
import { withRetry } from '../sources/retry.js';
import type { Store } from '../storage/index.js';
import { closedWindow } from './closed-window.js';
import { conformanceStore } from './conformance-store.js';
import { fillWindow, type WindowFill } from './fill-window.js';
import { type BackfillMetrics, createBackfillMetrics } from './metrics.js';
import { Semaphore } from './semaphore.js';
import { type FlightProgress, SingleFlight } from './single-flight.js';

/** Options of {@link BackfillEngine}, checked once when it is built. */
export interface BackfillEngineOptions {
  /** Where filled rows go (through the conformance check when enabled). */
  readonly store: Store;
  /** The fetcher of a series' feed, or undefined when none serves it. */
  readonly fetcherFor: (series: Series) => DataFetcher | undefined;
  /** This machine's clock, used when a fetcher has no clock of its own. @default Date.now */
  readonly nowMs?: (() => number) | undefined;
  /**
   * Grace after a bar closes by the source's clock before it counts as
   * complete (sources revise a bar just after it closes), per series.
   * @default () => 0
   */
  readonly settleMs?: ((series: Series) => number) | undefined;
  /**
   * Bars per single-flight window of `wholeWindows` fills; a multiple of the
   * usual 1000-bar page wastes no request.
   * @default 5000
   */
  readonly windowBars?: number | undefined;
  /** How long a settled flight keeps answering callers, in ms. @default 5000 */
  readonly singleFlightTtlMs?: number | undefined;
  /** Windows filled at once across every caller. @default 4 */
  readonly maxConcurrentRequests?: number | undefined;
  /** Windows allowed to wait for a slot; beyond, `QueueFullError`. @default 100000 */
  readonly maxQueuedRequests?: number | undefined;
  /** Attempts per window on retryable errors (fetchers retry each request too). @default 3 */
  readonly maxAttempts?: number | undefined;
  /** @default 250 */
  readonly retryBackoffMs?: number | undefined;
  /** @default 0.2 */
  readonly jitterRatio?: number | undefined;
  /**
   * Conformance of every stored batch. `partialOk` stores the good rows of a
   * bad batch and leaves the bars of the bad ones uncovered (reported);
   * otherwise the whole batch is refused.
   * @default { enabled: true, partialOk: true }
   */
  readonly conformance?:
    | { readonly enabled?: boolean | undefined; readonly partialOk?: boolean | undefined }
    | undefined;
  /** The runtime's metrics; a private registry when absent. */
  readonly metrics?: BackfillMetrics | undefined;
  /** Receives every conformance report with violations. */
  readonly onReport?: ((report: ConformanceReport) => void) | undefined;
  /**
   * Keeps which source filled which stored range (archive or REST, with the
   * reason of a fallback), called after the rows are durable.
   */
  readonly recordOrigins?: ((series: Series, origins: FillOrigin[]) => Promise<void>) | undefined;
  /** Logs windows; silent when absent. */
  readonly logger?: Logger | undefined;
}

/** Progress of one `fill` over all its windows, after every stored chunk. */
export interface FillProgress {
  readonly series: Series;
  readonly windowsDone: number;
  readonly windowsTotal: number;
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** Milliseconds of the requested window covered now, of `totalMs`. */
  readonly coveredMs: number;
  readonly totalMs: number;
  /** End of the newest stored chunk. */
  readonly cursorMs: number;
}

/** Options of one `fill`. */
export interface FillOptions extends FetchEvents {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: FillProgress) => void) | undefined;
  /** Logs of this request (a child logger with its request id). */
  readonly logger?: Logger | undefined;
  /**
   * Fill the whole aligned windows the ranges touch, not just the ranges, so
   * callers asking for nearby ranges share one flight (the seamless provider).
   * @default false
   */
  readonly wholeWindows?: boolean | undefined;
  /**
   * Checked under the series lock before each write commits; throwing
   * refuses it. A flight joined by several callers uses its creator's fence.
   */
  readonly fence?: (() => Promise<void>) | undefined;
  /**
   * Told which source filled each part once it is stored (archive-backed
   * feeds; a range REST filled in an archive's stead carries a `note`).
   * A flight joined by several callers tells its creator, as with `onRetry`.
   */
  readonly onOrigins?: ((origins: FillOrigin[]) => void) | undefined;
}

/** What one `fill` did. */
export interface FillResult {
  readonly series: Series;
  /** The window asked for, bar aligned and cut at the last closed bar. */
  readonly window: Range;
  /** The ranges that were missing when the fill began. */
  readonly fetched: Range[];
  /** Rows and pages of the flights this call waited for (shared with concurrent callers). */
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** Rows refused by the conformance checks (their bars stay missing). */
  readonly rowsRejected: number;
  /** Conformance reports with violations from those flights. */
  readonly reports: ConformanceReport[];
  /**
   * Which source filled which range, when the fetcher tells (archive-backed
   * feeds); a `note` says why a range the archive should have had came over REST.
   */
  readonly origins: FillOrigin[];
  /** What is still missing afterwards: empty when the fill is complete. */
  readonly gapsLeft: Range[];
}

/** One stored window of {@link BackfillEngine.fillStream}. */
export interface FilledBatch {
  readonly range: Range;
  readonly frame: Frame;
}

interface FlightOutcome {
  readonly fill: WindowFill;
  readonly reports: ConformanceReport[];
}

/**
 * Fills missing history into the store, window by window. Windows are
 * aligned, so any number of concurrent callers share each window's fetch
 * (single-flight); at most `maxConcurrentRequests` run at once; a window is
 * retried on retryable errors; every batch passes conformance before it is
 * written; `backfill_*` metrics are set on the way.
 * @example
 * const engine = new BackfillEngine({ store, fetcherFor: () => fetcher });
 * const result = await engine.fill(series, { startMs, endMs });
 */
export class BackfillEngine {
  /** The metrics this engine sets. */
  readonly metrics: BackfillMetrics;
  readonly #store: Store;
  readonly #fetcherFor: (series: Series) => DataFetcher | undefined;
  readonly #nowMs: () => number;
  readonly #settleMs: (series: Series) => number;
  readonly #windowBars: number;
  readonly #flights: SingleFlight<FlightOutcome>;
  readonly #slots: Semaphore;
  readonly #retry: { maxAttempts: number; retryBackoffMs: number; jitterRatio: number };
  readonly #conformance: { enabled: boolean; partialOk: boolean };
  readonly #onReport: ((report: ConformanceReport) => void) | undefined;
  readonly #recordOrigins: BackfillEngineOptions['recordOrigins'];
  readonly #logger: Logger | undefined;
  readonly #progress = new Map<string, FlightProgress>();

  constructor(options: BackfillEngineOptions) {
    if (typeof options?.store?.coverage !== 'function') {
      throw new InvalidArgumentError('Expected `store` to be a Store (read, write, coverage)');
    }
    if (typeof options.fetcherFor !== 'function') {
      throw new InvalidArgumentError('Expected `fetcherFor` to be a function');
    }
    const int = { min: 1, integer: true };
    this.#store = options.store;
    this.#fetcherFor = options.fetcherFor;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#settleMs = options.settleMs ?? (() => 0);
    this.metrics = options.metrics ?? createBackfillMetrics();
    this.#windowBars = checkNumber('windowBars', options.windowBars, 5_000, int);
    this.#flights = new SingleFlight(
      checkNumber('singleFlightTtlMs', options.singleFlightTtlMs, 5_000, { min: 0 }),
      this.#nowMs,
    );
    this.#slots = new Semaphore(
      checkNumber('maxConcurrentRequests', options.maxConcurrentRequests, 4, int),
      checkNumber('maxQueuedRequests', options.maxQueuedRequests, 100_000, {
        min: 0,
        integer: true,
      }),
      this.metrics.queueDepth,
    );
    this.#retry = {
      maxAttempts: checkNumber('maxAttempts', options.maxAttempts, 3, int),
      retryBackoffMs: checkNumber('retryBackoffMs', options.retryBackoffMs, 250, { min: 0 }),
      jitterRatio: checkNumber('jitterRatio', options.jitterRatio, 0.2, { min: 0, max: 1 }),
    };
    this.#conformance = {
      enabled: options.conformance?.enabled ?? true,
      partialOk: options.conformance?.partialOk ?? true,
    };
    this.#onReport = options.onReport;
    this.#recordOrigins = options.recordOrigins;
    this.#logger = options.logger;
  }

  /**
   * The part of `range` a backfill can cover: bar aligned, up to the last bar
   * closed (less the settle grace) by `nowMs`, this machine's clock by default.
   */
  closedPart(series: Series, range: Range, nowMs = this.#nowMs()): Range | undefined {
    return closedWindow(series, range, nowMs - this.#settleMs(series));
  }

  /**
   * The source's clock (an exchange's server time), else this machine's: a
   * bar is complete when the source's clock is past its end. A source that
   * cannot tell its time now is not an error: the local clock stands in.
   */
  async sourceNowMs(series: Series, signal?: AbortSignal): Promise<number> {
    const fetcher = this.#fetcherFor(series);
    if (fetcher?.serverTimeMs === undefined) return this.#nowMs();
    try {
      return await raceSignal(fetcher.serverTimeMs(signal === undefined ? {} : { signal }), signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      return this.#nowMs();
    }
  }

  /** Whether a fetcher serves the series and any bar of `range` is closed. */
  canFill(series: Series, range: Range): boolean {
    return (
      this.#fetcherFor(series)?.supports(series) === true &&
      this.closedPart(series, range) !== undefined
    );
  }

  /** The parts of `range` (bars complete by the source's clock) not covered yet. */
  async missing(series: Series, range: Range): Promise<Range[]> {
    const window = this.closedPart(series, range, await this.sourceNowMs(series));
    if (window === undefined) return [];
    return missingRanges(window, await this.#store.coverage(series));
  }

  /** Flights in the single-flight map (running or within their TTL). */
  get flightCount(): number {
    return this.#flights.size;
  }

  /**
   * Fills every missing part of `ranges` and resolves when all of it is
   * stored, or rejects with the first window's error (windows already stored
   * stay stored). Throws `InvalidArgumentError` (`UNSUPPORTED_SERIES`) when no
   * fetcher serves the series.
   */
  async fill(
    series: Series,
    ranges: Range | readonly Range[],
    options: FillOptions = {},
  ): Promise<FillResult> {
    const asked = mergeRanges(Array.isArray(ranges) ? ranges : [ranges as Range]);
    this.#fetcherOf(series);
    const nowMs = await this.sourceNowMs(series, options.signal);
    const closed = asked.flatMap((r) => {
      const part = this.closedPart(series, r, nowMs);
      return part === undefined ? [] : [part];
    });
    const window =
      closed.length === 0
        ? (asked[0] ?? { startMs: 0, endMs: 0 })
        : { startMs: closed[0]!.startMs, endMs: closed[closed.length - 1]!.endMs };
    const coverage = await this.#store.coverage(series);
    // A covered day whose file is damaged would count as done with 0 rows: fail
    // naming it. Days not covered are fetched anyway, so a fresh fill checks nothing.
    const covered = intersectRanges(closed, coverage);
    if (covered.length > 0) {
      const span = { startMs: covered[0]!.startMs, endMs: covered[covered.length - 1]!.endMs };
      await this.#store.assertIntact?.(series, span);
    }
    const fetched = subtractRanges(closed, coverage);
    const windows = this.#windowsOf(series, fetched, options.wholeWindows ?? false, nowMs);
    const total = totalMs(closed);
    const base = total - totalMs(fetched);
    const seen = new Map<number, { coveredMs: number; rows: number; pages: number }>();
    let windowsDone = 0;
    let cursorMs = window.startMs;
    const report = () => {
      let coveredMs = base;
      let rowsWritten = 0;
      let pagesFetched = 0;
      for (const p of seen.values()) {
        coveredMs += p.coveredMs;
        rowsWritten += p.rows;
        pagesFetched += p.pages;
      }
      options.onProgress?.({
        series,
        windowsDone,
        windowsTotal: windows.length,
        rowsWritten,
        pagesFetched,
        coveredMs: Math.min(coveredMs, total),
        totalMs: total,
        cursorMs,
      });
    };
    const outcomes = await Promise.all(
      windows.map((w) =>
        this.#join(series, w, options, (p) => {
          // A window counts for its missing part only: what was covered is in `base`.
          const missingMs = totalMs(intersectRanges(fetched, [w]));
          const coveredMs = Math.max(0, p.coveredMs - (p.totalMs - missingMs));
          seen.set(w.startMs, { coveredMs, rows: p.rowsWritten, pages: p.pagesFetched });
          cursorMs = Math.max(cursorMs, p.cursorMs);
          report();
        }).then((outcome) => {
          windowsDone++;
          const missingMs = totalMs(intersectRanges(fetched, [w]));
          seen.set(w.startMs, {
            coveredMs: missingMs,
            rows: outcome.fill.rowsWritten,
            pages: outcome.fill.pagesFetched,
          });
          cursorMs = Math.max(cursorMs, w.endMs);
          report();
          return outcome;
        }),
      ),
    );
    const reports = outcomes.flatMap((o) => o.reports);
    return {
      series,
      window,
      fetched,
      rowsWritten: outcomes.reduce((n, o) => n + o.fill.rowsWritten, 0),
      pagesFetched: outcomes.reduce((n, o) => n + o.fill.pagesFetched, 0),
      rowsRejected: reports.reduce((n, r) => n + r.stats.badRows, 0),
      reports,
      origins: outcomes.flatMap((o) => o.fill.origins),
      gapsLeft: subtractRanges(closed, await this.#store.coverage(series)),
    };
  }

  /**
   * Fills `range` window by window and yields each window's rows, in time
   * order, as soon as it is stored; windows are fetched concurrently.
   */
  async *fillStream(
    series: Series,
    range: Range,
    options: FillOptions = {},
  ): AsyncGenerator<FilledBatch> {
    this.#fetcherOf(series);
    const closed = this.closedPart(series, range);
    const windows =
      closed === undefined ? [] : this.#windowsOf(series, [closed], true, this.#nowMs());
    const pending = windows.map((w) => this.#join(series, w, options, () => {}));
    // Later windows may fail while an earlier one is awaited; their errors surface in turn.
    for (const p of pending) p.catch(() => {});
    for (let i = 0; i < windows.length; i++) {
      await pending[i];
      const part = intersectRanges([windows[i]!], [range])[0]!;
      yield { range: part, frame: await this.#store.read(series, part) };
    }
  }

  #fetcherOf(series: Series): DataFetcher {
    const fetcher = this.#fetcherFor(series);
    if (fetcher === undefined || !fetcher.supports(series)) {
      throw new InvalidArgumentError(
        `${fetcher?.name ?? 'no configured feed'} cannot serve ${seriesId(series)}`,
        'UNSUPPORTED_SERIES',
      );
    }
    return fetcher;
  }

  /** The window length of `wholeWindows` fills. */
  #windowMs(series: Series): number {
    return this.#windowBars * seriesStepMs(series);
  }

  /**
   * The flights of a fill. Whole windows: the aligned windows the ranges
   * touch, so nearby requests share flights. Otherwise each missing range is
   * one flight, fetched as one stream: no page is wasted at a window edge and
   * chunks stay large (a bulk fill writes a few weeks per file write).
   */
  #windowsOf(series: Series, ranges: readonly Range[], whole: boolean, nowMs: number): Range[] {
    if (!whole) return mergeRanges(ranges);
    const windowMs = this.#windowMs(series);
    const out: Range[] = [];
    for (const r of mergeRanges(ranges)) {
      for (let s = Math.floor(r.startMs / windowMs) * windowMs; s < r.endMs; s += windowMs) {
        const w = this.closedPart(series, { startMs: s, endMs: s + windowMs }, nowMs);
        if (w !== undefined && (out.length === 0 || out[out.length - 1]!.startMs !== w.startMs)) {
          out.push(w);
        }
      }
    }
    return out;
  }

  #join(
    series: Series,
    window: Range,
    options: FillOptions,
    onProgress: (p: FlightProgress & WindowStats) => void,
  ): Promise<FlightOutcome> {
    const key = `${seriesId(series)}|${window.startMs}-${window.endMs}`;
    return this.#flights.run(
      key,
      (signal, report) => this.#fly(key, series, window, signal, report, options),
      {
        signal: options.signal,
        onProgress: onProgress as (p: FlightProgress) => void,
        // A job or CLI run that is cancelled returns only once its writes have stopped.
        drain: options.wholeWindows !== true,
      },
    );
  }

  async #fly(
    key: string,
    series: Series,
    window: Range,
    signal: AbortSignal,
    report: (p: FlightProgress) => void,
    options: FillOptions,
  ): Promise<FlightOutcome> {
    const log = (options.logger ?? this.#logger)?.child({ flight: key });
    const release = await this.#slots.acquire(signal);
    const labels = { node_id: seriesId(series), interval: series.granularity ?? 'tick' };
    const reports: ConformanceReport[] = [];
    const fetcher = this.#fetcherOf(series);
    const store = this.#conformance.enabled
      ? conformanceStore(this.#store, {
          partialOk: this.#conformance.partialOk,
          nowMs: this.#nowMs,
          onReport: (r) => {
            reports.push(r);
            for (const v of r.violations) {
              this.metrics.conformanceViolationsTotal.inc({ rule: v.rule });
            }
            this.#onReport?.(r);
          },
        })
      : this.#store;
    const { metrics } = this;
    metrics.jobsInProgress.inc();
    this.#progress.set(key, { coveredMs: 0, totalMs: window.endMs - window.startMs });
    this.#updateCompletion();
    const started = performance.now();
    log?.debug({ startMs: window.startMs, endMs: window.endMs }, 'backfill window started');
    try {
      const fill = await withRetry(
        () =>
          fillWindow(store, fetcher, series, window, {
            signal,
            onStored: async (origins) => {
              await this.#recordOrigins?.(series, origins);
              options.onOrigins?.(origins);
            },
            fence: options.fence,
            onRetry: (info) => {
              metrics.retryTotal.inc(labels);
              options.onRetry?.(info);
            },
            onProgress: (p) => {
              metrics.lastTimestamp.set(labels, Math.floor(p.cursorMs / 1000));
              this.#progress.set(key, { coveredMs: p.coveredMs, totalMs: p.totalMs });
              this.#updateCompletion();
              report(p);
            },
          }),
        {
          ...this.#retry,
          signal,
          what: `backfill ${key}`,
          onRetry: (info) => {
            metrics.retryTotal.inc(labels);
            options.onRetry?.(info);
            log?.warn(
              { attempt: info.attempt, delayMs: info.delayMs, err: info.error.message },
              'backfill window retried',
            );
          },
        },
      );
      metrics.lastTimestamp.set(labels, Math.floor(window.endMs / 1000));
      log?.debug(
        { rows: fill.rowsWritten, pages: fill.pagesFetched, ms: performance.now() - started },
        'backfill window done',
      );
      return { fill, reports };
    } catch (error) {
      if (!signal.aborted) {
        metrics.failureTotal.inc(labels);
        log?.warn({ err: (error as Error).message }, 'backfill window failed');
      }
      throw error;
    } finally {
      metrics.jobsInProgress.dec();
      this.#progress.delete(key);
      this.#updateCompletion();
      release();
    }
  }

  #updateCompletion(): void {
    let covered = 0;
    let total = 0;
    for (const p of this.#progress.values()) {
      covered += p.coveredMs;
      total += p.totalMs;
    }
    this.metrics.completionRatio.set(total === 0 ? 1 : covered / total);
  }
}

/** What a flight reports besides coverage. */
interface WindowStats {
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  readonly cursorMs: number;
}
