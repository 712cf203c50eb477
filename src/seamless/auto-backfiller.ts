import type { Logger } from 'pino';
import { floorToBar } from '../core/granularity.js';
import { alignRange, intersectRanges, mergeRanges, type Range } from '../core/range-math.js';
import type { Frame } from '../core/rows.js';
import { type Series, seriesId, seriesStepMs } from '../core/series.js';
import { formatTime } from '../core/time.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import { withRetry } from '../sources/retry.js';
import type { Store } from '../storage/store.js';
import { conformanceStore } from '../conformance/checked-store.js';
import type { ConformanceReport } from '../conformance/report.js';
import { type FillResult, HistoryProvider } from './history-provider.js';
import {
  backfillCompletionRatio,
  backfillFailureTotal,
  backfillJobsInProgress,
  backfillLastTimestamp,
  backfillRetryTotal,
} from '../backfill/metrics.js';
import { checkInt, checkRatio } from './options.js';
import { Semaphore } from '../backfill/semaphore.js';
import { type FlightProgress, SingleFlight } from '../backfill/single-flight.js';

/** Options of {@link AutoBackfiller}. */
export interface AutoBackfillerOptions {
  /** Where filled rows go (through the conformance check). */
  readonly store: Store;
  /** The fetcher of a series' feed, or undefined when none serves it. */
  readonly fetcherFor: (series: Series) => DataFetcher | undefined;
  /** The clock; default `Date.now`. */
  readonly nowMs?: () => number;
  /**
   * Bars per single-flight window; missing ranges are filled window by window.
   * @default 5000
   */
  readonly windowBars?: number;
  /**
   * How long a finished or failed flight keeps answering callers, in ms.
   * @default 5000
   */
  readonly singleFlightTtlMs?: number;
  /**
   * Windows filled at once; more wait.
   * @default 4
   */
  readonly maxConcurrentRequests?: number;
  /**
   * Windows allowed to wait; beyond, `QueueFullError`.
   * @default 10000
   */
  readonly maxQueuedRequests?: number;
  /**
   * Attempts per window on retryable source errors (the fetcher retries each request too).
   * @default 3
   */
  readonly maxAttempts?: number;
  /** @default 250 */
  readonly retryBackoffMs?: number;
  /** @default 0.2 */
  readonly jitterRatio?: number;
  /** Conformance of filled rows; blocking unless `partialOk`. */
  readonly conformance?: { readonly enabled?: boolean; readonly partialOk?: boolean };
  /** Receives every conformance report with violations. */
  readonly onReport?: (report: ConformanceReport) => void;
  /** Logs flights; silent when absent. */
  readonly logger?: Logger;
}

/** Progress of one `backfill` call over all its windows. */
export interface BackfillProgress {
  readonly series: Series;
  readonly windowsDone: number;
  readonly windowsTotal: number;
  readonly coveredMs: number;
  readonly totalMs: number;
}

/** Options of one backfill call. */
export interface BackfillOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: BackfillProgress) => void) | undefined;
  /** Logs of this request (a child logger with its request id). */
  readonly logger?: Logger | undefined;
}

/** What one `backfill` call achieved. */
export interface BackfillResult {
  readonly series: Series;
  /** The single-flight windows it waited for. */
  readonly windows: Range[];
  /** Rows and pages of the flights this call waited for (shared with other callers). */
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** Conformance reports with violations from those flights. */
  readonly reports: ConformanceReport[];
}

/** One stored window of `backfillStream`. */
export interface BackfillBatch {
  readonly range: Range;
  readonly frame: Frame;
}

interface FlightOutcome {
  readonly fill: FillResult;
  readonly reports: ConformanceReport[];
}

/**
 * Fills missing ranges from the upstream fetcher into the store, window by
 * window: windows are aligned to `windowBars` bars and single-flight, so any
 * number of concurrent callers fetch each page once. Filled rows pass the
 * conformance check before they are written.
 * @example
 * const backfiller = new AutoBackfiller({ store, fetcherFor: () => fetcher });
 * await backfiller.backfill(series, { startMs, endMs });
 */
export class AutoBackfiller {
  private readonly store: Store;
  private readonly fetcherFor: (series: Series) => DataFetcher | undefined;
  private readonly nowMs: () => number;
  private readonly windowBars: number;
  private readonly flights: SingleFlight<FlightOutcome>;
  private readonly slots: Semaphore;
  private readonly retry: { maxAttempts: number; retryBackoffMs: number; jitterRatio: number };
  private readonly conformance: { enabled: boolean; partialOk: boolean };
  private readonly onReport: ((report: ConformanceReport) => void) | undefined;
  private readonly logger: Logger | undefined;
  private readonly progress = new Map<string, FlightProgress>();

  constructor(options: AutoBackfillerOptions) {
    this.store = options.store;
    this.fetcherFor = options.fetcherFor;
    this.nowMs = options.nowMs ?? Date.now;
    this.windowBars = checkInt('windowBars', options.windowBars, 5_000, 1);
    this.flights = new SingleFlight(
      checkInt('singleFlightTtlMs', options.singleFlightTtlMs, 5_000, 0),
      this.nowMs,
    );
    this.slots = new Semaphore(
      checkInt('maxConcurrentRequests', options.maxConcurrentRequests, 4, 1),
      checkInt('maxQueuedRequests', options.maxQueuedRequests, 10_000, 0),
    );
    this.retry = {
      maxAttempts: checkInt('maxAttempts', options.maxAttempts, 3, 1),
      retryBackoffMs: checkInt('retryBackoffMs', options.retryBackoffMs, 250, 0),
      jitterRatio: checkRatio('jitterRatio', options.jitterRatio, 0.2),
    };
    this.conformance = {
      enabled: options.conformance?.enabled ?? true,
      partialOk: options.conformance?.partialOk ?? false,
    };
    this.onReport = options.onReport;
    this.logger = options.logger;
  }

  /** Whether a fetcher serves the series (and any bar of `range` is closed). */
  canBackfill(series: Series, range: Range): boolean {
    return (
      this.fetcherFor(series)?.supports(series) === true &&
      this.closedPart(series, range) !== undefined
    );
  }

  /** The part of `range` a backfill can cover: bar aligned, up to the last closed bar. */
  closedPart(series: Series, range: Range): Range | undefined {
    const stepMs = seriesStepMs(series);
    const aligned = alignRange(range, stepMs);
    const endMs = Math.min(aligned.endMs, floorToBar(this.nowMs(), stepMs));
    return endMs > aligned.startMs ? { startMs: aligned.startMs, endMs } : undefined;
  }

  /** Flights in the single-flight map (running or within their TTL). */
  get flightCount(): number {
    return this.flights.size;
  }

  /**
   * Fills every missing part of `ranges` and resolves when all of it is
   * stored (or rejects with the first window's error).
   */
  async backfill(
    series: Series,
    ranges: Range | readonly Range[],
    options: BackfillOptions = {},
  ): Promise<BackfillResult> {
    const windows = this.windowsOf(series, Array.isArray(ranges) ? ranges : [ranges as Range]);
    const seen = new Map<string, FlightProgress>();
    let windowsDone = 0;
    const totalMs = windows.reduce((sum, w) => sum + (w.endMs - w.startMs), 0);
    const report = () => {
      let coveredMs = 0;
      for (const p of seen.values()) coveredMs += p.totalMs === 0 ? 0 : p.coveredMs;
      options.onProgress?.({
        series,
        windowsDone,
        windowsTotal: windows.length,
        coveredMs,
        totalMs,
      });
    };
    const outcomes = await Promise.all(
      windows.map((window) =>
        this.join(series, window, options, (p) => {
          seen.set(String(window.startMs), p);
          report();
        }).then((outcome) => {
          windowsDone++;
          seen.set(String(window.startMs), {
            coveredMs: window.endMs - window.startMs,
            totalMs: window.endMs - window.startMs,
          });
          report();
          return outcome;
        }),
      ),
    );
    return {
      series,
      windows,
      rowsWritten: outcomes.reduce((n, o) => n + o.fill.rowsWritten, 0),
      pagesFetched: outcomes.reduce((n, o) => n + o.fill.pagesFetched, 0),
      reports: outcomes.flatMap((o) => o.reports),
    };
  }

  /**
   * Fills `range` window by window and yields each window's rows, in time
   * order, as soon as it is stored; windows are fetched concurrently.
   */
  async *backfillStream(
    series: Series,
    range: Range,
    options: BackfillOptions = {},
  ): AsyncGenerator<BackfillBatch> {
    const windows = this.windowsOf(series, [range]);
    const pending = windows.map((w) => this.join(series, w, options, () => {}));
    // Later windows may fail while an earlier one is awaited; their errors surface in turn.
    for (const p of pending) p.catch(() => {});
    for (let i = 0; i < windows.length; i++) {
      await pending[i];
      const part = intersectRanges([windows[i]!], [range])[0]!;
      yield { range: part, frame: await this.store.read(series, part) };
    }
  }

  /** Aligned windows of `windowBars` bars touching `ranges`, clipped to closed bars. */
  private windowsOf(series: Series, ranges: readonly Range[]): Range[] {
    const windowMs = this.windowBars * seriesStepMs(series);
    const out: Range[] = [];
    for (const r of mergeRanges(ranges)) {
      const closed = this.closedPart(series, r);
      if (closed === undefined) continue;
      for (
        let s = Math.floor(closed.startMs / windowMs) * windowMs;
        s < closed.endMs;
        s += windowMs
      ) {
        const window = this.closedPart(series, { startMs: s, endMs: s + windowMs });
        if (window !== undefined && (out.length === 0 || out[out.length - 1]!.startMs !== s)) {
          out.push(window);
        }
      }
    }
    return out;
  }

  private join(
    series: Series,
    window: Range,
    options: BackfillOptions,
    onProgress: (p: FlightProgress) => void,
  ): Promise<FlightOutcome> {
    const key = `${seriesId(series)}|${window.startMs}`;
    return this.flights.run(
      key,
      (signal, report) => this.fly(key, series, window, signal, report, options.logger),
      {
        signal: options.signal,
        onProgress,
      },
    );
  }

  private async fly(
    key: string,
    series: Series,
    window: Range,
    signal: AbortSignal,
    report: (p: FlightProgress) => void,
    requestLogger: Logger | undefined,
  ): Promise<FlightOutcome> {
    const log = (requestLogger ?? this.logger)?.child({ flight: key });
    const release = await this.slots.acquire(signal);
    const nodeId = seriesId(series);
    const labels = { node_id: nodeId, interval: series.granularity ?? 'tick' };
    const reports: ConformanceReport[] = [];
    const fetcher = this.fetcherFor(series);
    const store = this.conformance.enabled
      ? conformanceStore(this.store, {
          partialOk: this.conformance.partialOk,
          nowMs: this.nowMs,
          onReport: (r) => {
            reports.push(r);
            this.onReport?.(r);
          },
        })
      : this.store;
    const history = new HistoryProvider({ store, fetcher, nowMs: this.nowMs });
    backfillJobsInProgress.inc();
    this.progress.set(key, { coveredMs: 0, totalMs: window.endMs - window.startMs });
    this.updateCompletion();
    const started = performance.now();
    log?.debug({ startMs: window.startMs, endMs: window.endMs }, 'backfill window started');
    try {
      const fill = await withRetry(
        () =>
          history.fillMissing(formatTime(window.startMs), formatTime(window.endMs), {
            series,
            signal,
            onRetry: () => backfillRetryTotal.inc(labels),
            onProgress: (p) => {
              backfillLastTimestamp.set(labels, Math.floor(p.cursorMs / 1000));
              const progress = { coveredMs: p.coveredMs, totalMs: p.totalMs };
              this.progress.set(key, progress);
              this.updateCompletion();
              report(progress);
            },
          }),
        {
          ...this.retry,
          signal,
          what: `backfill ${key}`,
          onRetry: (info) => {
            backfillRetryTotal.inc(labels);
            log?.warn(
              { attempt: info.attempt, delayMs: info.delayMs, err: info.error.message },
              'backfill window retried',
            );
          },
        },
      );
      log?.debug(
        { rows: fill.rowsWritten, pages: fill.pagesFetched, ms: performance.now() - started },
        'backfill window done',
      );
      return { fill, reports };
    } catch (error) {
      if (!signal.aborted) {
        backfillFailureTotal.inc(labels);
        log?.warn({ err: (error as Error).message }, 'backfill window failed');
      }
      throw error;
    } finally {
      backfillJobsInProgress.dec();
      this.progress.delete(key);
      this.updateCompletion();
      release();
    }
  }

  private updateCompletion(): void {
    let covered = 0;
    let total = 0;
    for (const p of this.progress.values()) {
      covered += p.coveredMs;
      total += p.totalMs;
    }
    backfillCompletionRatio.set(total === 0 ? 1 : covered / total);
  }
}
