/** @module The fast path for day files as gapless writes them: one plain page per column, read straight into typed arrays. */
import { gunzipSync } from 'node:zlib';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { allocateDayColumns, type ColumnName, type DayColumns } from './day-columns.js';

// Doubles are copied as their memory; Parquet is little endian, like every platform Node ships for but s390x.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4_294_967_296;

const SOURCES: readonly [string, ColumnName][] = [
  ['ts_event', 'ts'],
  ['open', 'open'],
  ['high', 'high'],
  ['low', 'low'],
  ['close', 'close'],
  ['volume', 'volume'],
];

/**
 * Decodes the candle columns of a day file when every one is a single
 * uncompressed or GZIP data page of PLAIN values without nulls (`ts_event`
 * INT64 µs timestamps, the rest DOUBLE), in one row group: what gapless's
 * encoder writes. Anything else (dictionaries, other codecs, several pages
 * or row groups, nulls) returns undefined, and the caller reads the file with
 * hyparquet, which handles all of Parquet. Why: hyparquet converts each
 * timestamp through a BigInt and a callback and copies each value through an
 * array; this reads a page as one memory copy, about twice as fast a file.
 */
export function decodePlainDay(file: ArrayBuffer, metadata: FileMetaData): DayColumns | undefined {
  if (!LITTLE_ENDIAN || metadata.row_groups.length !== 1) return undefined;
  const group = metadata.row_groups[0]!;
  const n = Number(group.num_rows);
  const out = allocateDayColumns(n);
  const view = new DataView(file);
  for (const [name, target] of SOURCES) {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === name);
    const meta = chunk?.meta_data;
    const element = metadata.schema.find((s) => s.name === name);
    if (meta === undefined || element === undefined || !plainColumn(name, element))
      return undefined;
    if (meta.codec !== 'GZIP' && meta.codec !== 'UNCOMPRESSED') return undefined;
    if (meta.dictionary_page_offset !== undefined || Number(meta.num_values) !== n)
      return undefined;
    const optional = element.repetition_type === 'OPTIONAL';
    if (optional && Number(meta.statistics?.null_count ?? -1) !== 0) return undefined;
    const reader = { view, offset: Number(meta.data_page_offset) };
    const header = parquetHeader(reader);
    const page = header.data_page_header;
    if (header.type !== 'DATA_PAGE' || page?.encoding !== 'PLAIN' || page.num_values !== n) {
      return undefined;
    }
    if (reader.offset + header.compressed_page_size > file.byteLength) return undefined;
    const stored = new Uint8Array(file, reader.offset, header.compressed_page_size);
    const bytes = meta.codec === 'GZIP' ? gunzipSync(stored) : stored;
    // An optional column's v1 page starts with its definition levels, length-prefixed.
    const at = optional ? 4 + readUint32(bytes, 0) : 0;
    if (bytes.length - at !== n * 8) return undefined;
    if (target === 'ts') readMicros(bytes, at, n, out.ts);
    else new Uint8Array(out[target].buffer).set(bytes.subarray(at, at + n * 8));
  }
  return out;
}

function plainColumn(name: string, element: SchemaElement): boolean {
  if (element.repetition_type === 'REPEATED') return false;
  if (name !== 'ts_event') return element.type === 'DOUBLE';
  const logical = element.logical_type;
  return (
    element.type === 'INT64' &&
    (logical?.type === 'TIMESTAMP'
      ? logical.unit === 'MICROS'
      : element.converted_type === 'TIMESTAMP_MICROS')
  );
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 2 ** 24;
}

// Epoch µs fit in 53 bits until the year 2255, so two 32-bit halves beat a BigInt each.
function readMicros(bytes: Uint8Array, at: number, n: number, into: Float64Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, n * 8);
  for (let i = 0; i < n; i++) {
    const lo = view.getUint32(i * 8, true);
    const hi = view.getInt32(i * 8 + 4, true);
    into[i] = (hi * TWO_32 + lo) / 1e6;
  }
}
