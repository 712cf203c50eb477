/** @module The predictions of a run as growable columns: compact numbers, one entry per prediction. */
import { CompactNumbers } from './compact-numbers.js';
import { profitOf } from './scoring.js';

/**
 * One column of the predictions table. Nulls: NaN in `number`, -1 in
 * `boolean` (0 false, 1 true), `null` in the others. A `category` holds
 * each entry as an index into `labels` (the subject: two bytes, not a string).
 */
export type PredictionColumn =
  | { readonly type: 'number'; readonly values: Float64Array }
  | { readonly type: 'boolean'; readonly values: Int8Array }
  | { readonly type: 'string'; readonly values: readonly (string | null)[] }
  | { readonly type: 'category'; readonly codes: Uint16Array; readonly labels: readonly string[] }
  | { readonly type: 'json'; readonly values: readonly unknown[] };

/** A column, or how to make it when first read. */
export type LazyColumn = PredictionColumn | (() => PredictionColumn);

/** A column of the prediction's own fields: numbers until something else shows up. */
class OutputColumn {
  numbers: CompactNumbers | undefined = new CompactNumbers();
  values: unknown[] | undefined;

  set(k: number, value: unknown): void {
    const numbers = this.numbers;
    if (numbers !== undefined) {
      if (typeof value === 'number') {
        numbers.set(k, value);
        return;
      }
      if (value === undefined || value === null) return;
      this.values = Array.from(numbers.toFloat64Array(k), (v) => (Number.isNaN(v) ? null : v));
      this.numbers = undefined;
    }
    const values = this.values!;
    while (values.length < k) values.push(null);
    values[k] = value ?? null;
  }

  finish(length: number): LazyColumn {
    const numbers = this.numbers;
    if (numbers !== undefined) {
      return () => ({ type: 'number', values: numbers.toFloat64Array(length) });
    }
    const values = this.values!;
    while (values.length < length) values.push(null);
    values.length = length;
    if (values.every((v) => v === null || typeof v === 'string')) {
      return { type: 'string', values: values as (string | null)[] };
    }
    if (values.every((v) => v === null || typeof v === 'boolean')) {
      return {
        type: 'boolean',
        values: Int8Array.from(values, (v) => (v === null ? -1 : v ? 1 : 0)),
      };
    }
    return { type: 'json', values };
  }
}

/**
 * Collects predictions as they are made and their outcomes and scores as
 * they resolve, without an object per prediction kept. Numbers are held in
 * {@link CompactNumbers} (a year of 1m predictions: about 16 bytes each, not
 * 43), and the table's `Float64Array` columns are made when first read.
 */
export class PredictionColumnsBuilder {
  length = 0;
  /** Prediction time, epoch seconds. */
  readonly ts = new CompactNumbers();
  /** Index of the subject in the run's list. */
  readonly subject = new CompactNumbers();
  /** Close the prediction was made at. */
  readonly entryPrice = new CompactNumbers();
  /** Close it resolved at; NaN until then. */
  readonly resolvedPrice = new CompactNumbers();
  /** Score; NaN when none. */
  readonly score = new CompactNumbers();
  /** 1 scored, 0 the scorer failed, NaN unresolved. */
  readonly scoreSuccess = new CompactNumbers();
  readonly #errors: (string | null)[] = [];
  readonly #outputs = new Map<string, OutputColumn>();

  /**
   * Records a prediction whose output is `output`'s fields (or, without
   * `output`, the number `value` as its `value` field: no object needed);
   * returns its row. Its outcome is unresolved until {@link resolve}.
   */
  add(
    tsS: number,
    subject: number,
    output: Readonly<Record<string, unknown>> | undefined,
    error: string | undefined,
    entryPrice: number,
    value = Number.NaN,
  ): number {
    const k = this.length++;
    this.ts.set(k, tsS);
    this.subject.set(k, subject);
    this.entryPrice.set(k, entryPrice);
    if (output === undefined) this.#output('value').set(k, value);
    else for (const key in output) this.#output(key).set(k, output[key]);
    if (error !== undefined) {
      while (this.#errors.length < k) this.#errors.push(null);
      this.#errors[k] = error;
    }
    return k;
  }

  /** Sets the outcome of row `k` (its profit and direction follow from the two prices). */
  resolve(k: number, resolvedPrice: number): void {
    this.resolvedPrice.set(k, resolvedPrice);
  }

  /** Sets the score of row `k`; `success` false when the scorer failed. */
  setScore(k: number, value: number, success: boolean): void {
    this.score.set(k, success ? value : Number.NaN);
    this.scoreSuccess.set(k, success ? 1 : 0);
  }

  /** The columns, made on first read, in table order: ts, subject, output fields, _error, outcome, score. */
  finish(subjects: readonly string[]): Map<string, LazyColumn> {
    const n = this.length;
    const columns = new Map<string, LazyColumn>();
    const numbers = (c: CompactNumbers) => (): PredictionColumn => ({
      type: 'number',
      values: c.toFloat64Array(n),
    });
    columns.set('ts', numbers(this.ts));
    columns.set('subject', () => ({
      type: 'category',
      codes: Uint16Array.from(this.subject.toFloat64Array(n)),
      labels: subjects,
    }));
    for (const [name, column] of this.#outputs) columns.set(name, column.finish(n));
    if (this.#errors.length > 0) {
      const errors = this.#errors.slice();
      while (errors.length < n) errors.push(null);
      columns.set('_error', { type: 'string', values: errors });
    }
    const entry = this.entryPrice;
    const resolved = this.resolvedPrice;
    columns.set('entry_price', numbers(entry));
    columns.set('resolved_price', numbers(resolved));
    columns.set('profit', () => {
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) values[k] = profitOf(entry.at(k), resolved.at(k));
      return { type: 'number', values };
    });
    columns.set('direction_up', () => {
      const values = new Int8Array(n);
      for (let k = 0; k < n; k++) {
        const r = resolved.at(k);
        values[k] = Number.isNaN(r) ? -1 : r > entry.at(k) ? 1 : 0;
      }
      return { type: 'boolean', values };
    });
    columns.set('score', numbers(this.score));
    columns.set('score_success', () => {
      const values = new Int8Array(n);
      for (let k = 0; k < n; k++) {
        const v = this.scoreSuccess.at(k);
        values[k] = Number.isNaN(v) ? -1 : v;
      }
      return { type: 'boolean', values };
    });
    return columns;
  }

  /** The output field `name` as numbers (NaN where it is none): what the metrics read of `value`. */
  numbers(name: string): CompactNumbers | Float64Array {
    const column = this.#outputs.get(name);
    if (column?.numbers !== undefined) return column.numbers;
    const out = new Float64Array(this.length).fill(Number.NaN);
    column?.values?.forEach((v, k) => {
      if (typeof v === 'number') out[k] = v;
    });
    return out;
  }

  #output(key: string): OutputColumn {
    let column = this.#outputs.get(key);
    if (column === undefined) {
      column = new OutputColumn();
      this.#outputs.set(key, column);
    }
    return column;
  }
}
