import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/cli.js';
import type { CandleColumns } from '../../core/rows.js';
import { parseSeries, type Series } from '../../core/series.js';
import { DAY_MS, utcDay } from '../../core/time.js';
import { encodeCandleDay } from './candle-encoder.js';

const MIN = 60_000;
const DAY = Date.UTC(2024, 2, 10);
const VALUES = ['open', 'high', 'low', 'close', 'volume'] as const;
const btc = parseSeries('candle:binance:BTC/USDT:1m');
// Multi-byte series strings go through the one-entry dictionary pages.
const euro = parseSeries('candle:kraken:ÉTH/€uro:1h');
const MAX = Number.MAX_VALUE;
const SPECIAL = [-0, 0, -1.5, 5e-324, -5e-324, 1e-300, 0.1 + 0.2, MAX, -MAX];
const METAS = ['{"trades":12}', '', 'ünïcødé €', '日本語の注記', '🚀{"é":1}', 'x'.repeat(300)];

// Seeded (xorshift32) so that a failure names rows that stay the same on the next run.
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Candles at `ts`: prices, random bit patterns (never NaN) and edge values; meta in runs. */
function candles(ts: readonly number[], meta: 'runs' | 'none' | 'all' = 'runs', seed = 7) {
  const r = random(seed);
  const bits = new DataView(new ArrayBuffer(8));
  const value = (i: number, k: number): number => {
    if ((i + k) % 13 === 0) return SPECIAL[(i + k) % SPECIAL.length]!;
    if ((i + k) % 5 === 0) {
      bits.setUint32(0, r() * 2 ** 32);
      bits.setUint32(4, r() * 2 ** 32);
      const v = bits.getFloat64(0);
      return Number.isNaN(v) ? -v.toString().length : v;
    }
    return Math.round((40_000 + (r() - 0.5) * 2_000) * 100) / 100;
  };
  const n = ts.length;
  const cols = Object.fromEntries(
    VALUES.map((name, k) => [name, Float64Array.from({ length: n }, (_, i) => value(i, k))]),
  ) as Record<(typeof VALUES)[number], Float64Array>;
  // Runs of 200 nulls and values (multi-byte RLE run headers), and runs of one or two.
  const present = (i: number, b = Math.floor(i / 200)) =>
    meta === 'all' || (meta === 'runs' && (b % 2 === 1 ? i % 50 !== 7 : b > 0 && i % 9 < 2));
  const metas = ts.map((_, i) => (present(i) ? METAS[i % METAS.length]! : null));
  return { length: n, tsMs: Float64Array.from(ts), ...cols, meta: metas } satisfies CandleColumns;
}

const us = (tsMs: number) => BigInt(tsMs) * 1000n;
const bars = (start: number, n = 1440, step = MIN) =>
  Array.from({ length: n }, (_, i) => start + i * step);

let dir: string;
let cleanup: () => void;
let db: DuckDBInstance;
let c: DuckDBConnection;
beforeAll(async () => {
  ({ dir, cleanup } = tempDir('gapless-parquet-'));
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
});
afterAll(() => {
  c.closeSync();
  db.closeSync();
  cleanup();
});

const query = async (sql: string) => (await c.runAndReadAll(sql)).getRowsJS();

async function write(name: string, cols: CandleColumns, series: Series = btc): Promise<string> {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await encodeCandleDay(series, cols));
  return file;
}

/**
 * Writes `cols` to `name` and reads them back with DuckDB: every value as written (Object.is,
 * so -0 and NaN count), then the footer's statistics. Returns the file.
 */
async function roundTrip(name: string, cols: CandleColumns, series: Series = btc) {
  const file = await write(name, cols, series);
  const got = await query(
    `SELECT epoch_us(ts_event), epoch_ms(ts_event), source, subject, kind, granularity, ${VALUES.join(', ')}, meta FROM read_parquet('${file}')`,
  );
  const bad: string[] = [];
  const strings = [series.source, series.subject, series.kind, series.granularity];
  for (let i = 0; i < Math.max(got.length, cols.length); i++) {
    const numbers = VALUES.map((v) => cols[v][i]);
    const want = [us(cols.tsMs[i]!), BigInt(cols.tsMs[i]!), ...strings, ...numbers, cols.meta[i]];
    want.forEach((w, k) => {
      if (!Object.is(got[i]?.[k], w)) bad.push(`row ${i} column ${k}: ${got[i]?.[k]} != ${w}`);
    });
  }
  expect(bad.slice(0, 10)).toEqual([]);
  // Bounds come back as text; DuckDB parses them to µs or doubles for an exact comparison.
  const stats = await query(
    `SELECT path_in_schema, num_values, stats_null_count, stats_min_value, stats_max_value,
       epoch_us(TRY_CAST(stats_min_value AS TIMESTAMPTZ)), epoch_us(TRY_CAST(stats_max_value AS TIMESTAMPTZ)),
       TRY_CAST(stats_min_value AS DOUBLE), TRY_CAST(stats_max_value AS DOUBLE)
     FROM parquet_metadata('${file}')`,
  );
  const n = BigInt(cols.length);
  const nulls = BigInt(cols.meta.filter((m) => m === null).length);
  const at = (name: string) => stats.find((r) => r[0] === name)!.slice(1);
  const [tsValues, tsNulls, , , tsMin, tsMax] = at('ts_event');
  const bounds = [us(cols.tsMs[0]!), us(cols.tsMs[cols.length - 1]!)];
  expect([tsValues, tsNulls, tsMin, tsMax]).toEqual([n, 0n, ...bounds]);
  for (const name of ['source', 'subject', 'kind', 'granularity'] as const) {
    expect(at(name).slice(2, 4)).toEqual([series[name], series[name]]);
  }
  for (const name of VALUES) {
    const values = Array.from(cols[name]);
    // Parquet forbids NaN bounds: a reader would skip pages holding the rows it wants.
    // Zero bounds are written -0 (min) and +0 (max), as the spec asks.
    const min = Math.min(...values);
    const max = Math.max(...values);
    const want = Number.isNaN(min) ? [null, null] : [min === 0 ? -0 : min, max === 0 ? 0 : max];
    const [dmin, dmax] = at(name).slice(6);
    expect(Object.is(dmin, want[0]) && Object.is(dmax, want[1]), `${name}: ${dmin} ${dmax}`).toBe(
      true,
    );
  }
  expect(at('meta').slice(0, 2)).toEqual([n, nulls]);
  return file;
}

describe('encodeCandleDay', () => {
  it('writes the store schema and round-trips a full day exactly, with statistics', async () => {
    const cols = candles(bars(DAY));
    const file = await roundTrip('day.parquet', cols);
    const described = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(described.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      'ts_event TIMESTAMP WITH TIME ZONE',
      ...['source', 'subject', 'kind', 'granularity'].map((n) => `${n} VARCHAR`),
      ...VALUES.map((n) => `${n} DOUBLE`),
      'meta VARCHAR',
    ]);
    // The generator must really produce the edge cases the test claims to cover.
    expect(cols.meta.filter((m) => m === null).length).toBeGreaterThan(300);
    expect(Array.from(cols.open).some((v) => Object.is(v, -0))).toBe(true);
  });

  it('reads as a hive tree and a glob; a time filter returns exactly the rows in range', async () => {
    const days = [DAY - DAY_MS, DAY, DAY + DAY_MS];
    const all = days.map((d, k) => candles(bars(d), 'runs', k + 1));
    for (const [k, d] of days.entries()) {
      await write(`hive/date=${utcDay(d)}/part.parquet`, all[k]!, k === 1 ? euro : btc);
    }
    const glob = path.join(dir, 'hive', '*', '*.parquet');
    expect(
      await query(
        `SELECT CAST(date AS VARCHAR), subject, count(*) FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`,
      ),
    ).toEqual(days.map((d, k) => [utcDay(d), k === 1 ? euro.subject : btc.subject, 1440n]));
    const from = DAY - 90 * MIN;
    const to = DAY + DAY_MS + 17 * MIN + 1;
    const got = await query(
      `SELECT epoch_us(ts_event) FROM read_parquet('${glob}', hive_partitioning = true) WHERE ts_event >= make_timestamptz(${from * 1000}) AND ts_event < make_timestamptz(${to * 1000}) ORDER BY ts_event`,
    );
    const want = all.flatMap((cols) => Array.from(cols.tsMs)).filter((t) => t >= from && t < to);
    expect(got.map((r) => r[0])).toEqual(want.map(us));
  });

  it('is deterministic, wherever the columns sit in memory', async () => {
    const cols = candles(bars(DAY));
    const bytes = await encodeCandleDay(btc, cols);
    expect(Buffer.compare(bytes, await encodeCandleDay(btc, cols))).toBe(0);
    // Columns that are views into larger buffers (as a merge or a frame may hand over).
    const offset = (a: Float64Array) => Float64Array.of(0, 0, 0, ...a).subarray(3);
    const names = ['tsMs', ...VALUES] as const;
    const views = { ...cols, ...Object.fromEntries(names.map((v) => [v, offset(cols[v])])) };
    expect(Buffer.compare(bytes, await encodeCandleDay(btc, views as CandleColumns))).toBe(0);
    // The columns are still whole: their copies, not they, went to the compression thread.
    expect(Array.from(views.open as Float64Array)).toEqual(Array.from(cols.open));
  });

  it.each([
    ['one row', candles([DAY + 5 * MIN])],
    ['all-null meta', candles(bars(DAY), 'none')],
    ['all non-null meta', candles(bars(DAY), 'all')],
    ['a lone null meta', { ...candles(bars(DAY, 3)), meta: ['a', null, 'b'] }],
  ])('round-trips %s', async (name, cols) => {
    await roundTrip(`edge-${name.replaceAll(' ', '-')}.parquet`, cols);
  });

  it('round-trips NaN and then writes no bounds for that column', async () => {
    const cols = candles(bars(DAY, 100));
    for (const i of [0, 41, 42, 99]) cols.high[i] = Number.NaN;
    const file = await roundTrip('nan.parquet', cols);
    const sql = `SELECT count(*) FROM read_parquet('${file}') WHERE isnan(high)`;
    expect(await query(sql)).toEqual([[4n]]);
  });

  it('round-trips times before 1970 and beyond 2^53 µs exactly (the BigInt path)', async () => {
    const edge = Math.floor(2 ** 53 / 1000 / DAY_MS) * DAY_MS;
    const cases = [
      bars(Date.UTC(2300, 0, 1)),
      bars(Date.UTC(1969, 11, 31)),
      // ms * 1000 stays an exact double up to ~year 4253; past it only BigInt gets odd ms right.
      bars(Date.UTC(9999, 11, 31), 1440, MIN - 1),
      // Either side of 2^53 µs (9007199254740.992 ms), where the fast path hands over.
      [edge, ...[739, 740, 741, 742].map((ms) => 9_007_199_254_000 + ms), edge + DAY_MS - 1],
    ];
    for (const [k, ts] of cases.entries()) await roundTrip(`far-${k}.parquet`, candles(ts));
  });

  // A second, independent reader: DuckDB alone could be lenient where others are not.
  it('is readable by hyparquet too', async () => {
    const cols = candles(bars(DAY));
    const bytes = await encodeCandleDay(btc, cols);
    const rows = await parquetReadObjects({
      file: new Uint8Array(bytes).buffer,
      compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
      parsers: { timestampFromMicroseconds: (us: bigint) => us },
    });
    expect(rows).toHaveLength(cols.length);
    rows.forEach((row: Record<string, unknown>, i: number) => {
      expect(row.ts_event).toBe(us(cols.tsMs[i]!));
      for (const name of VALUES)
        expect(Object.is(row[name], cols[name][i]), `${name} ${i}`).toBe(true);
      expect([row.subject, row.meta ?? null]).toEqual([btc.subject, cols.meta[i]]);
    });
  });
});
