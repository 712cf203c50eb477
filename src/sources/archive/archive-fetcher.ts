/**
 * @module Bulk archives first, REST for the rest: a fetcher that answers
 * whole months and days from an archive's verified zips and everything else,
 * and whatever an archive lacks or gets wrong, from a REST fetcher.
 */
import {
  type ArchiveFile,
  type ArchiveMarket,
  archiveFileName,
} from '../../core/archive-layout.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { granularityMs } from '../../core/granularity.js';
import type { Range } from '../../core/range-math.js';
import {
  type Candle,
  type CandleColumns,
  columnarPage,
  type Page,
  type Row,
  type Trade,
} from '../../core/rows.js';
import type { Series } from '../../core/series.js';
import { DAY_MS } from '../../core/time.js';
import { collectPages, type DataFetcher, type FetchOptions } from '../data-fetcher.js';
import { checkNumber } from '../options-check.js';
import { AggTradesCsvParser } from './agg-trades-csv-parser.js';
import { ArchiveError } from './archive-error.js';
import { type PlanPiece, planSeriesArchive } from './archive-plan.js';
import { compareSample, sampleRange } from './cross-check.js';
import { DownloadSlots } from './download-slots.js';
import { type ArchiveParser, KlineCsvParser, type ParsedArchive } from './kline-csv-parser.js';
import { readArchiveFile } from './read-archive-file.js';

/** Options of {@link createArchiveFetcher}. */
export interface ArchiveFetcherOptions {
  /** Serves what the archive does not: the current day, unpublished files, faults. */
  readonly rest: DataFetcher;
  /** The archive's root, e.g. `https://data.binance.vision`. */
  readonly baseUrl: string;
  /** @default 'spot' */
  readonly market?: ArchiveMarket | undefined;
  /**
   * Archive files in memory at once across every series of the fetcher
   * (downloading, or waiting to be stored): about 2 MB each for a month of 1m.
   * @default 4
   */
  readonly downloadConcurrency?: number | undefined;
  /** Bounds one file's whole download. @default 120000 */
  readonly timeoutMs?: number | undefined;
  /**
   * Candles of each monthly file compared with REST (one request); a
   * disagreement drops the file and REST fills its month. 0 turns it off.
   * @default 3
   */
  readonly crossCheckBars?: number | undefined;
  /**
   * A hole longer than this between a file's candles (or at its ends) is asked
   * of REST: a day missing inside a month, a file cut at publication.
   * @default 3600000
   */
  readonly holeCheckMs?: number | undefined;
}

/** What reading one file came to: its rows, or why REST must stand in. */
type FileRead =
  | {
      readonly ok: true;
      readonly file: ArchiveFile;
      readonly parsed: ParsedArchive<CandleColumns | Trade[]>;
    }
  | { readonly ok: false; readonly file: ArchiveFile; readonly error: ArchiveError };

/** A file read in its download slot, freed once its rows are handed on. */
type Outcome = FileRead & { readonly release: () => void };

/**
 * A {@link DataFetcher} that fills whole months from monthly archive files,
 * whole days from daily ones and the rest over REST. Every file is checked
 * against its `.CHECKSUM` before its rows are used (a mismatch is tried once
 * more), a sample of each month is cross-checked with REST; a missing
 * monthly file is replaced by its month's daily files, and any other file
 * that is missing, bad or disagreeing leaves its range to REST, each reported
 * through `onOrigin` with a note. Files download `downloadConcurrency` at a
 * time while earlier ones are being stored; pages still come in time order.
 * @example
 * const fetcher = createArchiveFetcher({ rest: ccxtFetcher, baseUrl: 'https://data.binance.vision' });
 */
export function createArchiveFetcher(options: ArchiveFetcherOptions): DataFetcher {
  return new ArchiveFetcher(options);
}

class ArchiveFetcher implements DataFetcher {
  readonly name: string;
  readonly #rest: DataFetcher;
  readonly #baseUrl: string;
  readonly #market: ArchiveMarket;
  readonly #concurrency: number;
  readonly #slots: DownloadSlots;
  readonly #timeoutMs: number;
  readonly #crossCheckBars: number;
  readonly #holeCheckMs: number;

  constructor(options: ArchiveFetcherOptions) {
    if (typeof options?.rest?.pages !== 'function') {
      throw new InvalidArgumentError('Expected `rest` to be a DataFetcher');
    }
    if (!/^https?:\/\/\S+$/.test(options.baseUrl ?? '')) {
      throw new InvalidArgumentError(
        `Expected \`baseUrl\` to be an http(s) URL, got \`${options.baseUrl}\``,
      );
    }
    this.#rest = options.rest;
    this.name = `${options.rest.name}+archive`;
    this.#baseUrl = options.baseUrl;
    this.#market = options.market ?? 'spot';
    const int = { min: 1, integer: true };
    this.#concurrency = checkNumber('downloadConcurrency', options.downloadConcurrency, 4, int);
    this.#slots = new DownloadSlots(this.#concurrency);
    this.#timeoutMs = checkNumber('timeoutMs', options.timeoutMs, 120_000, int);
    this.#crossCheckBars = checkNumber('crossCheckBars', options.crossCheckBars, 3, {
      min: 0,
      integer: true,
    });
    this.#holeCheckMs = checkNumber('holeCheckMs', options.holeCheckMs, 3_600_000, int);
    if (options.rest.serverTimeMs !== undefined) {
      this.serverTimeMs = (o) => options.rest.serverTimeMs!(o);
    }
  }

  serverTimeMs?: DataFetcher['serverTimeMs'];

  supports(series: Series): boolean {
    return this.#rest.supports(series);
  }

  fetch(series: Series, range: Range, options?: FetchOptions): Promise<Row[]> {
    return collectPages(this.pages(series, range, options));
  }

  close(): Promise<void> {
    return this.#rest.close?.() ?? Promise.resolve();
  }

  async *pages(series: Series, range: Range, options: FetchOptions = {}): AsyncGenerator<Page> {
    const stepMs = series.kind === 'candle' ? granularityMs(series.granularity ?? '') : 0;
    const plan = planSeriesArchive(series, range);
    const stop = new AbortController();
    const signal =
      options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
    const loads = new Map<PlanPiece, Promise<Outcome>>();
    // Days standing in for a monthly file the archive lacks, with the month's note.
    const standIns = new Map<PlanPiece, string>();
    let current: Outcome | undefined;
    const startLoads = (from: number) => {
      let ahead = 0;
      for (let i = from; i < plan.length && ahead < this.#concurrency; i++) {
        const piece = plan[i]!;
        if (piece.via === 'rest') continue;
        ahead++;
        if (!loads.has(piece)) {
          const load = this.#load(series, piece, stepMs, signal, options);
          load.catch(() => {});
          loads.set(piece, load);
        }
      }
    };
    try {
      for (let i = 0; i < plan.length; i++) {
        startLoads(i);
        const piece = plan[i]!;
        if (piece.via === 'rest') {
          yield* this.#restPages(series, piece, options);
          continue;
        }
        const outcome = await loads.get(piece)!;
        loads.delete(piece);
        current = outcome;
        if (!outcome.ok) {
          outcome.release();
          const { error } = outcome;
          const missing = error.code === 'ARCHIVE_NOT_FOUND';
          // Archive errors name their file first.
          const why = missing
            ? `${archiveFileName(outcome.file)}: not in the archive`
            : error.message;
          const note = `${why} (${error.code})`;
          if (missing && piece.via === 'monthly') {
            // A month not published (yet: in a month's first days, or never): its days may be.
            const days = daysOf(piece);
            for (const day of days) standIns.set(day, note);
            plan.splice(i, 1, ...days);
            i--;
            continue;
          }
          // A missing day of a missing month says so in the month's words: one line, not thirty.
          const standIn = standIns.get(piece);
          yield* this.#restPages(series, piece, options, missing ? (standIn ?? note) : note);
          continue;
        }
        yield* this.#filePages(series, piece, outcome, stepMs, options, standIns.get(piece));
        outcome.release();
      }
    } finally {
      stop.abort();
      current?.release();
      for (const load of loads.values())
        load.then(
          (o) => o.release(),
          () => {},
        );
    }
  }

  /** Reads one file in a download slot, held until the caller releases it. */
  async #load(
    series: Series,
    piece: PlanPiece,
    stepMs: number,
    signal: AbortSignal,
    options: FetchOptions,
  ): Promise<Outcome> {
    const release = await this.#slots.acquire(signal);
    try {
      return { ...(await this.#read(series, piece, stepMs, signal, options)), release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Reads one file, trying a bad one once more; a file that cannot be used is an outcome, not an error. */
  async #read(
    series: Series,
    piece: PlanPiece,
    stepMs: number,
    signal: AbortSignal,
    options: FetchOptions,
  ): Promise<FileRead> {
    const file = this.#fileOf(series, piece);
    const name = archiveFileName(file);
    // The month's REST sample goes out with the download, not after it.
    const sample =
      piece.via === 'monthly' && series.kind === 'candle' && this.#crossCheckBars > 0
        ? sampleRange(piece, stepMs, this.#crossCheckBars)
        : undefined;
    const fromRest =
      sample === undefined
        ? undefined
        : this.#rest.fetch(series, sample, {
            signal,
            ...(options.onRetry ? { onRetry: options.onRetry } : {}),
          });
    fromRest?.catch(() => {});
    for (let attempt = 1; ; attempt++) {
      try {
        const parsed = await readArchiveFile(file, this.#parser(series, file, stepMs), {
          baseUrl: this.#baseUrl,
          signal,
          timeoutMs: this.#timeoutMs,
        });
        if (sample !== undefined) {
          compareSample(parsed.rows as CandleColumns, (await fromRest!) as Candle[], sample, name);
        }
        return { ok: true, file, parsed };
      } catch (error) {
        if (signal.aborted || !(error instanceof ArchiveError)) throw error;
        const again =
          attempt < 2 &&
          error.code !== 'ARCHIVE_NOT_FOUND' &&
          error.code !== 'ARCHIVE_CROSS_CHECK_FAILED';
        if (!again) return { ok: false, file, error };
      }
    }
  }

  #parser(
    series: Series,
    file: ArchiveFile,
    stepMs: number,
  ): ArchiveParser<CandleColumns | Trade[]> {
    const name = archiveFileName(file);
    return series.kind === 'candle'
      ? new KlineCsvParser(file, stepMs, name)
      : new AggTradesCsvParser(file, name);
  }

  #fileOf(series: Series, piece: PlanPiece): ArchiveFile {
    return {
      market: this.#market,
      period: piece.via === 'monthly' ? 'monthly' : 'daily',
      dataset: series.kind === 'candle' ? 'klines' : 'aggTrades',
      symbol: archiveSymbol(series.subject, this.#market),
      ...(series.kind === 'candle' ? { interval: series.granularity } : {}),
      startMs: piece.startMs,
      endMs: piece.endMs,
    };
  }

  async *#restPages(
    series: Series,
    range: Range,
    options: FetchOptions,
    note?: string,
  ): AsyncGenerator<Page> {
    options.onOrigin?.({ ...range, via: 'rest', ...(note === undefined ? {} : { note }) });
    const { onOrigin: _, ...rest } = options;
    yield* this.#rest.pages(series, range, rest);
  }

  /**
   * A good file's rows as pages; holes in its candles longer than `holeCheckMs`
   * go to REST. `note` marks its archive origins (a day standing in for a missing month).
   */
  async *#filePages(
    series: Series,
    piece: PlanPiece,
    outcome: Extract<Outcome, { ok: true }>,
    stepMs: number,
    options: FetchOptions,
    note?: string,
  ): AsyncGenerator<Page> {
    const noted = note === undefined ? {} : { note };
    const name = archiveFileName(outcome.file);
    if (series.kind === 'trade') {
      options.onOrigin?.({ ...piece, via: 'archive', ...noted });
      yield { startMs: piece.startMs, endMs: piece.endMs, rows: outcome.parsed.rows as Trade[] };
      return;
    }
    const columns = outcome.parsed.rows as CandleColumns;
    let from = 0;
    let at = piece.startMs;
    for (const hole of holesOf(columns, piece, stepMs, this.#holeCheckMs)) {
      let to = from;
      while (to < columns.length && columns.tsMs[to]! < hole.startMs) to++;
      if (hole.startMs > at) {
        options.onOrigin?.({ startMs: at, endMs: hole.startMs, via: 'archive', ...noted });
        yield columnarPage(at, hole.startMs, sliceColumns(columns, from, to));
      }
      yield* this.#restPages(
        series,
        hole,
        options,
        `${name}: no rows from ${new Date(hole.startMs).toISOString()} to ${new Date(hole.endMs).toISOString()}, asked REST`,
      );
      from = to;
      at = hole.endMs;
    }
    if (at < piece.endMs) {
      options.onOrigin?.({ startMs: at, endMs: piece.endMs, via: 'archive', ...noted });
      yield columnarPage(at, piece.endMs, sliceColumns(columns, from, columns.length));
    }
  }
}

/** The UTC days of a monthly piece, as daily pieces. */
function daysOf(month: PlanPiece): PlanPiece[] {
  const days: PlanPiece[] = [];
  for (let t = month.startMs; t < month.endMs; t += DAY_MS) {
    days.push({ via: 'daily', startMs: t, endMs: t + DAY_MS });
  }
  return days;
}

/** Stretches with no candle longer than `minMs`, bar aligned, inside `period`. */
function holesOf(columns: CandleColumns, period: Range, stepMs: number, minMs: number): Range[] {
  const holes: Range[] = [];
  let expected = period.startMs;
  for (let i = 0; i <= columns.length; i++) {
    const ts = i < columns.length ? columns.tsMs[i]! : period.endMs;
    if (ts - expected > minMs) holes.push({ startMs: expected, endMs: ts });
    expected = ts + stepMs;
  }
  return holes;
}

function sliceColumns(c: CandleColumns, from: number, to: number): CandleColumns {
  return {
    length: to - from,
    tsMs: c.tsMs.subarray(from, to),
    open: c.open.subarray(from, to),
    high: c.high.subarray(from, to),
    low: c.low.subarray(from, to),
    close: c.close.subarray(from, to),
    volume: c.volume.subarray(from, to),
    meta: [],
  };
}

/**
 * The archive's symbol of a subject: `BTC/USDT` and `BTC/USDT:USDT` are
 * `BTCUSDT`; a COIN-M perpetual `BTC/USD:BTC` is `BTCUSD_PERP`.
 */
export function archiveSymbol(subject: string, market: ArchiveMarket): string {
  const [pair = subject] = subject.split(':');
  const symbol = pair.replace('/', '').toUpperCase();
  return market === 'futures-cm' && subject.includes(':') ? `${symbol}_PERP` : symbol;
}
