/** @module A growable column of doubles kept in the narrowest exact form, chunk by chunk (decimal-scaled integers, else doubles). */

// 65,536 values a chunk: each chunk picks its own form, as a Parquet page or a DuckDB
// row group does, so one odd value widens one chunk, never the whole column.
const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const MASK = CHUNK_SIZE - 1;
const FIRST_CAPACITY = 256;
const MAX_EXPONENT = 15;
// Powers of ten as products of integers: each exact (10^15 < 2^53).
const POW10: readonly number[] = [1];
for (let e = 1; e <= MAX_EXPONENT; e++) (POW10 as number[]).push(POW10[e - 1]! * 10);

type IntArray = Int8Array | Int16Array | Int32Array;

// The integer forms, narrowest first. Each one's minimum stands for NaN, so the
// values it holds run from `-max` to `max`.
const INT_FORMS = [
  { max: 127, make: (n: number): IntArray => new Int8Array(n) },
  { max: 32_767, make: (n: number): IntArray => new Int16Array(n) },
  { max: 2_147_483_647, make: (n: number): IntArray => new Int32Array(n) },
] as const;

/**
 * Up to 65,536 values as `(ints[i] + base) / 10^exponent` in the narrowest
 * of Int8/16/32, else as doubles. Every value is checked to decode to the
 * very same double (-0, NaN and infinities included); one that does not fit
 * re-encodes the chunk wider: a larger exponent (exact at 10^e means exact
 * at 10^(e+1)), a wider integer, or doubles. That happens a few times a
 * chunk at most, and costs integer arithmetic, not a new search.
 */
class Chunk {
  ints: IntArray | undefined = new Int8Array(FIRST_CAPACITY).fill(-128);
  doubles: Float64Array | undefined;
  form = 0;
  /** `-max - 1`: stands for NaN in `ints`. */
  nullCode = -128;
  max = 127;
  exponent = 0;
  scale = 1;
  base = 0;
  /** Whether a number was set yet (until then base and exponent mean nothing). */
  started = false;

  get capacity(): number {
    return (this.ints ?? this.doubles)!.length;
  }

  get byteLength(): number {
    return (this.ints ?? this.doubles)!.byteLength;
  }

  at(i: number): number {
    const doubles = this.doubles;
    if (doubles !== undefined) return i < doubles.length ? doubles[i]! : Number.NaN;
    const ints = this.ints!;
    if (i >= ints.length) return Number.NaN;
    const d = ints[i]!;
    return d === this.nullCode ? Number.NaN : (d + this.base) / this.scale;
  }

  /** Decodes values `i ..` into all of `into`. */
  readInto(i: number, into: Float64Array): void {
    const n = into.length;
    const held = Math.max(0, Math.min(n, this.capacity - i));
    if (held < n) into.fill(Number.NaN, held);
    const doubles = this.doubles;
    if (doubles !== undefined) {
      into.set(doubles.subarray(i, i + held));
      return;
    }
    const ints = this.ints!;
    const { nullCode, base, scale } = this;
    for (let k = 0; k < held; k++) {
      const d = ints[i + k]!;
      into[k] = d === nullCode ? Number.NaN : (d + base) / scale;
    }
  }

  set(i: number, v: number): void {
    if (i >= this.capacity) this.#grow(i);
    const doubles = this.doubles;
    if (doubles !== undefined) {
      doubles[i] = v;
      return;
    }
    const ints = this.ints!;
    if (Number.isNaN(v)) {
      ints[i] = this.nullCode;
      return;
    }
    const d = Math.round(v * this.scale) - this.base;
    if (
      this.started &&
      d >= -this.max &&
      d <= this.max &&
      (d + this.base) / this.scale === v &&
      (v !== 0 || 1 / v > 0)
    ) {
      ints[i] = d;
      return;
    }
    this.#widen(i, v);
  }

  // Doubles the arrays (up to a chunk) to reach index `i`.
  #grow(i: number): void {
    let n = this.capacity;
    while (n <= i) n *= 2;
    n = Math.min(n, CHUNK_SIZE);
    if (this.doubles !== undefined) {
      const grown = new Float64Array(n).fill(Number.NaN);
      grown.set(this.doubles);
      this.doubles = grown;
      return;
    }
    const grown = INT_FORMS[this.form]!.make(n).fill(this.nullCode);
    grown.set(this.ints!);
    this.ints = grown;
  }

  // `v` does not fit at `i`: the smallest exponent and narrowest integer that hold it and
  // every value here, or doubles when none does.
  #widen(i: number, v: number): void {
    const ints = this.ints!;
    const exponent = Math.max(this.exponent, exponentOf(v));
    if (exponent > MAX_EXPONENT) {
      this.#toDoubles(i, v);
      return;
    }
    const factor = POW10[exponent - this.exponent]!;
    const scale = POW10[exponent]!;
    const r = Math.round(v * scale);
    // The other values' extremes, as integers at the new exponent (slot i may hold an old value).
    let dLo = Number.POSITIVE_INFINITY;
    let dHi = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < ints.length; k++) {
      const d = ints[k]!;
      if (k === i || d === this.nullCode) continue;
      if (d < dLo) dLo = d;
      if (d > dHi) dHi = d;
    }
    const others = dLo <= dHi;
    const lo = others ? Math.min(r, (dLo + this.base) * factor) : r;
    const hi = others ? Math.max(r, (dHi + this.base) * factor) : r;
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) {
      this.#toDoubles(i, v);
      return;
    }
    const base = Math.round((lo + hi) / 2);
    // Room to grow: a form whose span is twice the range, else the first that holds it at
    // all; so a drifting series re-encodes a few times a chunk, not at every new extreme.
    let form = INT_FORMS.findIndex((f) => hi - lo <= f.max);
    if (form < 0) form = INT_FORMS.findIndex((f) => lo - base >= -f.max && hi - base <= f.max);
    if (form < 0 || (r - base + base) / scale !== v) {
      this.#toDoubles(i, v);
      return;
    }
    const nullCode = -INT_FORMS[form]!.max - 1;
    const next = INT_FORMS[form]!.make(ints.length);
    // (d + oldBase) * factor - base, in integers: exact, as every term is a safe integer.
    const shift = this.base * factor - base;
    for (let k = 0; k < ints.length; k++) {
      const d = ints[k]!;
      next[k] = d === this.nullCode ? nullCode : d * factor + shift;
    }
    next[i] = r - base;
    this.ints = next;
    this.form = form;
    this.max = INT_FORMS[form]!.max;
    this.nullCode = nullCode;
    this.exponent = exponent;
    this.scale = scale;
    this.base = base;
    this.started = true;
  }

  #toDoubles(i: number, v: number): void {
    const doubles = new Float64Array(this.capacity);
    this.readInto(0, doubles);
    doubles[i] = v;
    this.doubles = doubles;
    this.ints = undefined;
  }
}

/** The smallest `e` with `v` exactly `round(v * 10^e) / 10^e`; above MAX_EXPONENT when none (or v is not finite, or -0). */
function exponentOf(v: number): number {
  if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return MAX_EXPONENT + 1;
  for (let e = 0; e <= MAX_EXPONENT; e++) {
    const r = Math.round(v * POW10[e]!);
    if (!Number.isSafeInteger(r)) break;
    if (r / POW10[e]! === v) return e;
  }
  return MAX_EXPONENT + 1;
}

/**
 * A growable column of doubles (NaN for none) that holds most of what a
 * backtest records (prices, whole-second times, scores of +-1) in one to
 * four bytes a value instead of eight, exactly: decimal-scaled integers, the
 * idea of DuckDB's ALP encoding of doubles, chunk by chunk. What keeps a
 * year's predictions in flat memory. Values are set by index, in any order;
 * unset ones read NaN.
 * @example
 * const c = new CompactNumbers();
 * c.set(0, 42123.45); // kept as an integer and the exponent 2
 * c.at(0); // 42123.45, the same double
 */
export class CompactNumbers {
  /** One past the highest index set. */
  length = 0;
  readonly #chunks: Chunk[] = [];

  /** Value `k`; NaN when unset. */
  at(k: number): number {
    const chunk = this.#chunks[k >>> CHUNK_BITS];
    return chunk === undefined ? Number.NaN : chunk.at(k & MASK);
  }

  /** Sets value `k` (NaN for none). */
  set(k: number, v: number): void {
    const c = k >>> CHUNK_BITS;
    let chunk = this.#chunks[c];
    if (chunk === undefined) {
      while (this.#chunks.length <= c) this.#chunks.push(new Chunk());
      chunk = this.#chunks[c]!;
    }
    chunk.set(k & MASK, v);
    if (k >= this.length) this.length = k + 1;
  }

  /** The first `length` values as doubles (a copy). */
  toFloat64Array(length = this.length): Float64Array {
    const out = new Float64Array(length);
    this.readInto(0, out, length);
    return out;
  }

  /** Decodes values `from .. from + n - 1` into `into[0 .. n - 1]`. */
  readInto(from: number, into: Float64Array, n: number): void {
    for (let done = 0; done < n; ) {
      const k = from + done;
      const take = Math.min(n - done, CHUNK_SIZE - (k & MASK));
      const chunk = this.#chunks[k >>> CHUNK_BITS];
      const out = into.subarray(done, done + take);
      if (chunk === undefined) out.fill(Number.NaN);
      else chunk.readInto(k & MASK, out);
      done += take;
    }
  }

  /** Bytes the values take. */
  get byteLength(): number {
    return this.#chunks.reduce((sum, c) => sum + c.byteLength, 0);
  }
}
