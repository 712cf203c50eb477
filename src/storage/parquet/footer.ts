/**
 * @module The footer of a Parquet file, read from its last bytes only and
 * checked for what a truncated, overwritten or foreign file breaks first.
 */
import { fstatSync, readSync } from 'node:fs';
import { type FileMetaData, parquetMetadata } from 'hyparquet';

const MAGIC = 'PAR1';
// Magic, footer length, magic: the smallest a Parquet file can be.
const MIN_BYTES = 12;
// One read covers a day file's footer (a candle day's is ~1 kB); a larger one takes a second read.
const TAIL_BYTES = 4 * 1024;

/** Timestamps as epoch ms numbers, statistics included. */
export const MS_PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1e3,
  timestampFromNanoseconds: (v: bigint) => Number(v) / 1e6,
};

/** Why a file is damaged, in a few words for people (`footer missing (truncated?)`). */
export class FileDamage extends Error {}

/** A parsed footer and the size of the file it came from. */
export interface Footer {
  readonly metadata: FileMetaData;
  readonly sizeBytes: number;
}

/**
 * The footer of an open file (`fd`): magic at both ends, a footer length that
 * fits, a footer that parses, row groups that add up to its row count and
 * column chunks inside the file. Throws {@link FileDamage} naming the first
 * problem. Synchronous on purpose: three small reads of a local file take
 * microseconds, a thread pool round trip each costs more than the read.
 */
export function readFooter(fd: number): Footer {
  const sizeBytes = fstatSync(fd).size;
  if (sizeBytes < MIN_BYTES) {
    throw new FileDamage(`too short to be a Parquet file (${sizeBytes} bytes)`);
  }
  const head = readAt(fd, 0, 4);
  const tailLength = Math.min(sizeBytes, TAIL_BYTES);
  let tail = readAt(fd, sizeBytes - tailLength, tailLength);
  checkMagic(head, tail);
  const footerLength = footerLengthOf(tail, sizeBytes);
  if (footerLength + 8 > tail.length) {
    tail = readAt(fd, sizeBytes - footerLength - 8, footerLength + 8);
  }
  return parseFooter(tail, sizeBytes);
}

/**
 * The footer of a whole file's bytes (or of its last bytes, footer included),
 * with the checks of {@link readFooter}.
 */
export function parseFooter(bytes: Uint8Array, sizeBytes = bytes.length): Footer {
  if (sizeBytes < MIN_BYTES) {
    throw new FileDamage(`too short to be a Parquet file (${sizeBytes} bytes)`);
  }
  if (sizeBytes === bytes.length) checkMagic(bytes.subarray(0, 4), bytes);
  const footerLength = footerLengthOf(bytes, sizeBytes);
  const start = bytes.length - footerLength - 8;
  let metadata: FileMetaData;
  try {
    // hyparquet reads the footer from the end of the buffer it is given.
    const buffer = bytes.slice(start).buffer;
    metadata = parquetMetadata(buffer, { parsers: MS_PARSERS, geoparquet: false });
  } catch (error) {
    throw new FileDamage(`footer unreadable (${(error as Error).message})`);
  }
  checkRowGroups(metadata, sizeBytes - footerLength - 8);
  return { metadata, sizeBytes };
}

function checkMagic(head: Uint8Array, tail: Uint8Array): void {
  const atStart = text(head.subarray(0, 4)) === MAGIC;
  const atEnd = text(tail.subarray(tail.length - 4)) === MAGIC;
  if (atEnd && atStart) return;
  if (atStart) throw new FileDamage('footer missing (truncated?)');
  throw new FileDamage('not a Parquet file (no PAR1 magic)');
}

function footerLengthOf(tail: Uint8Array, sizeBytes: number): number {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const length = view.getUint32(tail.length - 8, true);
  if (length + MIN_BYTES > sizeBytes) {
    throw new FileDamage(`footer length ${length} exceeds the file (truncated?)`);
  }
  return length;
}

// Every column chunk must lie between the leading magic and the footer.
function checkRowGroups(metadata: FileMetaData, dataEnd: number): void {
  let rows = 0n;
  for (const group of metadata.row_groups) {
    rows += group.num_rows;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (meta === undefined) continue;
      const name = meta.path_in_schema.join('.');
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      if (start < 4 || end > dataEnd) {
        throw new FileDamage(`column ${name} lies outside the data (truncated?)`);
      }
    }
  }
  if (rows !== metadata.num_rows) {
    throw new FileDamage(`footer says ${metadata.num_rows} rows, its row groups ${rows}`);
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
}

function text(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
