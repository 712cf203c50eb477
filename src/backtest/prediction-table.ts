/** @module The predictions of a run as a columnar table, and its ways out: rows, CSV, Arrow, Parquet. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  Table as ArrowTable,
  Bool,
  Float64,
  makeVector,
  type Table,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileAtomic } from './atomic-write.js';
import type { LazyColumn, PredictionColumn } from './prediction-columns.js';

/** A prediction as a row; nulls where a column has no value. */
export type PredictionRow = Record<string, unknown>;

/**
 * The predictions of a run, one entry per prediction in time order, as
 * columns: `ts` (epoch seconds), `subject`, the output's fields (`value`,
 * ...), `_error` (when predict threw), the outcome (`entry_price`,
 * `resolved_price`, `profit`, `direction_up`) and `score`, `score_success`.
 */
export class PredictionTable {
  readonly length: number;
  readonly #lazy: Map<string, LazyColumn>;

  /** @internal Built by the runner. */
  constructor(length: number, columns: Map<string, LazyColumn>) {
    this.length = length;
    this.#lazy = columns;
  }

  // Every column made, in table order (each made on first read, then kept).
  get #columns(): Map<string, PredictionColumn> {
    for (const name of this.#lazy.keys()) this.#column(name);
    return this.#lazy as Map<string, PredictionColumn>;
  }

  #column(name: string): PredictionColumn | undefined {
    const column = this.#lazy.get(name);
    if (typeof column !== 'function') return column;
    const made = column();
    this.#lazy.set(name, made);
    return made;
  }

  /** Column names, in table order. */
  get names(): string[] {
    return [...this.#lazy.keys()];
  }

  /** One column (see {@link PredictionColumn} for how nulls are held), or undefined. */
  column(name: string): PredictionColumn | undefined {
    return this.#column(name);
  }

  /** Value `k` of a column, with nulls as `null`. */
  get(name: string, k: number): unknown {
    const column = this.#column(name);
    return column === undefined ? undefined : cell(column, k);
  }

  /** Every prediction as an object. */
  toRows(): PredictionRow[] {
    const entries = [...this.#columns];
    const rows = new Array<PredictionRow>(this.length);
    for (let k = 0; k < this.length; k++) {
      const row: PredictionRow = {};
      for (const [name, column] of entries) row[name] = cell(column, k);
      rows[k] = row;
    }
    return rows;
  }

  /** CSV with a header line; nulls as empty cells, objects as JSON. */
  toCSV(): string {
    const entries = [...this.#columns];
    const lines = [entries.map(([name]) => csvCell(name)).join(',')];
    for (let k = 0; k < this.length; k++) {
      lines.push(entries.map(([, column]) => csvCell(cell(column, k))).join(','));
    }
    return `${lines.join('\n')}\n`;
  }

  /** An apache-arrow table (for notebooks, polars `pl.from_arrow`, DuckDB). */
  toArrow(): Table {
    const vectors: Record<string, Vector> = {};
    for (const [name, column] of this.#columns) vectors[name] = arrowVector(column);
    return new ArrowTable(vectors);
  }

  /** Writes the table as a Parquet file (atomically), creating its folder. */
  async toParquet(file: string): Promise<void> {
    const columnData = [...this.#columns].map(([name, column]) => parquetColumn(name, column));
    const buffer = parquetWriteBuffer({ columnData });
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFileAtomic(file, new Uint8Array(buffer));
  }
}

function cell(column: PredictionColumn, k: number): unknown {
  switch (column.type) {
    case 'number': {
      const v = column.values[k]!;
      return Number.isNaN(v) ? null : v;
    }
    case 'boolean': {
      const v = column.values[k]!;
      return v === -1 ? null : v === 1;
    }
    case 'category':
      return column.labels[column.codes[k]!] ?? null;
    default:
      return column.values[k] ?? null;
  }
}

// Categories leave the table as plain strings: every reader knows those.
function labelsOf(column: { codes: Uint16Array; labels: readonly string[] }): (string | null)[] {
  return Array.from(column.codes, (c) => column.labels[c] ?? null);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function arrowVector(column: PredictionColumn): Vector {
  switch (column.type) {
    case 'number':
      // No nulls: hand the typed array over as it is.
      if (!column.values.some(Number.isNaN)) return makeVector(column.values);
      return vectorFromArray(
        Array.from(column.values, (v) => (Number.isNaN(v) ? null : v)),
        new Float64(),
      );
    case 'boolean':
      return vectorFromArray(
        Array.from(column.values, (v) => (v === -1 ? null : v === 1)),
        new Bool(),
      );
    case 'string':
      return vectorFromArray(column.values, new Utf8());
    case 'category':
      return vectorFromArray(labelsOf(column), new Utf8());
    case 'json':
      return vectorFromArray(
        column.values.map((v) => (v === null ? null : JSON.stringify(v))),
        new Utf8(),
      );
  }
}

function parquetColumn(name: string, column: PredictionColumn) {
  switch (column.type) {
    case 'number':
      return {
        name,
        type: 'DOUBLE' as const,
        nullable: true,
        data: Array.from(column.values, (v) => (Number.isNaN(v) ? null : v)),
      };
    case 'boolean':
      return {
        name,
        type: 'BOOLEAN' as const,
        nullable: true,
        data: Array.from(column.values, (v) => (v === -1 ? null : v === 1)),
      };
    case 'string':
      return { name, type: 'STRING' as const, nullable: true, data: [...column.values] };
    case 'category':
      return { name, type: 'STRING' as const, nullable: true, data: labelsOf(column) };
    case 'json':
      return {
        name,
        type: 'STRING' as const,
        nullable: true,
        data: column.values.map((v) => (v === null ? null : JSON.stringify(v))),
      };
  }
}
