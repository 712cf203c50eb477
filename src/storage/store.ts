import type { Range } from '../core/range-math.js';
import type { CandleColumns, Frame, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';

/** What one write did. */
export interface WriteResult {
  /** Rows in the batch after de-duplication. */
  readonly rowsWritten: number;
  /** Files (or partitions) rewritten. */
  readonly filesWritten: number;
}

/** Options of one write. */
export interface WriteOptions {
  /**
   * Runs under the series' cross-process lock just before the rows replace
   * the stored ones; throwing refuses the write. A job worker checks here that
   * its lease is still its own, so a worker that lost the job never commits
   * beside its successor.
   */
  readonly fence?: (() => Promise<void>) | undefined;
}

/**
 * Where series live. Every store reads a range, writes rows idempotently and
 * keeps coverage as its own metadata (an empty window the source confirmed is
 * covered, although it has no rows).
 */
export interface Store {
  /**
   * Stores `rows` (all inside `range`, any order, repeats allowed) and marks
   * `range` covered. Rows already stored with the same key are replaced; the
   * rest of the series is untouched. Coverage is updated only after the rows
   * are durable, so a crash never leaves coverage that claims missing rows.
   */
  write(
    series: Series,
    range: Range,
    rows: readonly Row[],
    options?: WriteOptions,
  ): Promise<WriteResult>;
  /**
   * `write` for candles handed over as columns, when the store can take them
   * so: no object per row, for bulk loads. Same contract.
   */
  writeCandles?(
    series: Series,
    range: Range,
    columns: CandleColumns,
    options?: WriteOptions,
  ): Promise<WriteResult>;
  /** Rows with `startMs <= ts < endMs`, sorted, as columns. */
  read(series: Series, range: Range): Promise<Frame>;
  /** Covered ranges of the series, sorted, merged. */
  coverage(series: Series): Promise<Range[]>;
  /** Every series the store holds anything for. */
  listSeries(): Promise<Series[]>;
  /**
   * Throws `DamagedFileError` when a day file touching `range` is damaged, or
   * gone while coverage claims its rows (footer checks, cached per file), so
   * a fill never reports such a day as done.
   */
  assertIntact?(series: Series, range: Range): Promise<void>;
  /** Releases files and connections. */
  close(): Promise<void>;
}

/** One day file of the file manifest. */
export interface ManifestFile {
  readonly series: Series;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Relative to the data root, `/`-separated, URL-ready (`sim/BTC%2FUSDT/candle/1m/2024-01-01.parquet`). */
  readonly path: string;
  /** Rows, from the Parquet footer. */
  readonly records: number;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  /** Hex SHA-256 of the file's bytes: a copy is current while it matches. */
  readonly sha256: string;
}

/** What is wrong with one day of a series. */
export interface DayFileFinding {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Relative to the data root, `/`-separated, like {@link ManifestFile.path}. */
  readonly path: string;
  /** The file as people should see it: relative to the working directory when inside it. */
  readonly file: string;
  /**
   * `damaged`: the file is not a readable day file of its series and day, or
   * holds other rows than were written; `missing`: coverage claims rows of a
   * day whose file is gone.
   */
  readonly problem: 'damaged' | 'missing';
  /** Why, in a few words: `footer missing (truncated?)`. */
  readonly cause: string;
}

/** A damaged day file moved aside by a repair. */
export interface QuarantinedFile {
  readonly day: string;
  /** Where it was and where it is now, as {@link DayFileFinding.file}. */
  readonly file: string;
  readonly movedTo: string;
}

/** Options of {@link FileStore.verify}. */
export interface VerifyOptions {
  /**
   * Decode every page and hold the rows to the footer, not just the footer.
   * @default true
   */
  readonly deep?: boolean | undefined;
  /**
   * Move damaged files into `{data}/.gapless/quarantine/` (same relative
   * path) and take the days found from coverage, so a backfill fetches them.
   * @default false
   */
  readonly repair?: boolean | undefined;
  /** Only the days touching this range. @default the whole series */
  readonly range?: Range | undefined;
}

/** What {@link FileStore.verify} found (and, with `repair`, did). */
export interface VerifyReport {
  readonly series: Series;
  readonly filesChecked: number;
  /** Findings, sorted by day; each confirmed under the series lock. */
  readonly findings: DayFileFinding[];
  /** With `repair`: the damaged files moved aside (missing ones are only dropped from coverage). */
  readonly quarantined: QuarantinedFile[];
}

/** Candles as parallel columns; `timeMs` is each bar's open time. */
export interface BarColumns {
  readonly timeMs: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}

/** A day file opened for serving: where it is and what it holds. */
export interface ServedDayFile {
  readonly series: Series;
  readonly day: string;
  /** Absolute path, to open and stream; nothing else is derived from it. */
  readonly absolutePath: string;
}

/** The URL segments that name a day file, as the manifest's `path` has them. */
export interface DayFileSegments {
  readonly source?: string | undefined;
  readonly subject?: string | undefined;
  readonly kind?: string | undefined;
  readonly granularity?: string | undefined;
  readonly file?: string | undefined;
}

/**
 * A store whose series live in files that can be listed and served: the
 * face the server, the engine and the CLI use. Nothing outside `storage/`
 * knows how the files are laid out.
 */
export interface FileStore extends Store {
  /** Where the data lives, for messages and health checks. */
  readonly dataDir: string;
  /** UTC days (`YYYY-MM-DD`) that have a day file, sorted: cheap, no file is opened. */
  days(series: Series): Promise<string[]>;
  /** The bytes of one day file and their hex SHA-256, or undefined when there is none. */
  readDay(series: Series, day: string): Promise<{ bytes: Uint8Array; sha256: string } | undefined>;
  /**
   * The day files of `series` touching `range` (all when absent), with row
   * counts, sorted by day; damaged files (see {@link verify}) are left out.
   */
  manifest(series: Series, range?: Range): Promise<ManifestFile[]>;
  /**
   * The day file the URL segments name, checked to be a canonical day file
   * inside the data root. `InvalidArgumentError` (`BAD_PATH`) for bad
   * segments, `NotFoundError` (`FILE_NOT_FOUND`) when it does not exist.
   */
  dayFile(segments: DayFileSegments): Promise<ServedDayFile>;
  /**
   * A fingerprint of what a read of `range` returns: it changes with any
   * write that touches the range, for cache keys.
   */
  version(series: Series, range: Range): string;
  /**
   * A fingerprint of the whole series: it changes with every write to it. Two
   * `stat`s whatever the range, for caches of answers over long ranges.
   */
  seriesVersion(series: Series): string;
  /**
   * Candles of `range` rolled up to bars of `bucketMs` (a divisor of a day),
   * computed from the stored day files and cached per file.
   */
  aggregate(series: Series, range: Range, bucketMs: number): Promise<BarColumns>;
  /** Writes the range as one Parquet file at `targetPath`. */
  exportParquet(series: Series, range: Range, targetPath: string): Promise<void>;
  /**
   * Checks every day file of the series (footer, columns, rows within the
   * day, rows as written) and coverage against them; with `repair`, moves
   * damaged files aside and drops the days found from coverage, under the
   * series lock.
   */
  verify(series: Series, options?: VerifyOptions): Promise<VerifyReport>;
}
