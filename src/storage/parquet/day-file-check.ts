/**
 * @module Whether one day file is what its name says: a Parquet file whose
 * footer, columns and rows belong to its series and day.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type Compressors, type FileMetaData, parquetRead } from 'hyparquet';
import { compressors as pureCompressors } from 'hyparquet-compressors';
import { StorageError } from '../../core/errors.js';
import type { Series } from '../../core/series.js';
import { DAY_MS, formatTime } from '../../core/time.js';
import { FileDamage, MS_PARSERS, readFooter } from './footer.js';
import { isNotFound } from './layout.js';
import { CANDLE_COLUMNS, TRADE_COLUMNS } from './schema.js';

// zlib's GZIP checks the CRC-32 of every page, so a flipped bit in a
// compressed page is found (a JS inflate decodes most of them into wrong
// values); DuckDB's ZSTD and anything else take the pure-JS codecs.
const CODECS: Compressors = {
  ...pureCompressors,
  GZIP: (input) => {
    const out = gunzipSync(input);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};

/** How far {@link checkDayFile} looks. */
export interface DayFileCheckOptions {
  /**
   * Decode every column and hold the rows to the footer: finds damage inside
   * the data pages, at ~1 ms per 1m candle day. Otherwise the footer only.
   */
  readonly deep: boolean;
}

/**
 * Checks the day file at `path` of `series` and UTC `day` (`YYYY-MM-DD`):
 * magic, footer, row groups and column chunks inside the file, the columns
 * of its kind, `ts_event` statistics (and, `deep`, every decoded value)
 * inside the day, and the decoded row count equal to the footer's. Returns
 * the footer's row count, or undefined when the file does not exist; throws
 * {@link FileDamage} naming the first problem.
 */
export async function checkDayFile(
  path: string,
  series: Series,
  day: string,
  options: DayFileCheckOptions,
): Promise<number | undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new StorageError(`cannot open ${path}`, { cause: error });
  }
  try {
    const { metadata } = readFooter(fd);
    const dayMs = Date.parse(`${day}T00:00:00Z`);
    checkColumns(metadata, series);
    checkStatistics(metadata, dayMs, day);
    if (options.deep) await checkRows(readFileSync(fd), metadata, series, dayMs, day);
    return Number(metadata.num_rows);
  } catch (error) {
    if (error instanceof FileDamage) throw error;
    throw new StorageError(`cannot read ${path}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

function checkColumns(metadata: FileMetaData, series: Series): void {
  const names = new Set(metadata.schema.map((s) => s.name));
  for (const name of series.kind === 'candle' ? CANDLE_COLUMNS : TRADE_COLUMNS) {
    if (!names.has(name)) throw new FileDamage(`no column '${name}'`);
  }
}

function checkStatistics(metadata: FileMetaData, dayMs: number, day: string): void {
  for (const group of metadata.row_groups) {
    const stats = group.columns.find((c) => c.meta_data?.path_in_schema[0] === 'ts_event')
      ?.meta_data?.statistics;
    const min = stats?.min_value ?? stats?.min;
    const max = stats?.max_value ?? stats?.max;
    if (typeof min === 'number' && typeof max === 'number') checkDay(min, max, dayMs, day);
  }
}

function checkDay(minMs: number, maxMs: number, dayMs: number, day: string): void {
  if (minMs < dayMs || maxMs >= dayMs + DAY_MS) {
    throw new FileDamage(
      `rows from ${formatTime(minMs)} to ${formatTime(maxMs)} are not all of ${day}`,
    );
  }
}

// Series columns hold one value per file: a bit flipped in them changes a name.
const NAMED = ['source', 'subject', 'kind', 'granularity'] as const;

async function checkRows(
  bytes: Buffer,
  metadata: FileMetaData,
  series: Series,
  dayMs: number,
  day: string,
): Promise<void> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const columns = series.kind === 'candle' ? CANDLE_COLUMNS : TRADE_COLUMNS;
  const decoded = new Map<string, number>(columns.map((name) => [name, 0]));
  const read = (names: readonly string[]) =>
    parquetRead({
      file: file as ArrayBuffer,
      metadata,
      columns: [...names],
      compressors: CODECS,
      parsers: MS_PARSERS,
      onChunk: ({ columnName, columnData, rowStart }) => {
        checkValues(columnName, columnData, rowStart, series, dayMs, day);
        decoded.set(columnName, (decoded.get(columnName) ?? 0) + columnData.length);
      },
    });
  try {
    // All columns at once: one pass over the file, ~1 ms per 1m candle day.
    await read(columns);
  } catch (error) {
    if (error instanceof FileDamage) throw error;
    // Which column: each alone, only for a file already known to be damaged.
    for (const name of columns) {
      await read([name]).catch((cause: unknown) => {
        if (cause instanceof FileDamage) throw cause;
        throw new FileDamage(`cannot decode column ${name}: ${(cause as Error).message}`);
      });
    }
    throw new FileDamage(`cannot decode: ${(error as Error).message}`);
  }
  const expected = Number(metadata.num_rows);
  for (const [name, rows] of decoded) {
    if (rows !== expected) {
      throw new FileDamage(`footer says ${expected} rows, column ${name} has ${rows}`);
    }
  }
}

// Every `ts_event` inside the day; the series columns naming the series.
function checkValues(
  name: string,
  values: ArrayLike<unknown>,
  rowStart: number,
  series: Series,
  dayMs: number,
  day: string,
): void {
  if (name === 'ts_event') {
    for (let i = 0; i < values.length; i++) {
      const ts = Number(values[i]);
      if (!(ts >= dayMs && ts < dayMs + DAY_MS)) {
        const at = Number.isFinite(ts) ? formatTime(ts) : String(values[i]);
        throw new FileDamage(`row ${rowStart + i} at ${at} is not of ${day}`);
      }
    }
  }
  const named = (NAMED as readonly string[]).includes(name)
    ? series[name as (typeof NAMED)[number]]
    : undefined;
  if (named === undefined) return;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== named) {
      throw new FileDamage(
        `row ${rowStart + i} names ${name} '${String(values[i])}', not '${named}'`,
      );
    }
  }
}
