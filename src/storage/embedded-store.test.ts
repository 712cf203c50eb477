import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../core/errors.js';
import type { Range } from '../core/range-math.js';
import { type Candle, frameRows, type Trade } from '../core/rows.js';
import { makeSeries, parseSeries, seriesId } from '../core/series.js';
import { DAY_MS } from '../core/time.js';
import { type EmbeddedStore, openEmbeddedStore } from './embedded-store.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const candles = makeSeries({
  source: 'binance',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
});
const trades = makeSeries({ source: 'binance', subject: 'BTC/USDT', kind: 'trade' });

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

async function fresh(): Promise<EmbeddedStore> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gapless-store-'));
  roots.push(root);
  return openEmbeddedStore({ dataDir: path.join(root, 'data') });
}

function bar(tsMs: number, base = 100, meta: string | null = null): Candle {
  return {
    tsMs,
    open: base + 0.1,
    high: base + 0.7,
    low: base - 0.3,
    close: base + 0.2,
    volume: 1.5e-8 * base,
    meta,
  };
}

function bars(startMs: number, count: number, base = 100): Candle[] {
  return Array.from({ length: count }, (_, i) => bar(startMs + i * MIN, base + i));
}

const range = (startMs: number, endMs: number): Range => ({ startMs, endMs });

async function query(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowsJS();
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

describe('embedded store', () => {
  let store: EmbeddedStore;
  beforeEach(async () => {
    store = await fresh();
    return () => store.close();
  });

  it('round-trips candles exactly and in order', async () => {
    const rows = [bar(T0 + 2 * MIN, 3, '{"n":3}'), bar(T0, Math.PI), bar(T0 + MIN, -0.1 + 1e-12)];
    const result = await store.write(candles, range(T0, T0 + 10 * MIN), rows);
    expect(result).toEqual({ rowsWritten: 3, filesWritten: 1 });
    const frame = await store.read(candles, range(T0, T0 + DAY_MS));
    expect([...frameRows(frame)]).toEqual(
      [rows[1], rows[2], rows[0]].map((r) => ({ ...r, meta: r?.meta ?? null })),
    );
    expect(frame.tsMs).toBeInstanceOf(Float64Array);
  });

  it('round-trips trades exactly, ordered by time then id, de-duplicated by id', async () => {
    const rows: Trade[] = [
      { tsMs: T0 + 5, tradeId: '10', price: 42000.5, amount: 0.001, side: 'buy' },
      {
        tsMs: T0 + 5,
        tradeId: '9',
        price: 42000.25,
        amount: 0.5,
        side: 'sell',
        meta: '{"m":true}',
      },
      { tsMs: T0 + 1, tradeId: 'x', price: 1, amount: 2, side: '' },
      { tsMs: T0 + 5, tradeId: '10', price: 42001, amount: 0.002, side: 'sell' },
    ];
    await store.write(trades, range(T0, T0 + 1000), rows);
    const frame = await store.read(trades, range(T0, T0 + 1000));
    expect(frame.kind).toBe('trade');
    expect([...frameRows(frame)]).toEqual([
      { ...rows[2], meta: null },
      rows[1],
      { ...rows[3], meta: null },
    ]);
    await store.write(trades, range(T0, T0 + 1000), [
      { tsMs: T0 + 7, tradeId: '9', price: 7, amount: 7, side: 'buy' },
    ]);
    const again = await store.read(trades, range(T0, T0 + 1000));
    expect(again.length).toBe(3);
    expect(again.kind === 'trade' && again.tradeId).toEqual(['x', '10', '9']);
  });

  it('merges overlapping writes with the new rows winning', async () => {
    await store.write(candles, range(T0, T0 + 10 * MIN), bars(T0, 10, 100));
    await store.write(candles, range(T0 + 5 * MIN, T0 + 15 * MIN), bars(T0 + 5 * MIN, 10, 500));
    const frame = await store.read(candles, range(T0, T0 + DAY_MS));
    expect(frame.length).toBe(15);
    expect(Array.from(frame.tsMs)).toEqual(Array.from({ length: 15 }, (_, i) => T0 + i * MIN));
    expect(frame.kind === 'candle' && Array.from(frame.close.slice(3, 7))).toEqual([
      103.2, 104.2, 500.2, 501.2,
    ]);
    expect(await store.coverage(candles)).toEqual([range(T0, T0 + 15 * MIN)]);
  });

  it('keeps the last of rows repeated inside one batch', async () => {
    const rows = [bar(T0, 1), bar(T0 + MIN, 2), bar(T0, 3)];
    expect((await store.write(candles, range(T0, T0 + 2 * MIN), rows)).rowsWritten).toBe(2);
    const frame = await store.read(candles, range(T0, T0 + 2 * MIN));
    expect(frame.kind === 'candle' && Array.from(frame.open)).toEqual([3.1, 2.1]);
  });

  it('splits writes at UTC day boundaries and reads partial ranges', async () => {
    const start = T0 + DAY_MS - 3 * MIN;
    const result = await store.write(candles, range(start, start + 6 * MIN), bars(start, 6));
    expect(result.filesWritten).toBe(2);
    expect((await store.files(candles)).map((f) => f.day)).toEqual(['2024-01-01', '2024-01-02']);
    const part = await store.read(candles, range(start + 2 * MIN, start + 4 * MIN));
    expect(Array.from(part.tsMs)).toEqual([start + 2 * MIN, start + 3 * MIN]);
    const none = await store.read(candles, range(start + 6 * MIN, start + 60 * MIN));
    expect(none.length).toBe(0);
  });

  it('covers an empty window without writing a file, and merges adjacent coverage', async () => {
    expect(await store.write(candles, range(T0, T0 + DAY_MS), [])).toEqual({
      rowsWritten: 0,
      filesWritten: 0,
    });
    expect(await store.files(candles)).toEqual([]);
    await store.write(candles, range(T0 + DAY_MS, T0 + DAY_MS + 30_000), []);
    expect(await store.coverage(candles)).toEqual([range(T0, T0 + DAY_MS + MIN)]);
    await store.write(candles, range(T0 + 3 * DAY_MS, T0 + 4 * DAY_MS), []);
    expect(await store.coverage(candles)).toHaveLength(2);
    expect(await store.listSeries()).toEqual([candles]);
  });

  it('reads nothing from an empty store and lists every series', async () => {
    expect((await store.read(candles, range(T0, T0 + DAY_MS))).length).toBe(0);
    expect((await store.read(trades, range(T0, T0 + DAY_MS))).kind).toBe('trade');
    expect(await store.coverage(candles)).toEqual([]);
    expect(await store.listSeries()).toEqual([]);
    const odd = makeSeries({ source: 'sim', subject: '50%/..', kind: 'candle', granularity: '1h' });
    await store.write(odd, range(T0, T0 + 3_600_000), [bar(T0)]);
    await store.write(trades, range(T0, T0 + 1), []);
    mkdirSync(path.join(store.dataDir, 'junk', 'not', 'a', 'series'), { recursive: true });
    writeFileSync(path.join(store.dataDir, 'README'), 'hello');
    expect(await store.listSeries()).toEqual([odd, trades]);
  });

  it('rejects bad input with InvalidArgumentError', async () => {
    await expect(store.read(candles, range(T0 + 1, T0))).rejects.toThrow(InvalidArgumentError);
    await expect(store.write(candles, range(T0, T0), [])).rejects.toThrow(InvalidArgumentError);
    await expect(store.read({ ...candles, subject: '..' }, range(T0, T0 + 1))).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(store.write(candles, range(T0, T0 + MIN), [bar(T0 + MIN)])).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(openEmbeddedStore({ dataDir: '/tmp/a*b' })).rejects.toThrow(InvalidArgumentError);
  });

  it('writes the documented Parquet schema, readable by DuckDB as a hive tree', async () => {
    await store.write(candles, range(T0, T0 + MIN), [bar(T0)]);
    await store.write(trades, range(T0, T0 + 1), [
      { tsMs: T0, tradeId: '1', price: 1, amount: 1, side: 'buy' },
    ]);
    const glob = path.join(store.dataDir, 'binance', 'BTC%2FUSDT', 'candle', '**', '*.parquet');
    const described = await query(
      `DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`,
    );
    expect(described.map((r) => [r[0], r[1]])).toEqual([
      ['ts_event', 'TIMESTAMP WITH TIME ZONE'],
      ['source', 'VARCHAR'],
      ['subject', 'VARCHAR'],
      ['kind', 'VARCHAR'],
      ['granularity', 'VARCHAR'],
      ['open', 'DOUBLE'],
      ['high', 'DOUBLE'],
      ['low', 'DOUBLE'],
      ['close', 'DOUBLE'],
      ['volume', 'DOUBLE'],
      ['meta', 'VARCHAR'],
    ]);
    const file = (await store.files(candles))[0]!.path;
    const [ts] = await query(
      `SELECT logical_type, type FROM parquet_schema('${file}') WHERE name = 'ts_event'`,
    );
    expect(String(ts?.[0])).toMatch(/isAdjustedToUTC=1.*MICROS|MICROS.*isAdjustedToUTC=1/i);
    const all = await query(
      `SELECT kind, subject, count(*) FROM read_parquet('${store.dataDir}/**/*.parquet', hive_partitioning = true, union_by_name = true) GROUP BY ALL ORDER BY ALL`,
    );
    expect(all).toEqual([
      ['candle', 'BTC/USDT', 1n],
      ['trade', 'BTC/USDT', 1n],
    ]);
  });

  it('ends consistent after concurrent writes to one series', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        store.write(
          candles,
          range(T0 + k * 5 * MIN, T0 + (k * 5 + 10) * MIN),
          bars(T0 + k * 5 * MIN, 10, 1000 * k),
        ),
      ),
    );
    const frame = await store.read(candles, range(T0, T0 + DAY_MS));
    expect(frame.length).toBe(45);
    expect(Array.from(frame.tsMs)).toEqual(Array.from({ length: 45 }, (_, i) => T0 + i * MIN));
    // Writes ran in call order, so each overlap holds the later write's bars.
    expect(frame.kind === 'candle' && frame.open[5]).toBe(1000.1);
    expect(await store.coverage(candles)).toEqual([range(T0, T0 + 45 * MIN)]);
    const dir = path.dirname((await store.files(candles))[0]!.path);
    // The series folder holds only Parquet files: polars and Spark scan it as is.
    expect(readdirSync(dir).sort()).toEqual(['2024-01-01.parquet']);
  });

  it('keeps coverage under .gapless/, reads an old _coverage.json once and moves it out', async () => {
    const other = parseSeries('candle:sim:ETH/USDT:1m');
    const dir = path.join(store.dataDir, 'sim', 'ETH%2FUSDT', 'candle', '1m');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, '_coverage.json'),
      JSON.stringify({ series: 'candle:sim:ETH/USDT:1m', ranges: [[T0, T0 + MIN]] }),
    );
    expect(await store.coverage(other)).toEqual([range(T0, T0 + MIN)]);
    expect((await store.listSeries()).map(seriesId)).toContain('candle:sim:ETH/USDT:1m');
    await store.write(other, range(T0 + MIN, T0 + 2 * MIN), []);
    expect(await store.coverage(other)).toEqual([range(T0, T0 + 2 * MIN)]);
    expect(readdirSync(dir)).toEqual([]);
    const moved = path.join(store.dataDir, '.gapless', 'coverage', 'sim', 'ETH%2FUSDT', 'candle');
    expect(readdirSync(moved)).toEqual(['1m.json']);
    // A coverage file that names another series is refused, not trusted.
    writeFileSync(
      path.join(moved, '1m.json'),
      JSON.stringify({ series: 'candle:sim:BTC/USDT:1m', ranges: [[T0, T0 + DAY_MS]] }),
    );
    await expect(store.coverage(other)).rejects.toThrow(/names "candle:sim:BTC\/USDT:1m"/);
  });

  it('leaves stored data intact when a write fails', async () => {
    await store.write(candles, range(T0, T0 + MIN), [bar(T0, 7)]);
    const file = (await store.files(candles))[0]!.path;
    // A directory where the next day's file must go makes the rename fail.
    mkdirSync(path.join(path.dirname(file), '2024-01-02.parquet'));
    await expect(
      store.write(candles, range(T0, T0 + DAY_MS + MIN), [bar(T0, 8), bar(T0 + DAY_MS, 9)]),
    ).rejects.toThrow(/2024-01-02/);
    expect(await store.coverage(candles)).toEqual([range(T0, T0 + MIN)]);
    expect(readdirSync(path.dirname(file)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(file)).toBe(true);
  });
});

describe('embedded store timing', () => {
  it('writes and reads one year of 1m candles (printed, not asserted)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'gapless-store-'));
    roots.push(root);
    const store = await openEmbeddedStore({ dataDir: root });
    const year = range(Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1));
    const rows = bars(year.startMs, (year.endMs - year.startMs) / MIN);
    try {
      let t = performance.now();
      const result = await store.write(candles, year, rows);
      const writeMs = performance.now() - t;
      t = performance.now();
      const frame = await store.read(candles, year);
      const readMs = performance.now() - t;
      const paths = (await store.files(candles)).map((f) => `'${f.path}'`).join(', ');
      const db = await DuckDBInstance.create(':memory:', { threads: '2' });
      const c = await db.connect();
      t = performance.now();
      const bare = await c.runAndReadAll(
        `SELECT * FROM read_parquet([${paths}]) WHERE ts_event >= make_timestamptz(${year.startMs * 1000}) AND ts_event < make_timestamptz(${year.endMs * 1000}) ORDER BY ts_event`,
      );
      const bareMs = performance.now() - t;
      c.closeSync();
      db.closeSync();
      console.log(
        `year of 1m candles: ${rows.length} rows, ${result.filesWritten} files; write ${writeMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms, bare DuckDB read ${bareMs.toFixed(0)} ms (${bare.currentRowCount} rows)`,
      );
      expect(frame.length).toBe(rows.length);
    } finally {
      await store.close();
    }
  });
});

describe('embedded store export', () => {
  it('exports a range, or an empty file with the schema, as one Parquet file', async () => {
    const store = await fresh();
    try {
      await store.write(candles, range(T0, T0 + DAY_MS + MIN), [bar(T0), bar(T0 + DAY_MS)]);
      const out = path.join(store.dataDir, '..', 'out.parquet');
      await store.exportParquet(candles, range(T0, T0 + 2 * DAY_MS), out);
      expect(await query(`SELECT count(*) FROM '${out}'`)).toEqual([[2n]]);
      await store.exportParquet(trades, range(T0, T0 + DAY_MS), out);
      const described = await query(`DESCRIBE SELECT * FROM '${out}'`);
      expect(described.map((r) => r[0])).toContain('trade_id');
      expect(await query(`SELECT count(*) FROM '${out}'`)).toEqual([[0n]]);
    } finally {
      await store.close();
    }
  });
});
