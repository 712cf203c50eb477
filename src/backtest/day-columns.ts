/** @module One day of candles as typed columns: what the replay reads, never one object per row. */

/** Candles as columns; `ts` in epoch seconds, sorted ascending. */
export interface DayColumns {
  readonly length: number;
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The value columns of {@link DayColumns}, in the order the model's window lists them. */
export const COLUMN_NAMES = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** A column name. */
export type ColumnName = (typeof COLUMN_NAMES)[number];

/** Zeroed columns for `length` candles. */
export function allocateDayColumns(length: number): DayColumns {
  return {
    length,
    ts: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}
