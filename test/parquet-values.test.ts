import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import initParquetWasm, { readParquet } from 'parquet-wasm/esm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeries } from '../src/core/series.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { dayFilePath } from '../src/storage/parquet/layout.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server-harness.js';

const SERIES = parseSeries('candle:sim:BTC/USDT:1m');
const T = Date.UTC(2024, 0, 1);
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
// The awkward doubles, one per row, in `open`; the other columns are plain.
const AWKWARD = [Number.NaN, -0, 1e-7, 1e21];
// How each comes out as text (CSV cell, JSON value): the README's rule.
const AS_CSV = ['', '-0', '1e-7', '1e+21'];
const AS_JSON = [null, -0, 1e-7, 1e21];

// hyparquet's own Thrift reader, independent of ours, to see the whole footer (not exported).
const THRIFT = '../node_modules/hyparquet/src/thrift.js';
const { deserializeTCompactProtocol } = (await import(THRIFT)) as {
  deserializeTCompactProtocol: (reader: { view: DataView; offset: number }) => unknown;
};
// parquet-wasm's node build is CommonJS in an ESM package; the ESM build takes the module bytes.
await initParquetWasm({
  module_or_path: readFileSync('node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm'),
});

const same = (got: readonly unknown[], want: readonly unknown[]) =>
  got.length === want.length && got.every((v, i) => Object.is(v, want[i]));

describe('one candle file, every reader and every text format', () => {
  let live: TestServer;
  let file: string;
  const tmp = tempDir();

  beforeAll(async () => {
    live = await startTestServer('embedded', { worker: false });
    const store = await openEmbeddedStore({ dataDir: live.dataDir });
    await store.write(
      SERIES,
      { startMs: T, endMs: T + 4 * 60_000 },
      AWKWARD.map((open, i) => ({
        tsMs: T + i * 60_000,
        open,
        high: 2,
        low: 0.5,
        close: 1,
        volume: 10,
      })),
    );
    await store.close();
    file = dayFilePath(live.dataDir, SERIES, '2024-01-01');
    writeConfig(tmp.dir, {
      data_dir: live.dataDir,
      feeds: [{ source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'] }],
    });
  });
  afterAll(async () => {
    await live.close();
    tmp.cleanup();
  });

  it('writes column_orders, created_by and the format version its encodings need', () => {
    const bytes = readFileSync(file);
    const length = bytes.readUInt32LE(bytes.length - 8);
    const footer = bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
    const raw = deserializeTCompactProtocol({
      view: new DataView(footer.buffer, footer.byteOffset, footer.byteLength),
      offset: 0,
    }) as Record<string, unknown>;
    const meta = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    );
    expect(meta.created_by).toBe(`gapless version ${VERSION}`);
    const leaves = meta.schema.length - 1;
    // ColumnOrder is a union; field 1 is TYPE_ORDER (an empty TypeDefinedOrder).
    expect(raw.field_7).toEqual(Array.from({ length: leaves }, () => ({ field_1: {} })));
    // RLE_DICTIONARY (8) data pages are a format 2 encoding: the file says version 2.
    const encodings = meta.row_groups[0]!.columns.flatMap((c) => c.meta_data!.encodings);
    expect(encodings).toContain('RLE_DICTIONARY');
    expect(meta.version).toBe(2);
  });

  it('gives the same doubles to hyparquet and parquet-wasm (arrow)', async () => {
    const buffer = readFileSync(file);
    const rows = await parquetReadObjects({
      file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length),
      compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
    });
    expect(
      same(
        rows.map((r) => r.open),
        AWKWARD,
      ),
    ).toBe(true);
    const table = tableFromIPC(readParquet(new Uint8Array(buffer)).intoIPCStream());
    expect(same([...table.getChild('open')!.toArray()], AWKWARD)).toBe(true);
  });

  it('writes them the same way in CLI CSV and JSON and HTTP CSV and JSON', async () => {
    const args = ['read', 'candle:sim:BTC/USDT:1m', '--start', '2024-01-01', '--end', '2024-01-02'];
    const cliCsv = await runCli(args, tmp.dir);
    expect(cliCsv.code).toBe(0);
    const cliJson = await runCli([...args, '--format', 'json'], tmp.dir);
    expect(cliJson.code).toBe(0);
    const url = `${live.url}/api/v1/historical/BTC-USDT?start=2024-01-01&end=2024-01-02`;
    const httpCsv = await (await fetch(`${url}&format=csv`)).text();
    const httpJson = await (await fetch(url)).text();

    const csvOpens = (text: string, column: number) =>
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[column]);
    expect(csvOpens(cliCsv.stdout, 1)).toEqual(AS_CSV);
    expect(csvOpens(httpCsv, 2)).toEqual(AS_CSV);
    const cliRows = JSON.parse(cliJson.stdout) as { open: number | null }[];
    const httpRows = (JSON.parse(httpJson) as { rows: { open: number | null }[] }).rows;
    expect(
      same(
        cliRows.map((r) => r.open),
        AS_JSON,
      ),
    ).toBe(true);
    expect(
      same(
        httpRows.map((r) => r.open),
        AS_JSON,
      ),
    ).toBe(true);
  });
});
