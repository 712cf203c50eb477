import type { Range } from '../core/range-math.js';
import type { CandleColumns, Frame, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';

/** What one write did. */
export interface WriteResult {
  /** Rows in the batch after de-duplication. */
  readonly rowsWritten: number;
  /** Files (or partitions) rewritten. */
  readonly filesWritten: number;
}

/**
 * Where series live. Every store reads a range, writes rows idempotently and
 * keeps coverage as its own metadata (an empty window the source confirmed is
 * covered, although it has no rows).
 */
export interface Store {
  /**
   * Stores `rows` (all inside `range`, any order, repeats allowed) and marks
   * `range` covered. Rows already stored with the same key are replaced; the
   * rest of the series is untouched. Coverage is updated only after the rows
   * are durable, so a crash never leaves coverage that claims missing rows.
   */
  write(series: Series, range: Range, rows: readonly Row[]): Promise<WriteResult>;
  /**
   * `write` for candles handed over as columns, when the store can take them
   * so: no object per row, for bulk loads. Same contract.
   */
  writeCandles?(series: Series, range: Range, columns: CandleColumns): Promise<WriteResult>;
  /** Rows with `startMs <= ts < endMs`, sorted, as columns. */
  read(series: Series, range: Range): Promise<Frame>;
  /** Covered ranges of the series, sorted, merged. */
  coverage(series: Series): Promise<Range[]>;
  /** Every series the store holds anything for. */
  listSeries(): Promise<Series[]>;
  /** Releases files and connections. */
  close(): Promise<void>;
}
