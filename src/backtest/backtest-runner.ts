/** @module BacktestRunner: replays cached day files through a model, resolves and scores its predictions. */
import path from 'node:path';
import { GaplessError, InvalidArgumentError, NotFoundError, SourceError } from '../core/errors.js';
import { makeSeries, type Series } from '../core/series.js';
import { formatTime } from '../core/time.js';
import { BacktestClient, listCachedFiles } from './backtest-client.js';
import { BacktestResult } from './backtest-result.js';
import { CorruptFileError } from './corrupt-file-error.js';
import type { DayColumns } from './day-columns.js';
import { daysOf } from './day-range.js';
import { computeMetrics } from './metrics.js';
import { asModel, type Model, type PredictScope } from './model.js';
import { PendingPredictions } from './pending-predictions.js';
import { PredictionColumnsBuilder } from './prediction-columns.js';
import { PredictionTable } from './prediction-table.js';
import { readDayFile } from './read-day-file.js';
import { type ResolvedRunOptions, type RunOptions, resolveRunOptions } from './run-options.js';
import { actualOf, directionScore, directionScoreOf, profitOf, type ScoringFn } from './scoring.js';
import { SubjectStream } from './subject-stream.js';
import { WindowArrays, WindowTick } from './window-view.js';

/** Options of {@link BacktestRunner}. */
export interface BacktestRunnerOptions {
  /** The model: `tick(data)` and `predict(scope)`, sync or async. */
  readonly model: Model;
  /** Scores a resolved prediction. @default {@link directionScore} */
  readonly scoringFn?: ScoringFn;
  /** Pulls days the cache lacks before a run; without it (and `url`), runs use the cache only. */
  readonly client?: BacktestClient;
  /** Shortcut for `client: new BacktestClient(url, { cacheDir })`. */
  readonly url?: string;
  /** Cache root (the client's when a client is given). @default '.cache/backtest' */
  readonly cacheDir?: string;
  /** Recorded (plus `_error`) when `predict` throws. @default { value: 0 } */
  readonly defaultOutput?: Readonly<Record<string, unknown>>;
}

/** One subject's replay state: its stream, window arrays and unresolved predictions. */
interface Lane {
  readonly index: number;
  readonly stream: SubjectStream;
  readonly data: WindowTick;
  readonly scope: PredictScope;
  readonly pending: PendingPredictions;
}

/**
 * Replays the cached day files of a range through a model, with the
 * production contract's semantics: `tick` for every row from `windowSize`
 * on with the window of rows `i - windowSize + 1 .. i`, `predict` every
 * `predictionIntervalSeconds` of data time, each prediction resolved by the
 * first row at or after `ts_i + resolveHorizonSeconds` and scored.
 * @example
 * const runner = new BacktestRunner({ model, url: 'http://127.0.0.1:8080' });
 * const result = await runner.run({ source: 'sim', subject: 'BTC/USDT', start: '2024-01-01', end: '2024-01-31' });
 * result.summary();
 */
export class BacktestRunner {
  readonly #model: Model;
  readonly #scoringFn: ScoringFn;
  readonly #client: BacktestClient | undefined;
  readonly #cacheDir: string;
  readonly #defaultOutput: Readonly<Record<string, unknown>>;

  constructor(options: BacktestRunnerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(
        'Expected runner options `{ model, scoringFn?, url?, cacheDir? }`',
      );
    }
    this.#model = asModel(options.model, '`model`');
    if (options.scoringFn !== undefined && typeof options.scoringFn !== 'function') {
      throw new InvalidArgumentError(
        `Expected \`scoringFn\` to be a function, got \`${typeof options.scoringFn}\``,
      );
    }
    this.#scoringFn = options.scoringFn ?? directionScore;
    this.#client =
      options.client ??
      (options.url === undefined
        ? undefined
        : new BacktestClient(options.url, { cacheDir: options.cacheDir }));
    this.#cacheDir = this.#client?.cacheDir ?? path.resolve(options.cacheDir ?? '.cache/backtest');
    this.#defaultOutput = Object.freeze({ ...(options.defaultOutput ?? { value: 0 }) });
  }

  /**
   * Replays `options` and returns the predictions, metrics and settings.
   * Days the cache lacks are pulled first when a URL is known (and the cache
   * is used alone, with a warning, when the service cannot be reached).
   * Throws `NotFoundError` (`NO_DATA`) when no day of the range is there.
   */
  async run(options: RunOptions): Promise<BacktestResult> {
    const resolved = resolveRunOptions(options);
    const warnings: string[] = [];
    const lanes: Lane[] = [];
    let files = 0;
    for (const [index, subject] of resolved.subjects.entries()) {
      const series = makeSeries({
        source: resolved.source,
        subject,
        kind: 'candle',
        granularity: resolved.granularity,
      });
      const days = await this.#cachedDays(series, resolved, warnings);
      files += days.size;
      const stream = new SubjectStream(
        subject,
        [...days.keys()],
        (day, into) => this.#readDay(series, day, days.get(day)!, into, warnings),
        resolved.windowSize,
      );
      lanes.push({
        index,
        stream,
        data: new WindowTick(subject, new WindowArrays(resolved.windowSize)),
        scope: Object.freeze({
          subject,
          resolveHorizonSeconds: resolved.resolveHorizonSeconds,
          stepSeconds: resolved.stepSeconds,
        }),
        pending: new PendingPredictions(),
      });
    }
    const started = performance.now();
    const table = new PredictionColumnsBuilder();
    const rows = await this.#replay(lanes, resolved, table);
    const elapsedMs = performance.now() - started;
    const columns = table.finish(resolved.subjects);
    const metrics = () =>
      computeMetrics({
        length: table.length,
        ts: table.ts,
        score: table.score,
        scoreSuccess: table.scoreSuccess,
        value: table.numbers('value'),
        entryPrice: table.entryPrice,
        resolvedPrice: table.resolvedPrice,
      });
    return new BacktestResult(
      new PredictionTable(table.length, columns),
      metrics,
      {
        source: resolved.source,
        subjects: resolved.subjects,
        kind: 'candle',
        granularity: resolved.granularity,
        start: resolved.range.startDay,
        end: resolved.range.endDay,
        windowSize: resolved.windowSize,
        predictionIntervalSeconds: resolved.predictionIntervalSeconds,
        resolveHorizonSeconds: resolved.resolveHorizonSeconds,
        stepSeconds: resolved.stepSeconds,
        files,
        rows,
        elapsedMs,
      },
      warnings,
    );
  }

  // The hot loop: no object per row but the tick's own; awaits only for async models and new days.
  async #replay(
    lanes: Lane[],
    options: ResolvedRunOptions,
    table: PredictionColumnsBuilder,
  ): Promise<number> {
    const model = this.#model;
    const { windowSize, predictionIntervalSeconds } = options;
    const active: Lane[] = [];
    for (const lane of lanes) if (await lane.stream.fill()) active.push(lane);
    let rows = 0;
    let tick = 0;
    while (active.length > 0) {
      // Interleave subjects by time; ties go to the subject listed first.
      let pick = 0;
      for (let a = 1; a < active.length; a++) {
        if (active[a]!.stream.ts < active[pick]!.stream.ts) pick = a;
      }
      const lane = active[pick]!;
      const stream = lane.stream;
      const buffer = stream.buffer;
      const at = stream.at;
      const ts = buffer.ts[at]!;
      const close = buffer.close[at]!;
      if (stream.row >= windowSize) {
        const data = lane.data;
        data.moveTo(ts, buffer, at + 1, ++tick);
        try {
          const ticked = model.tick(data);
          if (isThenable(ticked)) await ticked;
        } catch (cause) {
          // Unlike predict (production records a default), a failing tick ends the run: say where.
          throw new GaplessError(
            'MODEL_FAILED',
            `the model's tick failed at ${stream.subject} ${formatTime(ts * 1000)}: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause, category: 'bad_input' },
          );
        }
        if (ts - stream.lastPredictTs >= predictionIntervalSeconds) {
          stream.lastPredictTs = ts;
          const pending = this.#predict(lane, ts, close, table);
          if (pending !== undefined) await pending;
        }
        data.close();
      }
      this.#resolve(lane, ts, close, options.resolveHorizonSeconds, table);
      rows++;
      stream.advance();
      if (!stream.ready && !(await stream.fill())) active.splice(pick, 1);
    }
    return rows;
  }

  // Synchronous for synchronous models: a promise per prediction would cost more than the rest.
  #predict(
    lane: Lane,
    ts: number,
    close: number,
    table: PredictionColumnsBuilder,
  ): Promise<void> | undefined {
    let answer: unknown;
    try {
      answer = this.#model.predict(lane.scope);
    } catch (cause) {
      this.#record(lane, ts, close, table, cause, true);
      return undefined;
    }
    if (!isThenable(answer)) {
      this.#record(lane, ts, close, table, answer, false);
      return undefined;
    }
    return Promise.resolve(answer).then(
      (value) => this.#record(lane, ts, close, table, value, false),
      (cause: unknown) => this.#record(lane, ts, close, table, cause, true),
    );
  }

  #record(
    lane: Lane,
    ts: number,
    close: number,
    table: PredictionColumnsBuilder,
    answer: unknown,
    threw: boolean,
  ): void {
    if (!threw && typeof answer === 'number') {
      // The common case, kept free of objects: the number is the `value` field.
      const k = table.add(ts, lane.index, undefined, undefined, close, answer);
      lane.pending.push(k, ts, close, answer, undefined);
      return;
    }
    let output: Record<string, unknown>;
    let error: string | undefined;
    if (!threw && answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
      output = { ...(answer as Record<string, unknown>) };
    } else {
      output = { ...this.#defaultOutput };
      error = threw
        ? answer instanceof Error
          ? `${answer.name}: ${answer.message}`
          : String(answer)
        : `predict returned ${answer === null ? 'null' : Array.isArray(answer) ? 'an array' : typeof answer}, expected a number or an object`;
    }
    const k = table.add(ts, lane.index, output, error, close);
    lane.pending.push(k, ts, close, Number.NaN, output);
  }

  // Predictions of a lane resolve in the order they were made; the first row at or after
  // each one's target resolves it, so a queue finds every outcome in O(1).
  #resolve(
    lane: Lane,
    ts: number,
    close: number,
    horizon: number,
    table: PredictionColumnsBuilder,
  ): void {
    const pending = lane.pending;
    while (pending.size > 0 && pending.ts + horizon <= ts) {
      const k = pending.row;
      const entry = pending.entry;
      const value = pending.value;
      const output = pending.output;
      pending.shift();
      table.resolve(k, close);
      if (output === undefined && this.#scoringFn === directionScore) {
        // The default scorer on a plain number, without its two objects: same formula.
        const score = directionScoreOf(value, profitOf(entry, close));
        table.setScore(k, score, !Number.isNaN(score));
        continue;
      }
      try {
        const score = this.#scoringFn(output ?? { value }, actualOf(entry, close)) as unknown;
        const scored =
          typeof score === 'number' ? score : (score as { value?: unknown } | null)?.value;
        if (typeof scored !== 'number' || Number.isNaN(scored)) {
          throw new TypeError('no score value');
        }
        table.setScore(k, scored, true);
      } catch {
        table.setScore(k, Number.NaN, false);
      }
    }
  }

  // The cached days of the range, after pulling missing ones when a client is set.
  async #cachedDays(
    series: Series,
    options: ResolvedRunOptions,
    warnings: string[],
  ): Promise<Map<string, string>> {
    const { range } = options;
    let cached = await listCachedFiles(this.#cacheDir, series, range);
    if (this.#client !== undefined && cached.length < daysOf(range).length) {
      try {
        await this.#client.pull({ ...series, start: range.startDay, end: range.endDay });
        cached = await listCachedFiles(this.#cacheDir, series, range);
      } catch (error) {
        if (
          !(error instanceof SourceError && error.code === 'UNREACHABLE') ||
          cached.length === 0
        ) {
          throw error;
        }
        warnings.push(
          `${error.message}; replaying the ${cached.length} cached days of ${series.subject}`,
        );
      }
    }
    if (cached.length === 0) {
      throw new NotFoundError(
        `no data for ${series.subject} from ${range.startDay} to ${range.endDay}; pull it first or backfill it on the server`,
        'NO_DATA',
      );
    }
    return new Map(cached.map((f) => [f.day, f.path]));
  }

  // A damaged cached file is pulled again when a URL is known; offline, the error says how to fix it.
  async #readDay(
    series: Series,
    day: string,
    file: string,
    into: DayColumns,
    warnings: string[],
  ): Promise<DayColumns> {
    try {
      return await readDayFile(file, into);
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      if (this.#client === undefined) {
        throw new CorruptFileError(error.path, error.reason, {
          cause: error,
          hint: 'pull it again (give a URL) or delete it',
        });
      }
      try {
        await this.#client.repair(series, day);
      } catch (cause) {
        throw new CorruptFileError(error.path, error.reason, {
          cause,
          hint: `pulling it again failed: ${(cause as Error).message}`,
        });
      }
      warnings.push(`${error.message}; pulled it again`);
      return readDayFile(file);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
