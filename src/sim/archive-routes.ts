/**
 * @module The sim's bulk archive (`/data/...` in Binance's layout): monthly
 * and daily zips of the deterministic market with `.CHECKSUM` files, made on
 * demand one file at a time, and the archive faults tests switch on.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ArchiveFile,
  archiveFileName,
  archivePeriodLabel,
  parseArchivePath,
} from '../core/archive-layout.js';
import { granularityMs } from '../core/granularity.js';
import {
  AGG_TRADE_CSV_HEADER,
  BINANCE_INTERVALS,
  KLINE_CSV_HEADER,
  writeAggTradeCsv,
  writeKlineCsv,
} from './binance-format.js';
import { CsvWriter } from './csv-writer.js';
import type { SimMarket } from './market.js';
import { zipOne } from './zip-writer.js';

/** Archive faults, each naming the periods it hits (`2024-12` for a month, `2024-12-05` for a day). */
export interface ArchiveFaults {
  /** The `.CHECKSUM` of these files names another digest. */
  badChecksum?: readonly string[];
  /** These files (and their checksums) answer 404, as a month the archive lacks. */
  missing?: readonly string[];
  /** These zips are served cut in half (their checksum is of the whole file). */
  truncated?: readonly string[];
  /** These files hold volumes off by one from the market (checksum good): a cross-check catches them. */
  wrongValues?: readonly string[];
  /** Days (`2024-12-15`) left out of the monthly files that hold them (their daily files are whole). */
  holes?: readonly string[];
  /** The daily file of the last complete day is not published yet (404). */
  lateDaily?: boolean;
}

/** Options of the archive routes. */
export interface ArchiveRouteOptions {
  faults?: ArchiveFaults;
  /** Keeps made zips on disk here, so a benchmark's second pass serves them without making them. */
  cacheDir?: string;
  /** The server's `badRowsEvery`: the market's broken candles are broken in its archive too. */
  badRowsEvery?: number | undefined;
}

/** What an archive route answers. */
export interface ArchiveAnswer {
  status: number;
  body: string | Uint8Array;
  headers?: Record<string, string>;
  /** A fault was served. */
  fault?: boolean;
}

/** Spot archives switch to microsecond timestamps from this instant (Binance, 2025-01-01). */
export const MICROS_SINCE_MS = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;
const CACHE_FILES = 16;

/** Whether a path is one of the archive's. */
export function isArchivePath(path: string): boolean {
  return path.startsWith('/data/');
}

/** The archive routes of a sim server. */
export class ArchiveRoutes {
  readonly #zips = new Map<string, { zip: Buffer; sha256: string }>();

  constructor(
    private readonly market: SimMarket,
    private readonly nowMs: () => number,
    private readonly bySymbol: ReadonlyMap<string, string>,
    private readonly options: ArchiveRouteOptions = {},
  ) {}

  /** Answers `GET {path}` for a zip or its `.CHECKSUM`. */
  answer(path: string): ArchiveAnswer {
    const checksum = path.endsWith('.CHECKSUM');
    const file = parseArchivePath(checksum ? path.slice(0, -'.CHECKSUM'.length) : path);
    const subject = file === undefined ? undefined : this.bySymbol.get(file.symbol);
    if (file === undefined || subject === undefined) return notFound();
    if (file.dataset === 'klines' && !BINANCE_INTERVALS.has(file.interval ?? '')) return notFound();
    const faults = this.options.faults ?? {};
    const label = archivePeriodLabel(file);
    const now = this.nowMs();
    if (file.endMs > now || file.endMs <= this.market.genesisMs) return notFound();
    if (faults.missing?.includes(label)) return { ...notFound(), fault: true };
    if (faults.lateDaily === true && file.period === 'daily' && file.endMs > now - DAY_MS) {
      return { ...notFound(), fault: true };
    }
    const wrong = faults.wrongValues?.includes(label) === true;
    const holes =
      file.period === 'monthly' ? (faults.holes ?? []).filter((day) => day.startsWith(label)) : [];
    const { zip, sha256 } = this.#zip(file, subject, wrong, holes);
    if (checksum) {
      const bad = faults.badChecksum?.includes(label) === true;
      const digest = bad ? createHash('sha256').update(sha256).digest('hex') : sha256;
      return {
        status: 200,
        body: `${digest}  ${archiveFileName(file)}\n`,
        headers: { 'content-type': 'text/plain' },
        fault: bad,
      };
    }
    const cut = faults.truncated?.includes(label) === true;
    return {
      status: 200,
      body: cut ? zip.subarray(0, Math.floor(zip.length / 2)) : zip,
      headers: { 'content-type': 'application/zip' },
      fault: cut || wrong || holes.length > 0,
    };
  }

  #zip(
    file: ArchiveFile,
    subject: string,
    wrong: boolean,
    holes: readonly string[],
  ): { zip: Buffer; sha256: string } {
    const variant = `${wrong ? 'wrong' : 'good'}${holes.map((h) => `-${h}`).join('')}`;
    const key = `${archiveFileName(file)}|${file.market}|${variant}`;
    const cached = this.#zips.get(key);
    if (cached !== undefined) return cached;
    const onDisk =
      this.options.cacheDir === undefined
        ? undefined
        : join(this.options.cacheDir, file.market, variant, archiveFileName(file));
    let zip: Buffer;
    if (onDisk !== undefined && existsSync(onDisk)) {
      zip = readFileSync(onDisk);
    } else {
      zip = zipOne(
        archiveFileName(file).replace(/\.zip$/, '.csv'),
        this.#csv(file, subject, wrong, holes),
      );
      if (onDisk !== undefined) {
        mkdirSync(dirname(onDisk), { recursive: true });
        writeFileSync(onDisk, zip);
      }
    }
    const made = { zip, sha256: createHash('sha256').update(zip).digest('hex') };
    this.#zips.set(key, made);
    if (this.#zips.size > CACHE_FILES) this.#zips.delete(this.#zips.keys().next().value!);
    return made;
  }

  /** The file's CSV, made a day of rows at a time (a month of 1m candles is ~4 MB of text). */
  #csv(file: ArchiveFile, subject: string, wrong: boolean, holes: readonly string[]): Buffer {
    const futures = file.market !== 'spot';
    // Binance moved spot archives to microseconds in 2025; futures kept milliseconds.
    const scale = !futures && file.startMs >= MICROS_SINCE_MS ? 1000 : 1;
    // Sized for klines (~100 bytes a row) so a month is written without regrowing.
    const rows =
      file.dataset === 'klines' ? (file.endMs - file.startMs) / granularityMs(file.interval!) : 0;
    const csv = new CsvWriter(Math.min(Math.max(rows * 110, 1 << 16), 1 << 26));
    if (futures) csv.text(file.dataset === 'klines' ? KLINE_CSV_HEADER : AGG_TRADE_CSV_HEADER);
    const now = this.nowMs();
    for (let day = file.startMs; day < file.endMs; day += DAY_MS) {
      if (holes.includes(new Date(day).toISOString().slice(0, 10))) continue;
      const range = { startMs: day, endMs: day + DAY_MS };
      if (file.dataset === 'klines') {
        const interval = file.interval!;
        const stepMs = granularityMs(interval);
        const every = this.options.badRowsEvery;
        for (const c of this.market.candles(subject, interval, range, now)) {
          let row = wrong ? { ...c, volume: c.volume + 1 } : c;
          if (every !== undefined && Math.floor(c.tsMs / stepMs) % every === 0) {
            row = { ...row, high: row.low - 1 };
          }
          writeKlineCsv(csv, row, stepMs, scale);
        }
      } else {
        for (const t of this.market.trades(subject, range, now)) {
          writeAggTradeCsv(csv, wrong ? { ...t, amount: t.amount + 1 } : t, futures, scale);
        }
      }
    }
    return csv.bytes();
  }
}

function notFound(): ArchiveAnswer {
  return {
    status: 404,
    body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>',
    headers: { 'content-type': 'application/xml' },
  };
}
