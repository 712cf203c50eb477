import {
  DuckDBDoubleVector,
  type DuckDBMaterializedResult,
  DuckDBVarCharVector,
} from '@duckdb/node-api';
import { allocateCandleFrame } from '../../core/candle-columns.js';
import { StorageError } from '../../core/errors.js';
import type { Frame, TradeFrame } from '../../core/rows.js';
import type { Series } from '../../core/series.js';

/** A frame with no rows. */
export function emptyFrame(series: Series): Frame {
  return series.kind === 'candle'
    ? allocateCandleFrame(series, 0)
    : {
        series,
        kind: 'trade',
        length: 0,
        tsMs: new Float64Array(0),
        tradeId: [],
        price: new Float64Array(0),
        amount: new Float64Array(0),
        side: [],
        meta: [],
      };
}

/**
 * Builds a frame straight from the chunks of a `readSql` result: column by
 * column into typed arrays, never one object per row.
 */
export function frameFromResult(series: Series, result: DuckDBMaterializedResult): Frame {
  const length = result.rowCount;
  if (series.kind === 'candle') {
    const frame = allocateCandleFrame(series, length);
    const targets = [frame.tsMs, frame.open, frame.high, frame.low, frame.close, frame.volume];
    forEachChunk(result, (chunk, offset) => {
      for (const [column, out] of targets.entries()) {
        copyDoubles(chunk.getColumnVector(column), out, offset);
      }
      copyStrings(chunk.getColumnVector(6), frame.meta, offset);
    });
    return frame;
  }
  const frame: TradeFrame = {
    series,
    kind: 'trade',
    length,
    tsMs: new Float64Array(length),
    tradeId: new Array<string>(length),
    price: new Float64Array(length),
    amount: new Float64Array(length),
    side: new Array<string>(length),
    meta: new Array<string | null>(length).fill(null),
  };
  forEachChunk(result, (chunk, offset) => {
    copyDoubles(chunk.getColumnVector(0), frame.tsMs, offset);
    copyStrings(chunk.getColumnVector(1), frame.tradeId, offset, '');
    copyDoubles(chunk.getColumnVector(2), frame.price, offset);
    copyDoubles(chunk.getColumnVector(3), frame.amount, offset);
    copyStrings(chunk.getColumnVector(4), frame.side, offset, '');
    copyStrings(chunk.getColumnVector(5), frame.meta, offset);
  });
  return frame;
}

type Chunk = ReturnType<DuckDBMaterializedResult['getChunk']>;

function forEachChunk(
  result: DuckDBMaterializedResult,
  visit: (chunk: Chunk, offset: number) => void,
): void {
  let offset = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    visit(chunk, offset);
    offset += chunk.rowCount;
  }
}

// Kept apart per vector type so each loop stays monomorphic (and fast) in V8.
function copyDoubles(vector: unknown, out: Float64Array, offset: number): void {
  if (!(vector instanceof DuckDBDoubleVector)) throw new StorageError('expected a DOUBLE column');
  const count = vector.itemCount;
  for (let i = 0; i < count; i++) out[offset + i] = vector.getItem(i) ?? Number.NaN;
}

function copyStrings(
  vector: unknown,
  out: (string | null)[],
  offset: number,
  nullAs: string | null = null,
): void {
  if (!(vector instanceof DuckDBVarCharVector)) throw new StorageError('expected a VARCHAR column');
  const count = vector.itemCount;
  for (let i = 0; i < count; i++) out[offset + i] = vector.getItem(i) ?? nullAs;
}
