import { randomUUID } from 'node:crypto';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import {
  BackfillEngine,
  type BackfillEngineOptions,
  type FillProgress,
} from '../backfill/engine.js';
import { createBackfillMetrics } from '../backfill/metrics.js';
import { ConformanceError, type ConformanceReport } from '../conformance/report.js';
import { ConformanceReportLog } from '../conformance/report-log.js';
import { CancelledError, GaplessError, InvalidArgumentError } from '../core/errors.js';
import { makeRange, mergeRanges, type Range, subtractRanges } from '../core/range-math.js';
import type { Frame, Row } from '../core/rows.js';
import {
  parseSeries,
  type Series,
  type SeriesLike,
  seriesId,
  seriesStepMs,
} from '../core/series.js';
import { parseTime } from '../core/time.js';
import type { DataFetcher } from '../sources/data-fetcher.js';
import type { Store } from '../storage/index.js';
import { BackfillSource } from './backfill-source.js';
import { CacheSource, type CacheSourceOptions } from './cache-source.js';
import type { DataSource, SourceName } from './data-source.js';
import {
  DataUnavailableError,
  QueueFullError,
  SLAExceededError,
  type SourceFailure,
} from './errors.js';
import { concatFrames, frameFromRows, sliceFrame } from './frame-ops.js';
import type { TimeInput } from './history-provider.js';
import { type LiveFeed, LiveSource } from './live-source.js';
import { createSeamlessMetrics, type SeamlessMetrics } from './metrics.js';
import { checkSlaPolicy, type SlaPolicy, type SlaReport, SlaTracker } from './sla.js';
import { StorageSource } from './storage-source.js';

/** How a request treats data that is not stored yet. */
export const STRATEGIES = ['FAIL_FAST', 'AUTO_BACKFILL', 'PARTIAL_FILL', 'SEAMLESS'] as const;

/**
 * - `FAIL_FAST`: serve from cache and storage; anything missing throws `DataUnavailableError`.
 * - `AUTO_BACKFILL`: fetch what is missing, store it, return the complete window.
 * - `PARTIAL_FILL`: return what is there now plus `missing`; backfill in the background.
 * - `SEAMLESS`: cache, storage, live (newest bars) and backfill together; complete window.
 */
export type Strategy = (typeof STRATEGIES)[number];

/** Options of {@link SeamlessDataProvider}. */
export interface SeamlessProviderOptions {
  /** Where rows and coverage live. */
  readonly store: Store;
  /** The fetcher of a series' feed; without it nothing is backfilled. */
  readonly fetcherFor?: ((series: Series) => DataFetcher | undefined) | undefined;
  /** A live feed for the newest bars (`SEAMLESS`). */
  readonly live?: LiveFeed | undefined;
  /**
   * Strategy of requests that do not name one.
   * @default 'AUTO_BACKFILL'
   */
  readonly strategy?: Strategy | undefined;
  /**
   * Whether `PARTIAL_FILL` starts a background backfill of what is missing.
   * @default true
   */
  readonly enableBackgroundBackfill?: boolean | undefined;
  /**
   * The backfill engine to fill through (the runtime's, shared with jobs and
   * the CLI); without one the provider builds its own from `backfill`.
   */
  readonly engine?: BackfillEngine | undefined;
  /** The runtime's Prometheus registry; a private one when absent. */
  readonly registry?: Registry | undefined;
  /** Single-flight windows, concurrency and retries of backfills (without `engine`). */
  readonly backfill?:
    | Pick<
        BackfillEngineOptions,
        | 'windowBars'
        | 'singleFlightTtlMs'
        | 'maxConcurrentRequests'
        | 'maxQueuedRequests'
        | 'maxAttempts'
        | 'retryBackoffMs'
        | 'jitterRatio'
      >
    | undefined;
  /** The L1 cache; `false` turns it off. */
  readonly cache?: CacheSourceOptions | false | undefined;
  /** Conformance of backfilled rows (blocking unless `partialOk`) and how many reports to keep. */
  readonly conformance?:
    | {
        readonly enabled?: boolean;
        readonly partialOk?: boolean;
        readonly maxSeries?: number;
        readonly maxReportsPerSeries?: number;
      }
    | undefined;
  /** Deadline, stage budgets and freshness. */
  readonly sla?: SlaPolicy | undefined;
  /** The root logger; a pino logger at `logLevel` when absent. */
  readonly logger?: Logger | undefined;
  /**
   * Level of the default logger (`silent` in tests).
   * @default 'info'
   */
  readonly logLevel?: string | undefined;
  /** Receives every error of background work (also counted and logged). */
  readonly onError?:
    | ((error: unknown, context: { series: string; requestId: string }) => void)
    | undefined;
  /** The clock; default `Date.now`. */
  readonly nowMs?: (() => number) | undefined;
  /** Closes fetchers the provider owns, on `close`. */
  readonly closeFetchers?: (() => Promise<void>) | undefined;
}

/** Options of one request. */
export interface SeamlessRequest {
  readonly series: SeriesLike;
  /** Overrides the provider's strategy. */
  readonly strategy?: Strategy | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Progress of a backfill this request waits for. */
  readonly onProgress?: ((progress: FillProgress) => void) | undefined;
  /** Correlates logs; a random UUID when absent. */
  readonly requestId?: string | undefined;
}

/** What a request returns. */
export interface SeamlessResult {
  readonly requestId: string;
  readonly series: Series;
  readonly strategy: Strategy;
  /** The window served: bar aligned, up to the last closed bar. */
  readonly window: Range;
  /** Rows of the window, sorted and unique. */
  readonly frame: Frame;
  /** Parts of the window not in `frame` (always empty for complete strategies without conformance drops). */
  readonly missing: Range[];
  /** Rows served by each source. */
  readonly sources: Record<SourceName, number>;
  /** Sources that failed and were skipped. */
  readonly failures: SourceFailure[];
  /** Conformance reports with violations from this request's backfill. */
  readonly conformance?: ConformanceReport[];
  readonly sla: SlaReport;
}

const PASS_THROUGH = [CancelledError, SLAExceededError, ConformanceError, QueueFullError] as const;

/**
 * Serves any window of a series from the L1 cache, storage, the live feed
 * and the upstream, by strategy: callers never think about where data comes
 * from or whether it was there.
 * @example
 * const provider = new SeamlessDataProvider({ store, fetcherFor: () => fetcher });
 * const { frame } = await provider.fetch('2024-01-01', '2024-02-01', { series: 'candle:sim:BTC/USDT:1m' });
 */
export class SeamlessDataProvider {
  /** The L1 cache, when enabled. */
  readonly cache: CacheSource | undefined;
  private readonly storage: StorageSource;
  private readonly live: LiveSource | undefined;
  private readonly backfillSource: BackfillSource;
  private readonly backfiller: BackfillEngine;
  /** Whether the engine is the runtime's (its reports reach us through results only). */
  private readonly sharedEngine: boolean;
  private readonly metrics: SeamlessMetrics;
  /** The registry of this provider's metrics. */
  readonly metricsRegistry: Registry;
  private readonly strategy: Strategy;
  private readonly backgroundEnabled: boolean;
  private readonly sla: SlaPolicy;
  private readonly logger: Logger;
  private readonly onError: SeamlessProviderOptions['onError'];
  private readonly nowMs: () => number;
  private readonly reports: ConformanceReportLog;
  private readonly background = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private readonly closeFetchers: (() => Promise<void>) | undefined;

  constructor(options: SeamlessProviderOptions) {
    if (
      options === null ||
      typeof options !== 'object' ||
      typeof options.store?.read !== 'function'
    ) {
      throw new InvalidArgumentError('Expected `store` to be a Store (read, write, coverage)');
    }
    this.strategy = checkStrategy(options.strategy ?? 'AUTO_BACKFILL');
    this.backgroundEnabled = options.enableBackgroundBackfill ?? true;
    this.sla = checkSlaPolicy(options.sla);
    this.nowMs = options.nowMs ?? Date.now;
    this.logger = options.logger ?? pino({ name: 'gapless', level: options.logLevel ?? 'info' });
    this.onError = options.onError;
    this.closeFetchers = options.closeFetchers;
    this.reports = new ConformanceReportLog(
      options.conformance?.maxSeries,
      options.conformance?.maxReportsPerSeries,
    );
    this.cache =
      options.cache === false
        ? undefined
        : new CacheSource({ nowMs: this.nowMs, ...options.cache });
    this.storage = new StorageSource(options.store);
    this.live = options.live === undefined ? undefined : new LiveSource(options.live);
    this.metricsRegistry = options.registry ?? options.engine?.metrics.registry ?? new Registry();
    this.metrics = createSeamlessMetrics(this.metricsRegistry);
    const fetcherFor = options.fetcherFor ?? (() => undefined);
    this.backfiller =
      options.engine ??
      new BackfillEngine({
        ...options.backfill,
        store: options.store,
        fetcherFor,
        nowMs: this.nowMs,
        logger: this.logger,
        metrics: createBackfillMetrics(this.metricsRegistry),
        conformance: {
          enabled: options.conformance?.enabled ?? true,
          partialOk: options.conformance?.partialOk ?? false,
        },
        // Refused batches throw, so their reports are kept from here, not from results.
        onReport: (report) => this.reports.add(report),
      });
    this.sharedEngine = options.engine !== undefined;
    this.backfillSource = new BackfillSource(this.backfiller, options.store);
  }

  /**
   * Rows of `[start, end)` by the request's strategy.
   * @throws DataUnavailableError (`DATA_MISSING`) under `FAIL_FAST`, or when a
   *   complete strategy cannot complete the window; `ConformanceError`,
   *   `SLAExceededError`, `CancelledError`, `InvalidArgumentError`.
   */
  async fetch(start: TimeInput, end: TimeInput, request: SeamlessRequest): Promise<SeamlessResult> {
    if (request === null || typeof request !== 'object') {
      throw new InvalidArgumentError('Expected a request object with `series`');
    }
    if (this.closing.signal.aborted)
      throw new GaplessError('CLOSED', 'the seamless provider is closed');
    const series = parseSeries(request.series);
    const strategy = checkStrategy(request.strategy ?? this.strategy);
    const now = this.nowMs();
    const requested = makeRange(parseTime(start, 'start', now), parseTime(end, 'end', now));
    const window = this.backfiller.closedPart(series, requested) ?? {
      startMs: requested.startMs,
      endMs: requested.startMs,
    };
    const requestId = checkRequestId(request.requestId);
    const log = this.logger.child({ reqId: requestId, series: seriesId(series) });
    const sla = new SlaTracker(this.sla, `${seriesId(series)} request ${requestId}`, this.metrics);
    const sources: Record<SourceName, number> = { cache: 0, storage: 0, backfill: 0, live: 0 };
    const failures: SourceFailure[] = [];
    const reports: ConformanceReport[] = [];
    const pieces: Frame[] = [];
    let remaining: Range[] = window.endMs > window.startMs ? [window] : [];
    log.debug({ strategy, startMs: window.startMs, endMs: window.endMs }, 'request');

    for (const source of this.sourcesFor(strategy)) {
      if (remaining.length === 0) break;
      if (!source.isAvailable()) continue;
      remaining = await sla.stage(source.name, request.signal, async (signal) => {
        const left = await this.serveFrom(source, series, remaining, {
          signal,
          logger: log,
          onProgress: request.onProgress,
          onReports: (r) => {
            reports.push(...r);
            if (this.sharedEngine) for (const report of r) this.reports.add(report);
          },
          pieces,
          sources,
          failures,
        });
        if (source.name === 'cache') this.metrics.recordCacheLookup(left.length === 0);
        return left;
      });
    }

    const droppedByConformance = reports.some((r) => !r.ok);
    const complete = strategy === 'AUTO_BACKFILL' || strategy === 'SEAMLESS';
    if (remaining.length > 0 && (strategy === 'FAIL_FAST' || (complete && !droppedByConformance))) {
      log.info({ missing: remaining.length, failures: failures.length }, 'data unavailable');
      throw new DataUnavailableError(
        series,
        remaining,
        failures,
        strategy === 'FAIL_FAST' ? 'strategy FAIL_FAST' : 'backfill could not complete the window',
      );
    }
    if (remaining.length > 0 && strategy === 'PARTIAL_FILL' && this.backgroundEnabled) {
      this.startBackground(series, remaining, requestId, log);
    }
    const frame = concatFrames(series, pieces);
    sla.checkFreshness(frame, window.endMs, seriesStepMs(series), this.nowMs());
    const slaReport = sla.finish();
    log.debug({ rows: frame.length, sources, ms: slaReport.elapsedMs }, 'served');
    return {
      requestId,
      series,
      strategy,
      window,
      frame,
      missing: remaining,
      sources,
      failures,
      ...(reports.length > 0 ? { conformance: reports } : {}),
      sla: slaReport,
    };
  }

  /** The parts of `[start, end)` (bar aligned, closed bars) that neither cache nor storage hold. */
  async missing(
    start: TimeInput,
    end: TimeInput,
    options: { series: SeriesLike },
  ): Promise<Range[]> {
    const series = parseSeries(options?.series);
    const now = this.nowMs();
    const range = makeRange(parseTime(start, 'start', now), parseTime(end, 'end', now));
    const window = this.backfiller.closedPart(series, range);
    if (window === undefined) return [];
    return subtractRanges([window], await this.storage.coverage(series, window));
  }

  /** Covered ranges of a series in storage. */
  async coverage(series: SeriesLike): Promise<Range[]> {
    return this.storage.coverage(parseSeries(series), {
      startMs: Number.MIN_SAFE_INTEGER,
      endMs: Number.MAX_SAFE_INTEGER,
    });
  }

  /** Resolves when every background backfill started so far has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** Conformance reports with violations kept for a series, oldest first. */
  conformanceReports(series: SeriesLike): ConformanceReport[] {
    return this.reports.get(seriesId(parseSeries(series)));
  }

  /** The most recent conformance report with violations, of any series. */
  get lastConformanceReport(): ConformanceReport | undefined {
    return this.reports.last;
  }

  /** Backfill flights in the single-flight map (running or within their TTL). */
  get flightCount(): number {
    return this.backfiller.flightCount;
  }

  /** Cancels background backfills, waits for them and closes owned fetchers; the store stays open. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
    await this.closeFetchers?.();
  }

  private sourcesFor(strategy: Strategy): DataSource[] {
    const list: (DataSource | undefined)[] = [this.cache, this.storage];
    if (strategy === 'SEAMLESS') list.push(this.live, this.backfillSource);
    if (strategy === 'AUTO_BACKFILL') list.push(this.backfillSource);
    return list
      .filter((s): s is DataSource => s !== undefined)
      .sort((a, b) => a.priority - b.priority);
  }

  /** Serves what `source` covers of `remaining`; returns what is still missing. */
  private async serveFrom(
    source: DataSource,
    series: Series,
    remaining: Range[],
    ctx: {
      signal: AbortSignal | undefined;
      logger: Logger;
      onProgress: SeamlessRequest['onProgress'];
      onReports: (reports: ConformanceReport[]) => void;
      pieces: Frame[];
      sources: Record<SourceName, number>;
      failures: SourceFailure[];
    },
  ): Promise<Range[]> {
    const options = {
      signal: ctx.signal,
      logger: ctx.logger,
      onProgress: ctx.onProgress,
      onReports: ctx.onReports,
    };
    let left = remaining;
    try {
      const hull = {
        startMs: remaining[0]!.startMs,
        endMs: remaining[remaining.length - 1]!.endMs,
      };
      const covered = await source.coverage(series, hull, options);
      const serve = subtractRanges(left, subtractRanges(left, covered));
      for (const piece of serve) {
        if (ctx.signal?.aborted) throw new CancelledError();
        const t0 = performance.now();
        const got = await source.fetch(series, piece, options);
        this.metrics.sourceLatencySeconds.observe(
          { source: source.name },
          (performance.now() - t0) / 1000,
        );
        const frame = toFrame(series, got, piece);
        // What the backfill could not store (conformance drops) stays missing.
        const served =
          source.name === 'backfill' ? await this.storage.coverage(series, piece) : [piece];
        if (this.cache !== undefined && (source.name === 'storage' || source.name === 'backfill')) {
          for (const r of served)
            this.cache.put(series, r, served.length === 1 ? frame : sliceFrame(frame, r));
        }
        ctx.pieces.push(frame);
        ctx.sources[source.name] += frame.length;
        left = subtractRanges(left, served);
      }
    } catch (error) {
      if (PASS_THROUGH.some((E) => error instanceof E)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      ctx.failures.push({ source: source.name, message, error });
      this.metrics.sourceErrorsTotal.inc({ source: source.name });
      ctx.logger.warn({ source: source.name, err: message }, 'source failed; trying the next one');
    }
    return mergeRanges(left);
  }

  private startBackground(series: Series, ranges: Range[], requestId: string, log: Logger): void {
    this.backfiller.metrics.queueDepth.inc();
    const task: Promise<void> = this.backfiller
      .fill(series, ranges, { wholeWindows: true, signal: this.closing.signal, logger: log })
      .then(
        (result) => {
          if (this.sharedEngine) for (const report of result.reports) this.reports.add(report);
          log.info(
            { fetched: result.fetched.length, rows: result.rowsWritten },
            'background backfill done',
          );
        },
        (error: unknown) => {
          if (error instanceof CancelledError && this.closing.signal.aborted) return;
          this.reportError(error, { series: seriesId(series), requestId }, log);
        },
      )
      .finally(() => {
        this.background.delete(task);
        this.backfiller.metrics.queueDepth.dec();
      });
    this.background.add(task);
  }

  private reportError(
    error: unknown,
    context: { series: string; requestId: string },
    log: Logger,
  ): void {
    this.metrics.backgroundErrorsTotal.inc();
    log.error(
      { err: error instanceof Error ? error.message : String(error) },
      'background backfill failed',
    );
    try {
      this.onError?.(error, context);
    } catch (handlerError) {
      // A throwing handler must not turn into an unhandled rejection.
      log.error({ err: String(handlerError) }, 'onError handler threw');
    }
  }
}

function toFrame(series: Series, got: Frame | Row[], range: Range): Frame {
  if (Array.isArray(got))
    return frameFromRows(
      series,
      got.filter((r) => r.tsMs >= range.startMs && r.tsMs < range.endMs),
    );
  const first = got.tsMs[0];
  const last = got.tsMs[got.length - 1];
  // Stores already return exactly the range; only slice what a source over-delivered.
  if (got.length === 0 || (first! >= range.startMs && last! < range.endMs)) return got;
  return sliceFrame(got, range);
}

function checkStrategy(strategy: unknown): Strategy {
  if (!STRATEGIES.includes(strategy as Strategy)) {
    throw new InvalidArgumentError(
      `Expected \`strategy\` to be one of ${STRATEGIES.join(', ')}, got \`${String(strategy)}\``,
      'BAD_STRATEGY',
    );
  }
  return strategy as Strategy;
}

function checkRequestId(id: unknown): string {
  if (id === undefined) return randomUUID();
  if (typeof id !== 'string' || !/^[\w.:-]{1,128}$/.test(id)) {
    throw new InvalidArgumentError(
      `Expected \`requestId\` to be 1-128 letters, digits, _ . : -, got \`${String(id)}\``,
    );
  }
  return id;
}
