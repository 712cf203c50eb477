import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, StorageError } from '../core/errors.js';
import { makeRange, type Range } from '../core/range-math.js';
import {
  asCandles,
  type Candle,
  type CandleColumns,
  type Frame,
  type Row,
  type Trade,
} from '../core/rows.js';
import { parseSeries, type Series, seriesId } from '../core/series.js';
import { DAY_MS, utcDay } from '../core/time.js';
import {
  fsyncDir,
  fsyncPath,
  removeQuietly,
  removeStaleTempFiles,
  tempPathFor,
} from './atomic-file.js';
import {
  candleColumns,
  checkedCandleColumns,
  mergeCandleColumns,
  sliceCandleColumns,
} from './candle-columns.js';
import { addCoverage, COVERAGE_DIR, coverageFilePath, readCoverage } from './coverage-file.js';
import { DayFileVerifier } from './day-file-verifier.js';
import { asDiskFull, diskFullCode } from './disk-full-error.js';
import { CandleAggregator } from './duckdb/candle-aggregator.js';
import type { ConnectionPool, DuckDBLease } from './duckdb/engine.js';
import { KeyedMutex } from './keyed-mutex.js';
import { makeDir } from './make-dir.js';
import { encodeCandleDay } from './parquet/candle-encoder.js';
import { resolveDayFile } from './parquet/day-file-segments.js';
import { FileDamage, readFooter } from './parquet/footer.js';
import {
  type DayFile,
  dayFilePath,
  insideDataDir,
  isNotFound,
  listDayFiles,
  listDays,
  readDirNames,
  seriesDir,
  seriesFromSegments,
} from './parquet/layout.js';
import { ParquetIndex } from './parquet/parquet-index.js';
import {
  copyTradeDaySql,
  emptyExportSql,
  exportSql,
  readSql,
  stagedTradesSql,
} from './parquet/schema.js';
import { candleBatch, type DaySlice, daySlices, type RowBatch, tradeBatch } from './row-batch.js';
import { withSeriesLock } from './series-lock.js';
import type {
  BarColumns,
  DayFileSegments,
  FileStore,
  ManifestFile,
  ServedDayFile,
  VerifyOptions,
  VerifyReport,
  WriteOptions,
  WriteResult,
} from './store.js';

/** Options of {@link openEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /**
   * Root of the Parquet tree; created if missing.
   * @example './data'
   */
  readonly dataDir: string;
  /**
   * fsync every file before it replaces the old one and before coverage
   * claims it. Turn off only for throwaway data (tests, benchmarks).
   * @default true
   */
  readonly fsync?: boolean;
}

// Trade day files written concurrently by one write: the engine has 2 threads,
// and small COPY statements are dominated by per-statement work, so two overlap well.
const COPY_WORKERS = 2;
const POOL_SIZE = 4;
// Any of these would make DuckDB treat the path as a glob pattern.
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Opens the embedded store: one Parquet file per series and UTC day under
 * `dataDir`, coverage per series under `.gapless/coverage/`; DuckDB reads the files
 * and writes trade days, candle days are encoded in-process. Removes temp
 * files left by crashed writers.
 * @example
 * const store = await openEmbeddedStore({ dataDir: './data' });
 * await store.write(series, { startMs, endMs }, candles);
 * const frame = await store.read(series, { startMs, endMs });
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const { dataDir } = options ?? {};
  if (typeof dataDir !== 'string' || dataDir.trim() === '') {
    throw new InvalidArgumentError(
      `Expected \`dataDir\` to be a non-empty path, got \`${String(dataDir)}\``,
    );
  }
  if (GLOB_CHARS.test(dataDir) || dataDir.includes('\0')) {
    throw new InvalidArgumentError(
      `Expected \`dataDir\` without glob characters (* ? [ ] { }) or NUL, got \`${dataDir}\``,
    );
  }
  const root = path.resolve(dataDir);
  try {
    await makeDir(root);
  } catch (cause) {
    // mkdir says EEXIST for a file in the way; the user needs to hear it is not a directory.
    const notDir = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new StorageError(
      notDir
        ? `data dir ${root} is a file: ENOTDIR (not a directory)`
        : `cannot create data dir ${root}`,
      { cause },
    );
  }
  await removeStaleTempFiles(root);
  return new EmbeddedStore(root, options.fsync ?? true);
}

// A temp file written for a day, and the day file it will replace.
interface TempFile {
  readonly temp: string;
  readonly final: string;
  /** Rows in it, when the producer knows (candles); read from its footer otherwise (trades). */
  readonly rows?: number;
}

// Writes temp files for the days of one write, flushed, listing them in `written`.
type DayProducer = (
  dir: string,
  existing: ReadonlySet<string>,
  written: TempFile[],
) => Promise<void>;

// Reads retried when a concurrent writer replaced a file under them.
const READ_ATTEMPTS = 4;

/** The embedded {@link Store}: Hive-style Parquet day files, read through DuckDB. */
export class EmbeddedStore implements FileStore {
  /** Absolute root of the Parquet tree. */
  readonly dataDir: string;
  // DuckDB's native engine costs ~50 MB of memory and only reads, merges and
  // trade writes need it: it starts on first use, not for a candle backfill.
  #engine: Promise<{ lease: DuckDBLease; pool: ConnectionPool }> | undefined;
  #index: ParquetIndex | undefined;
  #aggregator: CandleAggregator | undefined;
  readonly #fsync: boolean;
  readonly #verifier: DayFileVerifier;
  readonly #mutex = new KeyedMutex();
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;

  /** Use {@link openEmbeddedStore}. */
  constructor(dataDir: string, fsync: boolean) {
    this.dataDir = dataDir;
    this.#fsync = fsync;
    this.#verifier = new DayFileVerifier(dataDir);
  }

  /** @inheritDoc */
  write(
    series: Series,
    range: Range,
    rows: readonly Row[],
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.#track(async () => {
      const s = parseSeries(series);
      const r = makeRange(range?.startMs, range?.endMs, 'write range');
      if (!Array.isArray(rows)) throw new InvalidArgumentError('rows must be an array', 'BAD_ROW');
      if (s.kind === 'candle') {
        const columns = candleColumns(candleBatch(rows as readonly Candle[], r));
        return this.#writeCandles(s, r, columns, options);
      }
      const batch = tradeBatch(rows as readonly Trade[], r);
      return this.#mutex.run(seriesId(s), () =>
        this.#commit(
          s,
          r,
          batch.order.length,
          batch.days.length,
          options,
          (dir, existing, written) => this.#copyTradeDays(s, dir, batch, existing, written),
        ),
      );
    });
  }

  /** @inheritDoc */
  writeCandles(
    series: Series,
    range: Range,
    columns: CandleColumns,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.#track(async () => {
      const s = parseSeries(series);
      if (s.kind !== 'candle') {
        throw new InvalidArgumentError(`${seriesId(s)} holds trades, not candles`, 'BAD_ROW');
      }
      const r = makeRange(range?.startMs, range?.endMs, 'write range');
      return this.#writeCandles(s, r, checkedCandleColumns(columns, r), options);
    });
  }

  /** @inheritDoc */
  read(series: Series, range: Range): Promise<Frame> {
    return this.#track(async () => {
      const s = parseSeries(series);
      const r = makeRange(range?.startMs, range?.endMs, 'read range');
      const { emptyFrame, frameFromResult } = await import('./duckdb/frame-reader.js');
      // Another process may replace a day file between the listing and the read
      // (by rename, so never half a file): list again and read again, a few times.
      for (let attempt = 1; ; attempt++) {
        const paths = await this.#pathsFor(s, r);
        if (paths.length === 0) return emptyFrame(s);
        const pool = await this.#pool();
        try {
          return frameFromResult(
            s,
            await pool.use((c) => c.run(readSql(s.kind, paths, r.startMs, r.endMs))),
          );
        } catch (cause) {
          // A damaged file fails every attempt: name it at once.
          const damaged = await this.#verifier.diagnose(s, paths);
          if (damaged !== undefined) throw damaged;
          if (attempt >= READ_ATTEMPTS) {
            throw new StorageError(`cannot read ${seriesId(s)} from ${path.dirname(paths[0]!)}`, {
              cause,
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    });
  }

  /**
   * Writes the rows of a range to one Parquet file at `targetPath` (same
   * schema as the day files, sorted), atomically. An empty range gives an
   * empty file with the schema.
   */
  exportParquet(series: Series, range: Range, targetPath: string): Promise<void> {
    return this.#track(async () => {
      const s = parseSeries(series);
      const r = makeRange(range?.startMs, range?.endMs, 'export range');
      if (typeof targetPath !== 'string' || targetPath === '' || GLOB_CHARS.test(targetPath)) {
        throw new InvalidArgumentError(`bad export path '${String(targetPath)}'`, 'BAD_PATH');
      }
      const final = path.resolve(targetPath);
      const temp = tempPathFor(final);
      const paths = await this.#pathsFor(s, r);
      const sql =
        paths.length === 0
          ? emptyExportSql(s.kind, temp)
          : exportSql(s.kind, paths, r.startMs, r.endMs, temp);
      try {
        const pool = await this.#pool();
        await pool.use((c) => c.run(sql));
        await rename(temp, final);
      } catch (cause) {
        await removeQuietly(temp);
        throw (
          (await this.#verifier.diagnose(s, paths)) ??
          new StorageError(`cannot export ${seriesId(s)} to ${final}${fullNote(cause)}`, { cause })
        );
      }
    });
  }

  /** @inheritDoc */
  coverage(series: Series): Promise<Range[]> {
    return this.#track(async () => {
      const s = parseSeries(series);
      return readCoverage(this.dataDir, s);
    });
  }

  /** @inheritDoc */
  verify(series: Series, options?: VerifyOptions): Promise<VerifyReport> {
    return this.#track(() => this.#verifier.verify(parseSeries(series), options));
  }

  /** @inheritDoc */
  assertIntact(series: Series, range: Range): Promise<void> {
    return this.#track(() => this.#verifier.assertIntact(parseSeries(series), range));
  }

  /** The day files of a series, sorted by day (for manifests and tooling). */
  files(series: Series): Promise<DayFile[]> {
    return this.#track(async () => listDayFiles(this.dataDir, parseSeries(series)));
  }

  /** @inheritDoc */
  days(series: Series): Promise<string[]> {
    return this.#track(async () => listDays(this.dataDir, parseSeries(series)));
  }

  /**
   * @inheritDoc
   * Writers replace day files and then the coverage file by rename, so the
   * folder's mtime and the coverage file's inode both move on every write.
   */
  seriesVersion(series: Series): string {
    const dir = seriesDir(this.dataDir, series);
    const d = statSync(dir, { bigint: true, throwIfNoEntry: false });
    const f = statSync(coverageFilePath(this.dataDir, series), {
      bigint: true,
      throwIfNoEntry: false,
    });
    return `${d?.mtimeNs ?? '-'}|${f === undefined ? '-' : `${f.ino}:${f.size}:${f.mtimeNs}`}`;
  }

  /** @inheritDoc */
  aggregate(series: Series, range: Range, bucketMs: number): Promise<BarColumns> {
    return this.#track(async () => {
      const files = [];
      for (
        let day = Math.floor(range.startMs / DAY_MS) * DAY_MS;
        day < range.endMs;
        day += DAY_MS
      ) {
        files.push({ path: dayFilePath(this.dataDir, series, utcDay(day)), dayMs: day });
      }
      this.#aggregator ??= new CandleAggregator(() => this.#pool());
      return this.#aggregator.aggregate(files, bucketMs, range.startMs, range.endMs);
    });
  }

  /**
   * @inheritDoc
   * Synchronous read on purpose, like {@link version}'s stats: a day file is
   * ~25 kB, and the four thread-pool round trips of an async read (open,
   * stat, read, close) cost more main-thread time than reading it. The hash
   * is the manifest's when the handle read is the very file it hashed (same
   * size, mtime and inode), so a bulk pull hashes nothing twice.
   */
  readDay(series: Series, day: string): Promise<{ bytes: Uint8Array; sha256: string } | undefined> {
    return this.#track(async () => {
      const file = dayFilePath(this.dataDir, series, day);
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw new StorageError(`cannot read the ${day} file of ${seriesId(series)}`, {
          cause: error,
        });
      }
      try {
        const s = fstatSync(fd);
        const bytes = readFileSync(fd);
        const sha256 =
          this.#index?.cachedSha256(file, s) ?? createHash('sha256').update(bytes).digest('hex');
        return { bytes, sha256 };
      } catch (error) {
        throw new StorageError(`cannot read the ${day} file of ${seriesId(series)}`, {
          cause: error,
        });
      } finally {
        closeSync(fd);
      }
    });
  }

  /** @inheritDoc */
  manifest(series: Series, range?: Range): Promise<ManifestFile[]> {
    return this.#track(async () => {
      const files = (await listDayFiles(this.dataDir, series)).filter((f) => {
        if (range === undefined) return true;
        const dayMs = Date.parse(`${f.day}T00:00:00Z`);
        return dayMs + DAY_MS > range.startMs && dayMs < range.endMs;
      });
      this.#index ??= new ParquetIndex();
      const described = await this.#index.describe(files.map((f) => f.path));
      const dayOf = new Map(files.map((f) => [f.path, f.day]));
      return described.map((f) => ({
        series,
        day: dayOf.get(f.path) ?? '',
        path: path.relative(this.dataDir, f.path).split(path.sep).join('/'),
        records: f.records,
        sizeBytes: f.sizeBytes,
        mtimeMs: f.mtimeMs,
        sha256: f.sha256,
      }));
    });
  }

  /** @inheritDoc */
  dayFile(segments: DayFileSegments): Promise<ServedDayFile> {
    return this.#track(() => resolveDayFile(this.dataDir, segments));
  }

  /**
   * @inheritDoc
   * The coverage file and each day file of the range, by inode, size and
   * mtime: writers replace files by rename, so any write changes it.
   * Synchronous on purpose: a local stat takes microseconds, while a thread
   * pool round trip per file costs more than the cached answer it guards.
   */
  version(series: Series, range: Range): string {
    const files = [coverageFilePath(this.dataDir, series)];
    for (let day = Math.floor(range.startMs / DAY_MS) * DAY_MS; day < range.endMs; day += DAY_MS) {
      files.push(dayFilePath(this.dataDir, series, utcDay(day)));
    }
    return files
      .map((file) => {
        const s = statSync(file, { throwIfNoEntry: false });
        return s === undefined ? '-' : `${s.ino}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
  }

  /** @inheritDoc */
  listSeries(): Promise<Series[]> {
    return this.#track(async () => {
      const found = new Map<string, Series>();
      const add = (source: string, subject: string, kind: string, gran: string) => {
        try {
          const s = seriesFromSegments(source, subject, kind, gran);
          found.set(seriesId(s), s);
        } catch (error) {
          // Foreign directories under the data dir are not ours to list.
          if (!(error instanceof InvalidArgumentError)) throw error;
        }
      };
      for (const source of await subdirs(this.dataDir)) {
        for (const subject of await subdirs(this.dataDir, source)) {
          for (const kind of await subdirs(this.dataDir, source, subject)) {
            for (const gran of await subdirs(this.dataDir, source, subject, kind)) {
              const names = await readDirNames(
                insideDataDir(this.dataDir, source, subject, kind, gran),
              );
              // Day files, or (earlier versions) a coverage file beside them.
              if (names.some((n) => n.endsWith('.parquet') || n === '_coverage.json')) {
                add(source, subject, kind, gran);
              }
            }
          }
        }
      }
      // Series confirmed empty have coverage but no day file.
      for (const source of await subdirs(this.dataDir, ...COVERAGE_DIR)) {
        for (const subject of await subdirs(this.dataDir, ...COVERAGE_DIR, source)) {
          for (const kind of await subdirs(this.dataDir, ...COVERAGE_DIR, source, subject)) {
            const dir = insideDataDir(this.dataDir, ...COVERAGE_DIR, source, subject, kind);
            for (const name of await readDirNames(dir)) {
              if (name.endsWith('.json')) add(source, subject, kind, name.slice(0, -5));
            }
          }
        }
      }
      return [...found.values()].sort((a, b) => (seriesId(a) < seriesId(b) ? -1 : 1));
    });
  }

  /** Waits for running operations, then releases connections and the engine. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
    const engine = await this.#engine?.catch(() => undefined);
    engine?.pool.close();
    engine?.lease.release();
  }

  // Day files that can hold rows of the range.
  async #pathsFor(series: Series, range: Range): Promise<string[]> {
    const firstDayMs = Math.floor(range.startMs / DAY_MS) * DAY_MS;
    return (await listDayFiles(this.dataDir, series))
      .filter((f) => {
        const dayMs = Date.parse(`${f.day}T00:00:00Z`);
        return dayMs >= firstDayMs && dayMs < range.endMs;
      })
      .map((f) => f.path);
  }

  #pool(): Promise<ConnectionPool> {
    this.#engine ??= import('./duckdb/engine.js').then(
      async ({ acquireDuckDB, ConnectionPool }) => {
        try {
          const lease = await acquireDuckDB();
          return { lease, pool: new ConnectionPool(lease.instance, POOL_SIZE) };
        } catch (cause) {
          this.#engine = undefined;
          throw new StorageError('cannot start DuckDB', { cause });
        }
      },
    );
    return this.#engine.then((engine) => engine.pool);
  }

  #track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StorageError('the store is closed'));
    const promise = fn();
    this.#pending.add(promise);
    const forget = () => this.#pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  #writeCandles(
    series: Series,
    range: Range,
    columns: CandleColumns,
    options: WriteOptions,
  ): Promise<WriteResult> {
    const days = daySlices(columns.length, (k) => columns.tsMs[k]!);
    return this.#mutex.run(seriesId(series), () =>
      this.#commit(series, range, columns.length, days.length, options, (dir, existing, written) =>
        this.#encodeCandleDays(series, dir, columns, days, existing, written),
      ),
    );
  }

  // Writes the day files `produce` makes, then marks `range` covered.
  async #commit(
    series: Series,
    range: Range,
    rowsWritten: number,
    days: number,
    options: WriteOptions,
    produce: DayProducer,
  ): Promise<WriteResult> {
    const dir = seriesDir(this.dataDir, series);
    try {
      try {
        await makeDir(dir);
      } catch (cause) {
        throw new StorageError(`cannot create ${dir}`, { cause });
      }
      // Another process (a CLI beside `serve`, a second worker) may merge the same
      // day files or coverage: the whole read-modify-write holds the series' lock.
      return await withSeriesLock(this.dataDir, series, async () => {
        await options.fence?.();
        const records =
          days === 0 ? new Map<string, number>() : await this.#replaceDays(series, dir, produce);
        // Only now that the rows are durable may coverage claim the range.
        await addCoverage(this.dataDir, series, range, records);
        return { rowsWritten, filesWritten: records.size };
      });
    } catch (error) {
      // Wherever a full disk surfaced (day file, DuckDB, coverage, lock), it is one error.
      throw asDiskFull(error, this.dataDir);
    }
  }

  // Swaps in the day files `produce` writes; returns the rows of each, by day.
  async #replaceDays(
    series: Series,
    dir: string,
    produce: DayProducer,
  ): Promise<Map<string, number>> {
    const existing = new Set(await readDirNames(dir));
    const written: TempFile[] = [];
    try {
      // Each producer flushes its files before any rename, so a crash never
      // swaps in a file whose data is not on disk.
      await produce(dir, existing, written);
      // The rows of each file go into coverage, for `verify` to hold it to.
      const records = new Map(
        written.map((w) => [path.basename(w.final, '.parquet'), w.rows ?? rowsOf(w)] as const),
      );
      // Every day is on disk: swap them all in. A rename is atomic per file.
      await Promise.all(
        written.map(async ({ temp, final }) => {
          try {
            await rename(temp, final);
          } catch (cause) {
            throw new StorageError(`cannot replace ${final}`, { cause });
          }
        }),
      );
      if (this.#fsync) await fsyncDir(dir);
      return records;
    } catch (error) {
      await Promise.all(written.map((w) => removeQuietly(w.temp)));
      throw error instanceof StorageError
        ? error
        : new StorageError(`cannot write ${seriesId(series)} under ${dir}`, { cause: error });
    }
  }

  // Candle days are encoded here (one DuckDB COPY per day costs ~10x more);
  // a day that already has a file is read back and merged first.
  async #encodeCandleDays(
    series: Series,
    dir: string,
    columns: CandleColumns,
    days: readonly DaySlice[],
    existing: ReadonlySet<string>,
    written: TempFile[],
  ): Promise<void> {
    // All days at once: fewer round trips through a busy event loop keep a write short.
    const outcomes = await Promise.allSettled(
      days.map(async (day) => {
        const name = `${day.day}.parquet`;
        const final = path.join(dir, name);
        let rows = sliceCandleColumns(columns, day.from, day.to);
        if (existing.has(name)) {
          const [{ frameFromResult }, pool] = await Promise.all([
            import('./duckdb/frame-reader.js'),
            this.#pool(),
          ]);
          const old = await pool
            .use((c) => c.run(readSql('candle', [final], day.startMs, day.startMs + DAY_MS)))
            .catch(async (cause: unknown) => {
              throw (
                (await this.#verifier.diagnose(series, [final])) ??
                new StorageError(`cannot read ${final} to merge into it`, { cause })
              );
            });
          rows = mergeCandleColumns(rows, asCandles(frameFromResult(series, old)));
        }
        const temp = tempPathFor(final);
        written.push({ temp, final, rows: rows.length });
        try {
          const bytes = await encodeCandleDay(series, rows);
          await writeFile(temp, bytes, { flag: 'wx', flush: this.#fsync });
        } catch (cause) {
          throw new StorageError(`cannot write ${final}`, { cause });
        }
      }),
    );
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (failure) throw failure.reason;
  }

  // Trade days go through a staging table and one COPY per day, which also
  // merges, sorts and de-duplicates by trade id.
  async #copyTradeDays(
    series: Series,
    dir: string,
    batch: RowBatch<Trade>,
    existing: ReadonlySet<string>,
    written: TempFile[],
  ): Promise<void> {
    const [{ loadTradeStageTable, stageTableName }, pool] = await Promise.all([
      import('./duckdb/stage-table.js'),
      this.#pool(),
    ]);
    const table = stageTableName();
    try {
      await pool.use((c) => loadTradeStageTable(c, table, batch));
      let next = 0;
      let failed = false;
      const worker = () =>
        pool.use(async (c) => {
          for (let d = next++; d < batch.days.length && !failed; d = next++) {
            const day = batch.days[d]!;
            const name = `${day.day}.parquet`;
            const final = path.join(dir, name);
            const temp = tempPathFor(final);
            written.push({ temp, final });
            const fresh = stagedTradesSql(series, table, day.from, day.to, batch.hasMeta);
            const sql = copyTradeDaySql(fresh, existing.has(name) ? final : undefined, temp);
            try {
              await c.run(sql);
            } catch (cause) {
              failed = true;
              const merged = existing.has(name) ? [final] : [];
              throw (
                (await this.#verifier.diagnose(series, merged)) ??
                new StorageError(`cannot write ${final}`, { cause })
              );
            }
          }
        });
      const outcomes = await Promise.allSettled(
        Array.from({ length: Math.min(COPY_WORKERS, batch.days.length) }, worker),
      );
      const failure = outcomes.find((o) => o.status === 'rejected');
      if (failure) throw failure.reason;
      if (this.#fsync) {
        await Promise.all(
          written.map(async ({ temp, final }) => {
            try {
              await fsyncPath(temp);
            } catch (cause) {
              throw new StorageError(`cannot write ${final}`, { cause });
            }
          }),
        );
      }
    } finally {
      await pool.use((c) => c.run(`DROP TABLE IF EXISTS ${table}`)).catch(() => undefined);
    }
  }
}

// The rows of a temp file just written, from its footer; a file DuckDB
// wrote that cannot be read back never replaces anything.
function rowsOf({ temp, final }: TempFile): number {
  try {
    const fd = openSync(temp, 'r');
    try {
      return Number(readFooter(fd).metadata.num_rows);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    const why = cause instanceof FileDamage ? `: ${cause.message}` : '';
    throw new StorageError(`cannot write ${final}: the file written is unreadable${why}`, {
      cause,
    });
  }
}

async function subdirs(root: string, ...parts: string[]): Promise<string[]> {
  const dir = insideDataDir(root, ...parts);
  const names = await readDirNames(dir).catch((error: unknown) => {
    // A plain file where a directory might be (e.g. someone's README) is simply not a series.
    if (error instanceof StorageError) return [];
    throw error;
  });
  return names.filter((n) => !n.startsWith('.'));
}

// Why an export failed, when it is a full disk: the one cause a user can act on at once.
function fullNote(cause: unknown): string {
  const errno = diskFullCode(cause);
  return errno === undefined ? '' : `: disk full (${errno})`;
}
