/** @module Reads one cached Parquet day file into typed columns (hyparquet, native gunzip). */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type Compressors, type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';
import { compressors as pureCompressors } from 'hyparquet-compressors';
import { CorruptFileError } from './corrupt-file-error.js';
import { allocateDayColumns, type ColumnName, type DayColumns } from './day-columns.js';
import { decodePlainDay } from './plain-day-decoder.js';

const FILE_COLUMNS = ['ts_event', 'open', 'high', 'low', 'close', 'volume'] as const;
const TARGET: Record<(typeof FILE_COLUMNS)[number], ColumnName> = {
  ts_event: 'ts',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
};

// gapless writes GZIP pages; zlib's native inflate is several times faster
// than a JS one. The others (DuckDB's ZSTD, SNAPPY, ...) take the pure-JS codecs.
const COMPRESSORS: Compressors = {
  ...pureCompressors,
  GZIP: (input) => {
    const out = gunzipSync(input);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};

// Timestamps straight to epoch seconds: no Date per row.
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v) / 1e3,
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1e6,
  timestampFromNanoseconds: (v: bigint) => Number(v) / 1e9,
};

// One buffer for the bytes of whichever file is being read: a replay reads a file a day,
// and a fresh 25 kB buffer each time is garbage that outlives the young generation. Used
// synchronously only (the read, the footer, the fast decode); anything slower copies.
let fileBuffer = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The candles of one day file, sorted by time (`ts` in epoch seconds). Throws
 * {@link CorruptFileError} when the file is not a readable candle day file.
 * With `into` (columns a previous call returned), decodes into those arrays
 * when they are large enough, instead of allocating a day's worth.
 */
export async function readDayFile(path: string, into?: DayColumns): Promise<DayColumns> {
  let bytes: Uint8Array;
  try {
    bytes = readWhole(path);
  } catch (cause) {
    throw new CorruptFileError(path, (cause as Error).message, { cause });
  }
  if (!hasParquetMagic(bytes)) throw new CorruptFileError(path, 'not a parquet file');
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(bytes);
    const plain = hasCandleColumns(metadata, path)
      ? decodePlainDay(bytes, metadata, into)
      : undefined;
    if (plain !== undefined) return sortedByTime(plain);
  } catch (cause) {
    if (cause instanceof CorruptFileError) throw cause;
    throw new CorruptFileError(path, (cause as Error).message ?? String(cause), { cause });
  }
  // Not gapless's own plain pages: hyparquet reads it, from a copy of its own.
  return decodeDayFile(new Uint8Array(bytes).buffer, path, false);
}

// The whole file, in the shared buffer (valid until the next read).
function readWhole(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (fileBuffer.length < size) fileBuffer = Buffer.allocUnsafeSlow(size * 2);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, fileBuffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return fileBuffer.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Decodes a day file's bytes: the fast path for gapless's own plain pages
 * ({@link decodePlainDay}), hyparquet for anything else (or always, with
 * `fast` false: how the tests hold the two to the same answers).
 */
export async function decodeDayFile(
  file: ArrayBuffer,
  path: string,
  fast = true,
): Promise<DayColumns> {
  try {
    return await decodeWithMetadata(file, path, fast);
  } catch (cause) {
    if (cause instanceof CorruptFileError) throw cause;
    throw new CorruptFileError(path, (cause as Error).message ?? String(cause), { cause });
  }
}

async function decodeWithMetadata(
  file: ArrayBuffer,
  path: string,
  fast: boolean,
): Promise<DayColumns> {
  const metadata = parquetMetadata(file);
  hasCandleColumns(metadata, path);
  const plain = fast ? decodePlainDay(file, metadata) : undefined;
  if (plain !== undefined) return sortedByTime(plain);
  const columns = allocateDayColumns(Number(metadata.num_rows));
  const filled = { ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  await parquetRead({
    file,
    metadata,
    columns: [...FILE_COLUMNS],
    compressors: COMPRESSORS,
    parsers: PARSERS,
    utf8: false,
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      const name = TARGET[columnName as (typeof FILE_COLUMNS)[number]];
      if (name === undefined) return;
      const target = columns[name];
      for (let i = 0; i < rowEnd - rowStart; i++) target[rowStart + i] = toNumber(columnData[i]);
      filled[name] += rowEnd - rowStart;
    },
  });
  for (const [name, count] of Object.entries(filled)) {
    if (count !== columns.length) {
      throw new CorruptFileError(path, `column '${name}' has ${count} of ${columns.length} rows`);
    }
  }
  if (Number.isNaN(columns.ts[0])) throw new CorruptFileError(path, "'ts_event' is not a time");
  return sortedByTime(columns);
}

// Every candle column is there (true), or a CorruptFileError names the first missing.
function hasCandleColumns(metadata: FileMetaData, path: string): true {
  const names = new Set(metadata.schema.map((s) => s.name));
  for (const name of FILE_COLUMNS) {
    if (!names.has(name)) throw new CorruptFileError(path, `no column '${name}'`);
  }
  return true;
}

// `PAR1` at both ends: a truncated or foreign file fails here, with a plain reason.
function hasParquetMagic(bytes: Uint8Array): boolean {
  const magic = [0x50, 0x41, 0x52, 0x31];
  if (bytes.length < 12) return false;
  return magic.every((b, k) => bytes[k] === b && bytes[bytes.length - 4 + k] === b);
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime() / 1e3;
  if (typeof value === 'bigint') return Number(value);
  return Number.NaN;
}

// Day files are written sorted; a foreign file may not be, and the replay needs time order.
function sortedByTime(columns: DayColumns): DayColumns {
  const { ts } = columns;
  let sorted = true;
  for (let i = 1; i < columns.length && sorted; i++) sorted = ts[i - 1]! <= ts[i]!;
  if (sorted) return columns;
  const order = Array.from({ length: columns.length }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]!);
  const out = allocateDayColumns(columns.length);
  for (const name of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) {
    const from = columns[name];
    const to = out[name];
    for (let i = 0; i < order.length; i++) to[i] = from[order[i]!]!;
  }
  return out;
}
