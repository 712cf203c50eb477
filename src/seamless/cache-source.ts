import { InvalidArgumentError } from '../core/errors.js';
import { intersectRanges, mergeRanges, type Range } from '../core/range-math.js';
import type { Frame } from '../core/rows.js';
import { type Series, seriesId } from '../core/series.js';
import { DAY_MS } from '../core/time.js';
import type { DataSource } from './data-source.js';
import { concatFrames, frameBytes, lowerBound, sliceFrame, sliceRows } from './frame-ops.js';

/** Options of {@link CacheSource}. */
export interface CacheSourceOptions {
  /**
   * Rows kept at most, over all entries.
   * @default 2000000
   */
  readonly maxRows?: number;
  /**
   * Approximate bytes kept at most, over all entries.
   * @default 268435456
   */
  readonly maxBytes?: number;
  /**
   * Rows one `put` may add (its newest day always): a long scan (a year of 1m bars, a backtest) keeps
   * only its most recent days, so it neither flushes the entries that are
   * read again and again nor pays for copying rows nobody asks for twice
   * (PostgreSQL's ring buffer for sequential scans, the same idea).
   * @default maxRows / 8
   */
  readonly maxRowsPerPut?: number;
  /**
   * How long an entry is served after it was stored, in ms.
   * @default 300000
   */
  readonly ttlMs?: number;
  /** The clock; default `Date.now`. */
  readonly nowMs?: () => number;
}

interface Entry {
  /** The covered part of the day, one contiguous range. */
  readonly range: Range;
  readonly frame: Frame;
  readonly bytes: number;
  readonly expiresAtMs: number;
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`Expected \`${name}\` to be an integer >= 0, got \`${value}\``);
  }
  return value;
}

/**
 * The L1 in-memory cache: one entry per series and UTC day, bounded by rows
 * and bytes with least-recently-used eviction, each entry served for
 * `ttlMs`. It only holds what a slower source served, so it never claims a
 * range no store covers.
 * @example
 * const cache = new CacheSource({ maxRows: 1_000_000, ttlMs: 60_000 });
 */
export class CacheSource implements DataSource {
  readonly name = 'cache' as const;
  readonly priority = 0;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly maxRowsPerPut: number;
  private readonly ttlMs: number;
  private readonly nowMs: () => number;
  // Map order is recency order: a hit re-inserts the entry at the end.
  private readonly entries = new Map<string, Entry>();
  private rows = 0;
  private bytes = 0;

  constructor(options: CacheSourceOptions = {}) {
    this.maxRows = checkLimit('maxRows', options.maxRows, 2_000_000);
    this.maxBytes = checkLimit('maxBytes', options.maxBytes, 256 * 1024 * 1024);
    this.maxRowsPerPut = checkLimit(
      'maxRowsPerPut',
      options.maxRowsPerPut,
      Math.floor(this.maxRows / 8),
    );
    this.ttlMs = checkLimit('ttlMs', options.ttlMs, 300_000);
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Always available; an empty cache simply covers nothing. */
  isAvailable(): boolean {
    return true;
  }

  /** The parts of `range` held by live entries. */
  async coverage(series: Series, range: Range): Promise<Range[]> {
    return this.coverageNow(series, range);
  }

  /** Synchronous form of {@link CacheSource.coverage}, for the hot path. */
  coverageNow(series: Series, range: Range): Range[] {
    const id = seriesId(series);
    const out: Range[] = [];
    for (let day = Math.floor(range.startMs / DAY_MS) * DAY_MS; day < range.endMs; day += DAY_MS) {
      const entry = this.entry(`${id}|${day}`, false);
      if (entry !== undefined) out.push(entry.range);
    }
    return intersectRanges(mergeRanges(out), [range]);
  }

  /** Rows of `range`, which must be inside {@link CacheSource.coverage}. */
  async fetch(series: Series, range: Range): Promise<Frame> {
    return this.fetchNow(series, range);
  }

  /** Synchronous form of {@link CacheSource.fetch}. */
  fetchNow(series: Series, range: Range): Frame {
    const id = seriesId(series);
    const pieces: Frame[] = [];
    for (let day = Math.floor(range.startMs / DAY_MS) * DAY_MS; day < range.endMs; day += DAY_MS) {
      const entry = this.entry(`${id}|${day}`, true);
      if (entry !== undefined) pieces.push(sliceFrame(entry.frame, range));
    }
    return concatFrames(series, pieces);
  }

  /**
   * Keeps the rows of `range` (a range a store covers), cut by UTC day: the
   * most recent days, up to `maxRowsPerPut` rows. A day entry is replaced only
   * by one covering at least as much of that day.
   */
  put(series: Series, range: Range, frame: Frame): void {
    if (this.ttlMs === 0) return;
    const id = seriesId(series);
    const expiresAtMs = this.nowMs() + this.ttlMs;
    // Newest day first: when the budget runs out, the older days are the ones left out.
    const kept: { day: number; part: Range; from: number; to: number }[] = [];
    let budget = this.maxRowsPerPut;
    for (
      let day = Math.floor((range.endMs - 1) / DAY_MS) * DAY_MS;
      day + DAY_MS > range.startMs;
      day -= DAY_MS
    ) {
      const part = {
        startMs: Math.max(day, range.startMs),
        endMs: Math.min(day + DAY_MS, range.endMs),
      };
      const from = lowerBound(frame, part.startMs);
      const to = lowerBound(frame, part.endMs);
      budget -= to - from;
      // The newest day is kept whatever its size (the row and byte bounds still apply).
      if (budget < 0 && kept.length > 0) break;
      kept.push({ day, part, from, to });
    }
    // Stored oldest first, so the newest days are the last to be evicted.
    for (const { day, part, from, to } of kept.reverse()) {
      const key = `${id}|${day}`;
      const old = this.entries.get(key);
      if (old !== undefined && old.range.endMs - old.range.startMs > part.endMs - part.startMs) {
        continue;
      }
      const rows = sliceRows(frame, from, to);
      const bytes = frameBytes(rows);
      if (rows.length > this.maxRows || bytes > this.maxBytes) continue;
      this.remove(key);
      this.entries.set(key, { range: part, frame: rows, bytes, expiresAtMs });
      this.rows += rows.length;
      this.bytes += bytes;
    }
    this.evict();
  }

  /** Drops every entry (of one series when given). */
  clear(series?: Series): void {
    const prefix = series === undefined ? '' : `${seriesId(series)}|`;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.remove(key);
  }

  /** Entries, rows and approximate bytes held now. */
  stats(): { entries: number; rows: number; bytes: number } {
    return { entries: this.entries.size, rows: this.rows, bytes: this.bytes };
  }

  private entry(key: string, touch: boolean): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.nowMs()) {
      this.remove(key);
      return undefined;
    }
    if (touch) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.rows -= entry.frame.length;
    this.bytes -= entry.bytes;
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.rows <= this.maxRows && this.bytes <= this.maxBytes) break;
      this.remove(key);
    }
  }
}
