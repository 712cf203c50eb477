/** @module One subject's predictions waiting for their outcome, oldest first: a ring of typed arrays, no object per prediction. */

/**
 * Predictions resolve in the order they were made, so a queue holds them:
 * the table row, time, entry price and numeric value of each, and the
 * output object only for predictions that returned one. It grows by
 * doubling to the most ever waiting at once (horizon / interval, usually a
 * handful), and then allocates nothing.
 */
export class PendingPredictions {
  #rows = new Int32Array(16);
  #ts = new Float64Array(16);
  #entry = new Float64Array(16);
  #value = new Float64Array(16);
  #outputs: (Readonly<Record<string, unknown>> | undefined)[] = new Array(16).fill(undefined);
  #head = 0;
  #size = 0;

  /** Predictions waiting. */
  get size(): number {
    return this.#size;
  }

  /** Table row of the oldest. */
  get row(): number {
    return this.#rows[this.#head]!;
  }

  /** Time of the oldest, epoch seconds. */
  get ts(): number {
    return this.#ts[this.#head]!;
  }

  /** Entry price of the oldest. */
  get entry(): number {
    return this.#entry[this.#head]!;
  }

  /** Numeric value of the oldest (NaN when it returned an object). */
  get value(): number {
    return this.#value[this.#head]!;
  }

  /** Output object of the oldest, or undefined when it returned a plain number. */
  get output(): Readonly<Record<string, unknown>> | undefined {
    return this.#outputs[this.#head];
  }

  /** Adds the newest prediction. */
  push(
    row: number,
    ts: number,
    entry: number,
    value: number,
    output: Readonly<Record<string, unknown>> | undefined,
  ): void {
    if (this.#size === this.#rows.length) this.#grow();
    const at = (this.#head + this.#size) & (this.#rows.length - 1);
    this.#rows[at] = row;
    this.#ts[at] = ts;
    this.#entry[at] = entry;
    this.#value[at] = value;
    this.#outputs[at] = output;
    this.#size++;
  }

  /** Drops the oldest. */
  shift(): void {
    this.#outputs[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#rows.length - 1);
    this.#size--;
  }

  // Doubles the ring (its length stays a power of two), oldest first again.
  #grow(): void {
    const n = this.#rows.length;
    const order = (k: number) => (this.#head + k) & (n - 1);
    const rows = new Int32Array(n * 2);
    const ts = new Float64Array(n * 2);
    const entry = new Float64Array(n * 2);
    const value = new Float64Array(n * 2);
    const outputs = new Array<Readonly<Record<string, unknown>> | undefined>(n * 2).fill(undefined);
    for (let k = 0; k < this.#size; k++) {
      rows[k] = this.#rows[order(k)]!;
      ts[k] = this.#ts[order(k)]!;
      entry[k] = this.#entry[order(k)]!;
      value[k] = this.#value[order(k)]!;
      outputs[k] = this.#outputs[order(k)];
    }
    this.#rows = rows;
    this.#ts = ts;
    this.#entry = entry;
    this.#value = value;
    this.#outputs = outputs;
    this.#head = 0;
  }
}
