/** @module Reads one cached Parquet day file into typed columns (hyparquet, native gunzip). */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type Compressors, parquetMetadata, parquetRead } from 'hyparquet';
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

/**
 * The candles of one day file, sorted by time (`ts` in epoch seconds). Throws
 * {@link CorruptFileError} when the file is not a readable candle day file.
 */
export async function readDayFile(path: string): Promise<DayColumns> {
  let bytes: Buffer;
  try {
    // Sync: a day file is ~25 kB, and a promise-based read costs more than the read itself.
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CorruptFileError(path, (cause as Error).message, { cause });
  }
  if (!hasParquetMagic(bytes)) throw new CorruptFileError(path, 'not a parquet file');
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  try {
    return await decodeDayFile(buffer as ArrayBuffer, path);
  } catch (cause) {
    if (cause instanceof CorruptFileError) throw cause;
    throw new CorruptFileError(path, (cause as Error).message ?? String(cause), { cause });
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
  const metadata = parquetMetadata(file);
  const names = new Set(metadata.schema.map((s) => s.name));
  for (const name of FILE_COLUMNS) {
    if (!names.has(name)) throw new CorruptFileError(path, `no column '${name}'`);
  }
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
