/** @module Coarser candles (5m, 1h, 1d) computed from stored day files with DuckDB, cached per day. */
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StorageError } from '../../core/errors.js';
import { sqlPathList } from '../parquet/schema.js';
import type { BarColumns } from '../store.js';
import type { ConnectionPool } from './engine.js';

interface DayBars {
  /** File identity (inode, size, mtime) the bars were computed from. */
  readonly identity: string;
  readonly bars: BarColumns;
}

/** A day file to aggregate: its path and UTC day start. */
export interface DayFileRef {
  readonly path: string;
  readonly dayMs: number;
}

const MAX_CACHED_DAYS = 50_000;

const emptyBars = (): BarColumns => ({
  timeMs: [],
  open: [],
  high: [],
  low: [],
  close: [],
  volume: [],
});

/**
 * Aggregates stored candles to a bar that divides a day (5m, 1h, 1d) with one
 * DuckDB query over the day files not yet cached. Each day's bars are cached
 * by file identity: writers replace files by rename, which changes the inode,
 * so a cached day is never stale, and panning a chart over a year costs a
 * few `stat`s once each day has been read.
 */
export class CandleAggregator {
  readonly #pool: () => Promise<ConnectionPool>;
  readonly #cache = new Map<string, DayBars>();
  readonly #pending = new Map<string, Promise<void>>();

  /** @param pool the store's DuckDB connections, started on first use. */
  constructor(pool: () => Promise<ConnectionPool>) {
    this.#pool = pool;
  }

  /**
   * Bars of `bucketMs` (a divisor of a day) from the given day files, those
   * opening in `[startMs, endMs)`, sorted. Files that vanished are skipped.
   */
  async aggregate(
    files: readonly DayFileRef[],
    bucketMs: number,
    startMs: number,
    endMs: number,
  ): Promise<BarColumns> {
    // Synchronous on purpose: a local stat takes microseconds, a thread pool round trip more.
    const present = files.flatMap((f) => {
      const s = statSync(f.path, { throwIfNoEntry: false });
      return s === undefined
        ? []
        : [{ ...f, key: `${bucketMs}:${f.path}`, identity: `${s.ino}:${s.size}:${s.mtimeMs}` }];
    });
    const stale = present.filter((f) => this.#cache.get(f.key)?.identity !== f.identity);
    if (stale.length > 0) await this.#load(stale, bucketMs);
    const out = emptyBars();
    for (const f of present) {
      const day = this.#cache.get(f.key);
      if (day === undefined) continue;
      const { bars } = day;
      for (let i = 0; i < bars.timeMs.length; i++) {
        const t = bars.timeMs[i]!;
        if (t < startMs || t >= endMs) continue;
        out.timeMs.push(t);
        out.open.push(bars.open[i]!);
        out.high.push(bars.high[i]!);
        out.low.push(bars.low[i]!);
        out.close.push(bars.close[i]!);
        out.volume.push(bars.volume[i]!);
      }
    }
    return out;
  }

  async #load(
    files: readonly (DayFileRef & { key: string; identity: string })[],
    bucketMs: number,
  ): Promise<void> {
    // Concurrent requests for the same days share one query.
    const waits = files.map((f) => this.#pending.get(f.key)).filter((p) => p !== undefined);
    const todo = files.filter((f) => !this.#pending.has(f.key));
    if (todo.length > 0) {
      const job = this.#pool()
        .then((pool) => pool.use((c) => this.#query(c, todo, bucketMs)))
        .finally(() => {
          for (const f of todo) this.#pending.delete(f.key);
        });
      for (const f of todo) this.#pending.set(f.key, job);
      waits.push(job);
    }
    await Promise.all(waits);
  }

  async #query(
    connection: DuckDBConnection,
    files: readonly (DayFileRef & { key: string; identity: string })[],
    bucketMs: number,
  ): Promise<void> {
    const byPath = new Map(files.map((f) => [f.path, f]));
    const bars = new Map(files.map((f) => [f.path, emptyBars()]));
    // arg_min/arg_max pick the first open and last close of each bucket by
    // time; bucketing on epoch ms keeps every bar UTC-aligned whatever the zone.
    const sql = `
      SELECT filename,
             (epoch_ms(ts_event) // ${bucketMs}) * ${bucketMs} AS t,
             arg_min(open, ts_event) AS o, max(high) AS h, min(low) AS l,
             arg_max(close, ts_event) AS c, sum(volume) AS v
      FROM read_parquet(${sqlPathList(files.map((f) => f.path))}, filename = true)
      GROUP BY filename, t
      ORDER BY filename, t`;
    let rows: unknown[][];
    try {
      const reader = await connection.runAndReadAll(sql);
      rows = reader.getRows() as unknown[][];
    } catch (cause) {
      throw new StorageError('cannot aggregate candles', { cause });
    }
    for (const [file, t, o, h, l, c, v] of rows) {
      const target = bars.get(String(file));
      if (target === undefined) continue;
      target.timeMs.push(Number(t));
      target.open.push(Number(o));
      target.high.push(Number(h));
      target.low.push(Number(l));
      target.close.push(Number(c));
      target.volume.push(Number(v));
    }
    for (const [path, dayBars] of bars) {
      const ref = byPath.get(path)!;
      if (this.#cache.size >= MAX_CACHED_DAYS) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(ref.key, { identity: ref.identity, bars: dayBars });
    }
  }
}
