/** @module Binance kline archive CSV, bytes to candle columns: no object and no string per row. */
import { allocateCandleColumns, type MutableCandleColumns } from '../../core/candle-columns.js';
import type { Range } from '../../core/range-math.js';
import type { CandleColumns } from '../../core/rows.js';
import { PER_MS, type TimeUnit, timeUnitOf } from '../time-units.js';
import { ArchiveError } from './archive-error.js';
import { CsvLines } from './csv-lines.js';
import { readDecimalInto } from './decimal-bytes.js';

/** What an archive file's rows came to, once read. */
export interface ParsedArchive<T> {
  readonly rows: T;
  /** Rows in the file. */
  readonly length: number;
  /** The unit the file stamps times in (`us` in Binance's spot files since 2025). */
  readonly unit: TimeUnit;
  /** Rows left out: repeats of the row before, and rows of a neighbouring period. */
  readonly dropped: number;
}

/** Reads an archive file's bytes as they stream in. */
export interface ArchiveParser<T> {
  push(chunk: Uint8Array): void;
  end(): ParsedArchive<T>;
}

// Rows this close outside the file's period are the neighbour's, repeated at the edge.
const EDGE_SLACK_MS = 86_400_000;

/**
 * Parses kline CSV lines (`open_time,open,high,low,close,volume,...`) into
 * candle columns. A header line (futures files) is skipped; the time unit is
 * told per file from the first row's magnitude against the file's period and
 * every row must share it; repeats of the row before and rows just outside
 * the period are dropped; anything else unexpected is `ARCHIVE_CORRUPT`.
 * @example
 * const parser = new KlineCsvParser(file, 60_000, 'BTCUSDT-1m-2024-01.zip');
 * parser.push(bytes);
 * const { rows } = parser.end();
 */
export class KlineCsvParser implements ArchiveParser<CandleColumns> {
  readonly #lines = new CsvLines((b, s, e) => this.#line(b, s, e));
  readonly #columns: MutableCandleColumns;
  // The open time as written, before it is known to be in this file's unit.
  readonly #raw = new Float64Array(1);
  #n = 0;
  #lineNo = 0;
  #perMs = 0;
  #unit: TimeUnit = 'ms';
  #dropped = 0;

  constructor(
    private readonly period: Range,
    private readonly stepMs: number,
    private readonly what: string,
  ) {
    this.#columns = allocateCandleColumns(Math.ceil((period.endMs - period.startMs) / stepMs));
  }

  push(chunk: Uint8Array): void {
    this.#lines.push(chunk);
  }

  end(): ParsedArchive<CandleColumns> {
    this.#lines.end();
    const c = this.#columns;
    const n = this.#n;
    const rows: CandleColumns = {
      length: n,
      tsMs: c.tsMs.subarray(0, n),
      open: c.open.subarray(0, n),
      high: c.high.subarray(0, n),
      low: c.low.subarray(0, n),
      close: c.close.subarray(0, n),
      volume: c.volume.subarray(0, n),
      meta: [],
    };
    return { rows, length: n, unit: this.#unit, dropped: this.#dropped };
  }

  #line(bytes: Uint8Array, start: number, end: number): void {
    this.#lineNo++;
    const first = bytes[start]!;
    if (first < 48 || first > 57) {
      if (this.#lineNo === 1) return; // the header of futures files
      throw this.#corrupt('a line that is not a row');
    }
    let i = this.#field(bytes, readDecimalInto(bytes, start, end, this.#raw, 0), end);
    const raw = this.#raw[0]!;
    if (this.#perMs === 0) {
      const unit = timeUnitOf(raw, this.period.startMs);
      if (unit === undefined) throw this.#corrupt(`open time ${raw} fits no time unit`);
      this.#unit = unit;
      this.#perMs = PER_MS[unit];
    }
    const tsMs = raw / this.#perMs;
    if (!Number.isInteger(tsMs) || tsMs % this.stepMs !== 0) {
      throw this.#corrupt(`open time ${raw} (${this.#unit}) is not on a bar boundary`);
    }
    const n = this.#n;
    const c = this.#columns;
    if (tsMs < this.period.startMs || tsMs >= this.period.endMs) {
      if (tsMs >= this.period.startMs - EDGE_SLACK_MS && tsMs < this.period.endMs + EDGE_SLACK_MS) {
        this.#dropped++;
        return;
      }
      throw this.#corrupt(`open time ${raw} (${this.#unit}) is outside the file's period`);
    }
    if (n > 0 && tsMs <= c.tsMs[n - 1]!) {
      if (tsMs === c.tsMs[n - 1]) {
        this.#dropped++;
        return;
      }
      throw this.#corrupt(`open time ${raw} comes after a later one`);
    }
    if (n === c.tsMs.length) throw this.#corrupt('more rows than bars in its period');
    c.tsMs[n] = tsMs;
    i = this.#field(bytes, readDecimalInto(bytes, i, end, c.open, n), end);
    i = this.#field(bytes, readDecimalInto(bytes, i, end, c.high, n), end);
    i = this.#field(bytes, readDecimalInto(bytes, i, end, c.low, n), end);
    i = this.#field(bytes, readDecimalInto(bytes, i, end, c.close, n), end);
    i = readDecimalInto(bytes, i, end, c.volume, n);
    if (i < end && bytes[i] !== 44) throw this.#corrupt('a bad volume');
    this.#n = n + 1;
  }

  /** The start of the next field: `at` must be the comma ending the one before. */
  #field(bytes: Uint8Array, at: number, end: number): number {
    if (at >= end || bytes[at] !== 44) throw this.#corrupt('a short or malformed row');
    return at + 1;
  }

  #corrupt(detail: string): ArchiveError {
    return new ArchiveError('ARCHIVE_CORRUPT', `${this.what}: line ${this.#lineNo}: ${detail}`);
  }
}
