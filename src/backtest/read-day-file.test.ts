import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { allocateCandleColumns } from '../core/candle-columns.js';
import { makeSeries } from '../core/series.js';
import { encodeCandleDay } from '../storage/parquet/candle-encoder.js';
import { CorruptFileError } from './corrupt-file-error.js';
import { allocateDayColumns, COLUMN_NAMES } from './day-columns.js';
import { decodePlainDay } from './plain-day-decoder.js';
import { decodeDayFile, readDayFile } from './read-day-file.js';

const JAN1_MS = Date.UTC(2024, 0, 1);
const series = makeSeries({
  source: 'sim',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
});

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

// A day of candles with awkward doubles (tiny, huge, negative, fractional) and some meta.
async function encoded(order: (i: number) => number = (i) => i): Promise<Uint8Array> {
  const n = 1440;
  const c = allocateCandleColumns(n);
  for (let k = 0; k < n; k++) {
    const i = order(k);
    c.tsMs[k] = JAN1_MS + i * 60_000;
    c.open[k] = 42_000.125 + i / 3;
    c.high[k] = 1e300 / (i + 1);
    c.low[k] = -(i * 1e-9);
    c.close[k] = Math.PI * i;
    c.volume[k] = i % 7 === 0 ? 0 : 1 / (i + 1);
  }
  c.meta = Array.from({ length: n }, (_, i) => (i % 100 === 0 ? '{"x":1}' : null));
  return encodeCandleDay(series, c);
}

describe('reading day files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gapless-bt-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the fast path for gapless’s own files, with exactly hyparquet’s values', async () => {
    const file = arrayBuffer(await encoded());
    expect(decodePlainDay(file, parquetMetadata(file))).toBeDefined();
    const fast = await decodeDayFile(file, 'f');
    const slow = await decodeDayFile(file, 'f', false);
    expect(fast).toEqual(slow);
    expect(fast.length).toBe(1440);
    expect(fast.ts[1]).toBe(JAN1_MS / 1000 + 60);
    expect(fast.close[3]).toBe(Math.PI * 3);
    expect(fast.high[0]).toBe(1e300);
  });

  it('reads DuckDB-written files (ZSTD, dictionaries) through hyparquet, and sorts them', async () => {
    const path = join(dir, 'duck.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT make_timestamptz(CAST(${JAN1_MS} + (99 - i) * 60000 AS BIGINT) * 1000) AS ts_event,
        i * 1.5 AS open, 2.0 AS high, 1.0 AS low, i * 1.25 AS close, 7.0 AS volume
        FROM range(100) t(i)) TO '${path}' (FORMAT parquet, COMPRESSION 'zstd')`,
    );
    conn.closeSync();
    const columns = await readDayFile(path);
    expect(columns.length).toBe(100);
    // Written newest first; read in time order.
    expect(Array.from(columns.ts.subarray(0, 3))).toEqual(
      [0, 1, 2].map((k) => JAN1_MS / 1000 + k * 60),
    );
    expect(Array.from(columns.close.subarray(0, 3))).toEqual([99 * 1.25, 98 * 1.25, 97 * 1.25]);
    expect(columns.volume.every((v) => v === 7)).toBe(true);
  });

  it('sorts an unsorted file whichever path reads it', async () => {
    const file = arrayBuffer(await encoded((k) => 1439 - k));
    const fast = await decodeDayFile(file, 'f');
    expect(fast).toEqual(await decodeDayFile(file, 'f', false));
    expect(fast.ts[0]).toBe(JAN1_MS / 1000);
    expect(fast.close[1]).toBe(Math.PI);
  });

  it('decodes into columns it is given, reused, with the same values', async () => {
    const path = join(dir, 'day.parquet');
    writeFileSync(path, await encoded());
    const fresh = await readDayFile(path);
    const into = allocateDayColumns(2000);
    const reused = await readDayFile(path, into);
    expect(reused.length).toBe(1440);
    expect(reused.close).toBe(into.close);
    for (const name of COLUMN_NAMES) {
      expect(Array.from(reused[name].subarray(0, 1440))).toEqual(Array.from(fresh[name]));
    }
  });

  it('refuses a page whose bytes fail the gzip CRC, whichever path reads it', async () => {
    const bytes = Buffer.from(await encoded());
    const close = parquetMetadata(arrayBuffer(bytes)).row_groups[0]!.columns.find(
      (c) => c.meta_data?.path_in_schema[0] === 'close',
    )!.meta_data!;
    // Inside the compressed payload, past the page header.
    const at = Number(close.data_page_offset) + Math.floor(Number(close.total_compressed_size) / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    const path = join(dir, 'flipped.parquet');
    writeFileSync(path, bytes);
    await expect(readDayFile(path)).rejects.toThrow(CorruptFileError);
  });

  it('says why a file cannot be read', async () => {
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'nope');
    await expect(readDayFile(bad)).rejects.toThrow(CorruptFileError);
    await expect(readDayFile(bad)).rejects.toThrow(
      `cached file ${bad} cannot be read (not a parquet file)`,
    );
    const good = await encoded();
    const truncated = join(dir, 'truncated.parquet');
    writeFileSync(
      truncated,
      Buffer.concat([good.subarray(0, 4), good.subarray(good.length - 200)]),
    );
    await expect(readDayFile(truncated)).rejects.toThrow(CorruptFileError);
    const other = join(dir, 'other.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (SELECT 1 AS a) TO '${other}' (FORMAT parquet)`);
    conn.closeSync();
    await expect(readDayFile(other)).rejects.toThrow(
      `cached file ${other} cannot be read (no column 'ts_event')`,
    );
    expect(readFileSync(other).length).toBeGreaterThan(0);
  });
});
