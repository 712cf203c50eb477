import type { Kind, Series } from '../../core/series.js';

/** Columns of a candle day file, in file order. */
export const CANDLE_COLUMNS = [
  'ts_event',
  'source',
  'subject',
  'kind',
  'granularity',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'meta',
] as const;

/** Columns of a trade day file, in file order. */
export const TRADE_COLUMNS = [
  'ts_event',
  'source',
  'subject',
  'kind',
  'trade_id',
  'price',
  'amount',
  'side',
  'meta',
] as const;

/** Parquet options of every day file. */
export const PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION 'zstd', USE_TMP_FILE false";

/**
 * Sort order inside a file and of reads. Trade ids are compared as numbers
 * when they are numbers (`9` before `10`), then as text.
 */
export function orderBySql(kind: Kind): string {
  return kind === 'candle'
    ? 'ts_event'
    : 'ts_event, TRY_CAST(trade_id AS HUGEINT) NULLS LAST, trade_id';
}

/** Staging table columns for trades handed over from JS; `ts` is epoch ms. */
export function tradeStageColumnsSql(hasMeta: boolean): string {
  const meta = hasMeta ? ', meta VARCHAR' : '';
  return `ts DOUBLE, trade_id VARCHAR, price DOUBLE, amount DOUBLE, side VARCHAR${meta}`;
}

/**
 * Selects staged trades `[fromRow, toRow)` (the table is filled in time order,
 * so one day is one run of row ids) with the full file schema.
 */
export function stagedTradesSql(
  series: Series,
  table: string,
  fromRow: number,
  toRow: number,
  hasMeta: boolean,
): string {
  const columns = [
    'make_timestamptz(CAST(ts AS BIGINT) * 1000) AS ts_event',
    `${sqlString(series.source)} AS source`,
    `${sqlString(series.subject)} AS subject`,
    `${sqlString(series.kind)} AS kind`,
    'trade_id, price, amount, side',
    hasMeta ? 'meta' : 'CAST(NULL AS VARCHAR) AS meta',
  ];
  return `SELECT ${columns.join(', ')} FROM ${table} WHERE rowid >= ${fromRow} AND rowid < ${toRow}`;
}

/**
 * The COPY statement writing one trade day file: the staged trades, plus the
 * trades of `existingPath` whose id the new ones do not carry (new ones win).
 */
export function copyTradeDaySql(
  stagedSql: string,
  existingPath: string | undefined,
  targetPath: string,
): string {
  const merged =
    existingPath === undefined
      ? 'SELECT * FROM fresh'
      : `SELECT * FROM fresh UNION ALL SELECT ${TRADE_COLUMNS.join(', ')} FROM read_parquet(${sqlPathList([existingPath])}) WHERE trade_id NOT IN (SELECT trade_id FROM fresh)`;
  return `COPY (WITH fresh AS (${stagedSql}) SELECT * FROM (${merged}) ORDER BY ${orderBySql('trade')}) TO ${sqlString(targetPath)} (${PARQUET_OPTIONS})`;
}

/** The read query of a range over some day files; `ts` comes back as epoch ms (DOUBLE). */
export function readSql(
  kind: Kind,
  paths: readonly string[],
  startMs: number,
  endMs: number,
): string {
  const values =
    kind === 'candle' ? 'open, high, low, close, volume' : 'trade_id, price, amount, side';
  return `SELECT CAST(epoch_ms(ts_event) AS DOUBLE) AS ts, ${values}, meta FROM read_parquet(${sqlPathList(paths)}) WHERE ts_event >= make_timestamptz(${micros(startMs)}) AND ts_event < make_timestamptz(${micros(endMs)}) ORDER BY ${orderBySql(kind)}`;
}

/** COPY of a range over some day files, in file schema and order, to one Parquet file. */
export function exportSql(
  kind: Kind,
  paths: readonly string[],
  startMs: number,
  endMs: number,
  targetPath: string,
): string {
  const columns = (kind === 'candle' ? CANDLE_COLUMNS : TRADE_COLUMNS).join(', ');
  return `COPY (SELECT ${columns} FROM read_parquet(${sqlPathList(paths)}) WHERE ts_event >= make_timestamptz(${micros(startMs)}) AND ts_event < make_timestamptz(${micros(endMs)}) ORDER BY ${orderBySql(kind)}) TO ${sqlString(targetPath)} (${PARQUET_OPTIONS})`;
}

/** An empty Parquet file with the schema of `kind`. */
export function emptyExportSql(kind: Kind, targetPath: string): string {
  const typed = (kind === 'candle' ? CANDLE_COLUMNS : TRADE_COLUMNS).map((name) => {
    const type =
      name === 'ts_event'
        ? 'TIMESTAMPTZ'
        : ['open', 'high', 'low', 'close', 'volume', 'price', 'amount'].includes(name)
          ? 'DOUBLE'
          : 'VARCHAR';
    return `CAST(NULL AS ${type}) AS ${name}`;
  });
  return `COPY (SELECT ${typed.join(', ')} LIMIT 0) TO ${sqlString(targetPath)} (${PARQUET_OPTIONS})`;
}

// Dates beyond what JS Date can hold are clamped; the bound stays exact as an integer.
const MAX_MS = 8_640_000_000_000_000;

function micros(ms: number): string {
  return String(BigInt(Math.max(-MAX_MS, Math.min(MAX_MS, ms))) * 1000n);
}

/** Quotes a value as a SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL list literal of file paths, for `read_parquet([...])`. */
export function sqlPathList(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}
