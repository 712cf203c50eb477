import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDoubleVector,
  type DuckDBType,
  DuckDBVarCharVector,
  VARCHAR,
} from '@duckdb/node-api';
import { StorageError } from '../core/errors.js';
import type { Candle, Row, Trade } from '../core/rows.js';
import type { Kind } from '../core/series.js';
import { stageColumnsSql } from './parquet-schema.js';
import type { RowBatch } from './row-batch.js';

// DuckDB's vector size: the most rows one data chunk holds.
const CHUNK_ROWS = 2048;

let counter = 0;

/** A fresh name for a staging table in the shared in-memory database. */
export function stageTableName(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `stage_${process.pid}_${counter}`;
}

/**
 * Creates table `table` and fills it with the batch, column by column through
 * data chunks: the fastest way from JS values into DuckDB (one typed-array
 * copy per column and chunk, no per-value native call).
 */
export async function loadStageTable(
  connection: DuckDBConnection,
  table: string,
  kind: Kind,
  batch: RowBatch,
): Promise<void> {
  await connection.run(`CREATE TABLE ${table} (${stageColumnsSql(kind, batch.hasMeta)})`);
  const types: DuckDBType[] =
    kind === 'candle'
      ? [DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE]
      : [DOUBLE, VARCHAR, DOUBLE, DOUBLE, VARCHAR];
  if (batch.hasMeta) types.push(VARCHAR);
  const appender = await connection.createAppender(table);
  try {
    for (let from = 0; from < batch.order.length; from += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, batch.order.length - from);
      const chunk = DuckDBDataChunk.create(types, count);
      const order = batch.order.subarray(from, from + count);
      if (kind === 'candle') fillCandles(chunk, batch.rows as readonly Candle[], order);
      else fillTrades(chunk, batch.rows as readonly Trade[], order);
      if (batch.hasMeta) fillMeta(chunk, types.length - 1, batch.rows, order);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function doubles(chunk: DuckDBDataChunk, column: number): DuckDBDoubleVector {
  const vector = chunk.getColumnVector(column);
  if (!(vector instanceof DuckDBDoubleVector)) throw new StorageError('expected a DOUBLE vector');
  return vector;
}

function strings(chunk: DuckDBDataChunk, column: number): DuckDBVarCharVector {
  const vector = chunk.getColumnVector(column);
  if (!(vector instanceof DuckDBVarCharVector)) throw new StorageError('expected a VARCHAR vector');
  return vector;
}

function fillCandles(chunk: DuckDBDataChunk, rows: readonly Candle[], order: Uint32Array): void {
  const [ts, open, high, low, close, volume] = [0, 1, 2, 3, 4, 5].map((c) => doubles(chunk, c)) as [
    DuckDBDoubleVector,
    DuckDBDoubleVector,
    DuckDBDoubleVector,
    DuckDBDoubleVector,
    DuckDBDoubleVector,
    DuckDBDoubleVector,
  ];
  for (let k = 0; k < order.length; k++) {
    const row = rows[order[k]!]!;
    ts.setItem(k, row.tsMs);
    open.setItem(k, row.open);
    high.setItem(k, row.high);
    low.setItem(k, row.low);
    close.setItem(k, row.close);
    volume.setItem(k, row.volume);
  }
  for (const vector of [ts, open, high, low, close, volume]) vector.flush();
}

function fillTrades(chunk: DuckDBDataChunk, rows: readonly Trade[], order: Uint32Array): void {
  const ts = doubles(chunk, 0);
  const id = strings(chunk, 1);
  const price = doubles(chunk, 2);
  const amount = doubles(chunk, 3);
  const side = strings(chunk, 4);
  for (let k = 0; k < order.length; k++) {
    const row = rows[order[k]!]!;
    ts.setItem(k, row.tsMs);
    id.setItem(k, row.tradeId);
    price.setItem(k, row.price);
    amount.setItem(k, row.amount);
    side.setItem(k, row.side);
  }
  for (const vector of [ts, id, price, amount, side]) vector.flush();
}

function fillMeta(
  chunk: DuckDBDataChunk,
  column: number,
  rows: readonly Row[],
  order: Uint32Array,
): void {
  const meta = strings(chunk, column);
  for (let k = 0; k < order.length; k++) meta.setItem(k, rows[order[k]!]!.meta ?? null);
  meta.flush();
}
