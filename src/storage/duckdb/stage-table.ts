import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDoubleVector,
  type DuckDBType,
  DuckDBVarCharVector,
  VARCHAR,
} from '@duckdb/node-api';
import { StorageError } from '../../core/errors.js';
import type { Row, Trade } from '../../core/rows.js';
import { tradeStageColumnsSql } from '../parquet/schema.js';
import type { RowBatch } from '../row-batch.js';

// DuckDB's vector size: the most rows one data chunk holds.
const CHUNK_ROWS = 2048;

let counter = 0;

/** A fresh name for a staging table in the shared in-memory database. */
export function stageTableName(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `stage_${process.pid}_${counter}`;
}

/**
 * Creates table `table` and fills it with a batch of trades, column by column
 * through data chunks: the fastest way from JS values into DuckDB (one
 * typed-array copy per column and chunk, no per-value native call).
 */
export async function loadTradeStageTable(
  connection: DuckDBConnection,
  table: string,
  batch: RowBatch<Trade>,
): Promise<void> {
  await connection.run(`CREATE TABLE ${table} (${tradeStageColumnsSql(batch.hasMeta)})`);
  const types: DuckDBType[] = [DOUBLE, VARCHAR, DOUBLE, DOUBLE, VARCHAR];
  if (batch.hasMeta) types.push(VARCHAR);
  const appender = await connection.createAppender(table);
  try {
    for (let from = 0; from < batch.order.length; from += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, batch.order.length - from);
      const chunk = DuckDBDataChunk.create(types, count);
      const order = batch.order.subarray(from, from + count);
      fillTrades(chunk, batch.rows, order);
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
