import type { CandleColumns } from '../../core/rows.js';
import type { Series } from '../../core/series.js';
import { GAPLESS_VERSION } from '../../core/version.js';
import { gzipPages } from './gzip-worker.js';
import { CANDLE_COLUMNS } from './schema.js';
import { CompactWriter } from './thrift-compact.js';

// Parquet's Thrift enums.
const INT64 = 2;
const DOUBLE = 5;
const BYTE_ARRAY = 6;
const REQUIRED = 0;
const OPTIONAL = 1;
const UTF8 = 0;
const TIMESTAMP_MICROS = 10;
const PLAIN = 0;
const RLE = 3;
const RLE_DICTIONARY = 8;
const UNCOMPRESSED = 0;
const GZIP = 2;
const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;

const encoder = new TextEncoder();
const MAGIC = encoder.encode('PAR1');
// Doubles are copied as their memory; Parquet is little endian, like every platform Node ships for but s390x.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Physical = typeof INT64 | typeof DOUBLE | typeof BYTE_ARRAY;

interface ColumnChunk {
  readonly name: string;
  readonly type: Physical;
  readonly codec: number;
  readonly encodings: number[];
  readonly offset: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset: number | undefined;
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly nullCount: number;
  readonly min: Uint8Array | undefined;
  readonly max: Uint8Array | undefined;
}

// The numeric columns of CANDLE_COLUMNS, in its order: the pages compressed as one batch.
const VALUE_COLUMNS = CANDLE_COLUMNS.filter(
  (c): c is 'open' | 'high' | 'low' | 'close' | 'volume' =>
    c === 'open' || c === 'high' || c === 'low' || c === 'close' || c === 'volume',
);

/**
 * Encodes one candle day file in the day files' schema, as DuckDB reads it
 * (`ts_event` TIMESTAMP WITH TIME ZONE in µs, the series strings, five
 * DOUBLEs, nullable `meta`), one row group, one page per column (GZIP for
 * the numbers, a one-entry dictionary for the series strings), min/max
 * statistics. Deterministic: the same rows give the same bytes. Pages are
 * compressed on the compression thread ({@link gzipPages}).
 *
 * Why not DuckDB's COPY: each COPY costs ~2 ms however few rows it holds, most
 * of a backfill's time at one file per day; this takes ~0.3 ms.
 * (hyparquet-writer and parquet-wasm were measured too: 1.2 and 6.5 ms a file.)
 */
export async function encodeCandleDay(series: Series, rows: CandleColumns): Promise<Uint8Array> {
  const n = rows.length;
  const numbers = [micros(rows.tsMs, n), ...VALUE_COLUMNS.map((name) => doubles(rows[name], n))];
  const meta = metaBody(rows.meta, n);
  // An all-null meta column is a few bytes, not worth a compressor.
  const metaCodec = meta.nullCount < n ? GZIP : UNCOMPRESSED;
  const lengths = numbers.map((body) => body.length);
  const metaLength = meta.body.length;
  const compressed = await gzipPages(metaCodec === GZIP ? [...numbers, meta.body] : numbers);
  const file = new FileBuilder(n);
  // Column order and names come from the one schema definition (CANDLE_COLUMNS).
  for (const name of CANDLE_COLUMNS) {
    switch (name) {
      case 'ts_event':
        file.plain(name, INT64, lengths[0]!, compressed[0]!, GZIP, 0, int64Stats(rows.tsMs, n));
        break;
      case 'source':
      case 'subject':
      case 'kind':
        file.constant(name, series[name]);
        break;
      case 'granularity':
        file.constant(name, series.granularity ?? '');
        break;
      case 'meta': {
        const metaStored = metaCodec === GZIP ? compressed[numbers.length]! : meta.body;
        file.plain(name, BYTE_ARRAY, metaLength, metaStored, metaCodec, meta.nullCount, {
          min: undefined,
          max: undefined,
        });
        break;
      }
      default: {
        const k = VALUE_COLUMNS.indexOf(name);
        const stats = doubleStats(rows[name], n);
        file.plain(name, DOUBLE, lengths[k + 1]!, compressed[k + 1]!, GZIP, 0, stats);
      }
    }
  }
  return file.finish();
}

// Lays out column chunks one after the other, then the footer.
class FileBuilder {
  readonly #parts: Uint8Array[] = [MAGIC];
  readonly #chunks: ColumnChunk[] = [];
  #offset = MAGIC.length;

  constructor(private readonly rows: number) {}

  // One PLAIN data page of `length` bytes, `stored` as `codec` made them.
  plain(
    name: string,
    type: Physical,
    length: number,
    stored: Uint8Array,
    codec: number,
    nullCount: number,
    stats: Stats,
  ): void {
    const start = this.#offset;
    const data = this.#add(dataPage(length, stored, this.rows, PLAIN));
    this.#chunks.push({
      name,
      type,
      codec,
      encodings: name === 'meta' ? [PLAIN, RLE] : [PLAIN],
      offset: start,
      dataPageOffset: start,
      dictionaryPageOffset: undefined,
      uncompressedSize: data.uncompressedSize,
      compressedSize: data.bytes.length,
      nullCount,
      ...stats,
    });
  }

  // Every row of a file has the same series strings: a one-entry dictionary.
  constant(name: string, value: string): void {
    const start = this.#offset;
    const bytes = encoder.encode(value);
    const entries = plainStrings([bytes]);
    const dictionary = this.#add(
      page(DICTIONARY_PAGE, entries.length, entries, (w) =>
        w.struct(7, (d) => d.i32(1, 1).i32(2, PLAIN)),
      ),
    );
    const dataPageOffset = this.#offset;
    // Bit width 1, then one RLE run of index 0.
    const indices = concat([new Uint8Array([1]), rleRun(0, this.rows)]);
    const data = this.#add(dataPage(indices.length, indices, this.rows, RLE_DICTIONARY));
    this.#chunks.push({
      name,
      type: BYTE_ARRAY,
      codec: UNCOMPRESSED,
      encodings: [PLAIN, RLE, RLE_DICTIONARY],
      offset: start,
      dataPageOffset,
      dictionaryPageOffset: start,
      uncompressedSize: dictionary.uncompressedSize + data.uncompressedSize,
      compressedSize: dictionary.bytes.length + data.bytes.length,
      nullCount: 0,
      min: bytes,
      max: bytes,
    });
  }

  finish(): Uint8Array {
    const footer = fileMetaData(this.#chunks, this.rows);
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setUint32(0, footer.length, true);
    tail.set(MAGIC, 4);
    return concat([...this.#parts, footer, tail]);
  }

  #add(encoded: EncodedPage): EncodedPage {
    this.#parts.push(encoded.bytes);
    this.#offset += encoded.bytes.length;
    return encoded;
  }
}

interface Stats {
  readonly min: Uint8Array | undefined;
  readonly max: Uint8Array | undefined;
}

interface EncodedPage {
  readonly bytes: Uint8Array;
  readonly uncompressedSize: number;
}

// A page: its header (type, sizes, then the type's own header), then its
// body as stored, `length` bytes before compression.
function page(
  type: number,
  length: number,
  stored: Uint8Array,
  header: (w: CompactWriter) => void,
): EncodedPage {
  const w = new CompactWriter().i32(1, type).i32(2, length).i32(3, stored.length);
  header(w);
  const head = w.end().bytes();
  return { bytes: concat([head, stored]), uncompressedSize: head.length + length };
}

function dataPage(length: number, stored: Uint8Array, n: number, encoding: number): EncodedPage {
  return page(DATA_PAGE, length, stored, (w) =>
    w.struct(5, (d) => d.i32(1, n).i32(2, encoding).i32(3, RLE).i32(4, RLE)),
  );
}

// Definition levels (1 = a value, 0 = null) as RLE runs, then the values.
function metaBody(
  meta: readonly (string | null)[],
  n: number,
): { body: Uint8Array; nullCount: number } {
  const runs: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let nullCount = 0;
  for (let i = 0; i < n; ) {
    const present = meta[i] != null;
    let j = i + 1;
    while (j < n && (meta[j] != null) === present) j++;
    runs.push(rleRun(present ? 1 : 0, j - i));
    if (present) for (let k = i; k < j; k++) values.push(encoder.encode(meta[k]!));
    else nullCount += j - i;
    i = j;
  }
  const levels = concat(runs);
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, levels.length, true);
  return { body: concat([prefix, levels, plainStrings(values)]), nullCount };
}

function rleRun(value: number, count: number): Uint8Array {
  const out: number[] = [];
  let header = count * 2;
  while (header >= 0x80) {
    out.push((header % 0x80) | 0x80);
    header = Math.floor(header / 0x80);
  }
  out.push(header, value);
  return new Uint8Array(out);
}

function plainStrings(values: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const v of values) size += 4 + v.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const v of values) {
    view.setUint32(at, v.length, true);
    out.set(v, at + 4);
    at += 4 + v.length;
  }
  return out;
}

// Epoch ms to int64 µs, little endian.
function micros(tsMs: Float64Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const us = tsMs[i]! * 1000;
    // Exact as a double below 2^53 µs (the year 2255); beyond, BigInt does it.
    if (us >= 0 && us <= Number.MAX_SAFE_INTEGER) {
      view.setUint32(i * 8, us % 0x1_0000_0000, true);
      view.setUint32(i * 8 + 4, Math.floor(us / 0x1_0000_0000), true);
    } else view.setBigInt64(i * 8, BigInt(tsMs[i]!) * 1000n, true);
  }
  return out;
}

// A buffer of its own: it moves to the compression thread.
function doubles(values: Float64Array, n: number): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.slice(0, n).buffer);
  const out = new Uint8Array(n * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) view.setFloat64(i * 8, values[i]!, true);
  return out;
}

function int64Stats(tsMs: Float64Array, n: number): Stats {
  if (n === 0) return { min: undefined, max: undefined };
  // Rows are sorted by time.
  return { min: micros(tsMs.subarray(0, 1), 1), max: micros(tsMs.subarray(n - 1, n), 1) };
}

// Parquet's rules: no NaN in statistics, and a zero bound written as -0 (min) or +0 (max).
function doubleStats(values: Float64Array, n: number): Stats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return { min: undefined, max: undefined };
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { min: undefined, max: undefined };
  return { min: double(min === 0 ? -0 : min), max: double(max === 0 ? 0 : max) };
}

function double(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, value, true);
  return out;
}

// Readers take `created_by` to know the writer and its version (and its known bugs).
const CREATED_BY = `gapless version ${GAPLESS_VERSION}`;
// RLE_DICTIONARY data pages are a format 2 encoding (format 1 had PLAIN_DICTIONARY).
const FORMAT_VERSION = 2;

function fileMetaData(chunks: readonly ColumnChunk[], n: number): Uint8Array {
  const w = new CompactWriter();
  w.i32(1, FORMAT_VERSION);
  w.structList(2, [undefined, ...chunks], (s, chunk) => {
    if (chunk === undefined) {
      s.string(4, 'schema').i32(5, chunks.length);
      return;
    }
    schemaElement(s, chunk);
  });
  w.i64(3, n);
  w.structList(4, [chunks], (g) => {
    g.structList(1, chunks, (c, chunk) => {
      c.i64(2, chunk.offset).struct(3, (m) => columnMetaData(m, chunk, n));
    });
    g.i64(
      2,
      chunks.reduce((sum, c) => sum + c.uncompressedSize, 0),
    );
    g.i64(3, n);
  });
  w.string(6, CREATED_BY);
  // Without column orders the spec leaves min/max undefined: each column
  // says its statistics follow its type's order (TYPE_ORDER, an empty struct).
  w.structList(7, chunks, (o) => o.struct(1, () => undefined));
  return w.end().bytes().slice();
}

function schemaElement(w: CompactWriter, chunk: ColumnChunk): void {
  w.i32(1, chunk.type);
  w.i32(3, chunk.name === 'meta' ? OPTIONAL : REQUIRED);
  w.string(4, chunk.name);
  if (chunk.type === INT64) {
    w.i32(6, TIMESTAMP_MICROS);
    w.struct(10, (l) =>
      l.struct(8, (t) => t.bool(1, true).struct(2, (u) => u.struct(2, () => undefined))),
    );
  } else if (chunk.type === BYTE_ARRAY) {
    w.i32(6, UTF8);
    w.struct(10, (l) => l.struct(1, () => undefined));
  }
}

function columnMetaData(w: CompactWriter, chunk: ColumnChunk, n: number): void {
  w.i32(1, chunk.type)
    .i32List(2, chunk.encodings)
    .stringList(3, [chunk.name])
    .i32(4, chunk.codec)
    .i64(5, n)
    .i64(6, chunk.uncompressedSize)
    .i64(7, chunk.compressedSize)
    .i64(9, chunk.dataPageOffset);
  if (chunk.dictionaryPageOffset !== undefined) w.i64(11, chunk.dictionaryPageOffset);
  w.struct(12, (s) => {
    s.i64(3, chunk.nullCount);
    if (chunk.max !== undefined) s.binary(5, chunk.max);
    if (chunk.min !== undefined) s.binary(6, chunk.min);
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
