import { profitOf } from './scoring.js';

/** @module The predictions of a run as growable columns: typed arrays for numbers, one entry per prediction. */

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
  numbers: Float64Array | undefined;
  values: unknown[] | undefined;

  constructor(capacity: number) {
    this.numbers = new Float64Array(capacity).fill(Number.NaN);
  }

  set(k: number, value: unknown): void {
    if (this.numbers !== undefined) {
      if (typeof value === 'number') {
        this.numbers[k] = value;
        return;
      }
      if (value === undefined || value === null) return;
      this.values = Array.from(this.numbers.subarray(0, k), (v) => (Number.isNaN(v) ? null : v));
      this.numbers = undefined;
    }
    const values = this.values!;
    while (values.length < k) values.push(null);
    values[k] = value ?? null;
  }

  grow(capacity: number): void {
    if (this.numbers === undefined) return;
    const grown = new Float64Array(capacity).fill(Number.NaN);
    grown.set(this.numbers);
    this.numbers = grown;
  }

  finish(length: number): PredictionColumn {
    if (this.numbers !== undefined)
      return { type: 'number', values: this.numbers.subarray(0, length) };
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
 * they resolve, without an object per prediction kept.
 */
export class PredictionColumnsBuilder {
  length = 0;
  #capacity: number;
  ts: Float64Array;
  subject: Uint16Array;
  entryPrice: Float64Array;
  resolvedPrice: Float64Array;
  score: Float64Array;
  scoreSuccess: Int8Array;
  readonly #errors: (string | null)[] = [];
  readonly #outputs = new Map<string, OutputColumn>();

  /** `capacity`: the predictions expected; a good guess saves regrowing. */
  constructor(capacity = 1024) {
    const n = Math.max(16, Math.ceil(capacity));
    this.#capacity = n;
    this.ts = new Float64Array(n);
    this.subject = new Uint16Array(n);
    this.entryPrice = new Float64Array(n);
    this.resolvedPrice = new Float64Array(n);
    this.score = new Float64Array(n);
    this.scoreSuccess = new Int8Array(n);
  }

  /** Records a prediction; returns its row. Its outcome is unresolved until {@link resolve}. */
  add(
    tsS: number,
    subject: number,
    output: Record<string, unknown>,
    error: string | undefined,
    entryPrice: number,
  ): number {
    if (this.length === this.#capacity) this.#grow();
    const k = this.length++;
    this.ts[k] = tsS;
    this.subject[k] = subject;
    this.entryPrice[k] = entryPrice;
    this.resolvedPrice[k] = Number.NaN;
    this.score[k] = Number.NaN;
    this.scoreSuccess[k] = -1;
    for (const key in output) {
      let column = this.#outputs.get(key);
      if (column === undefined) {
        column = new OutputColumn(this.#capacity);
        this.#outputs.set(key, column);
      }
      column.set(k, output[key]);
    }
    if (error !== undefined) {
      while (this.#errors.length < k) this.#errors.push(null);
      this.#errors[k] = error;
    }
    return k;
  }

  /** Sets the outcome of row `k` (its profit and direction follow from the two prices). */
  resolve(k: number, resolvedPrice: number): void {
    this.resolvedPrice[k] = resolvedPrice;
  }

  /** Sets the score of row `k`; `success` false when the scorer failed. */
  setScore(k: number, value: number, success: boolean): void {
    this.score[k] = success ? value : Number.NaN;
    this.scoreSuccess[k] = success ? 1 : 0;
  }

  /** The finished columns (views, not copies), in table order: ts, subject, output fields, _error, outcome, score. */
  finish(subjects: readonly string[]): Map<string, LazyColumn> {
    const n = this.length;
    const columns = new Map<string, LazyColumn>();
    columns.set('ts', { type: 'number', values: this.ts.subarray(0, n) });
    columns.set('subject', {
      type: 'category',
      codes: this.subject.subarray(0, n),
      labels: subjects,
    });
    for (const [name, column] of this.#outputs) columns.set(name, column.finish(n));
    if (this.#errors.length > 0) {
      const errors = this.#errors.slice();
      while (errors.length < n) errors.push(null);
      columns.set('_error', { type: 'string', values: errors });
    }
    columns.set('entry_price', { type: 'number', values: this.entryPrice.subarray(0, n) });
    columns.set('resolved_price', { type: 'number', values: this.resolvedPrice.subarray(0, n) });
    // Derived from the prices when first read: a year of predictions holds 9 bytes less each.
    const entry = this.entryPrice.subarray(0, n);
    const resolved = this.resolvedPrice.subarray(0, n);
    columns.set('profit', () => ({
      type: 'number',
      values: entry.map((e, k) => profitOf(e, resolved[k]!)),
    }));
    columns.set('direction_up', () => ({
      type: 'boolean',
      values: Int8Array.from(entry, (e, k) => {
        const r = resolved[k]!;
        return Number.isNaN(r) ? -1 : r > e ? 1 : 0;
      }),
    }));
    columns.set('score', { type: 'number', values: this.score.subarray(0, n) });
    columns.set('score_success', { type: 'boolean', values: this.scoreSuccess.subarray(0, n) });
    return columns;
  }

  /** The output field `name` as numbers (NaN where it is none): what the metrics read of `value`. */
  numbers(name: string): Float64Array {
    const column = this.#outputs.get(name);
    if (column?.numbers !== undefined) return column.numbers;
    const out = new Float64Array(this.length).fill(Number.NaN);
    column?.values?.forEach((v, k) => {
      if (typeof v === 'number') out[k] = v;
    });
    return out;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    const grow = <T extends Float64Array | Int8Array | Uint16Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const next = make(capacity);
      next.set(a);
      return next;
    };
    const f64 = (n: number) => new Float64Array(n);
    const i8 = (n: number) => new Int8Array(n);
    this.ts = grow(this.ts, f64);
    this.subject = grow(this.subject, (n) => new Uint16Array(n));
    this.entryPrice = grow(this.entryPrice, f64);
    this.resolvedPrice = grow(this.resolvedPrice, f64);
    this.score = grow(this.score, f64);
    this.scoreSuccess = grow(this.scoreSuccess, i8);
    for (const column of this.#outputs.values()) column.grow(capacity);
    this.#capacity = capacity;
  }
}
