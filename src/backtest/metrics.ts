/** @module The leaderboard's figures over a run's scored predictions. */
import { CompactNumbers } from './compact-numbers.js';
import { profitOf } from './scoring.js';

const HOUR_S = 3600;
// score_recent, score_steady, score_anchor.
const WINDOW_HOURS = [24, 72, 168] as const;

/** The figures of a run. */
export interface BacktestMetrics {
  /** Predictions made. */
  readonly predictions: number;
  /** Predictions with a score (resolved and scored without error). */
  readonly scored: number;
  /** Mean score over the last 24 h of data before the last scored prediction (0 when empty). */
  readonly score_recent: number;
  /** Mean score over the last 72 h (0 when empty). */
  readonly score_steady: number;
  /** Mean score over the last 168 h (0 when empty). */
  readonly score_anchor: number;
  /** Share of scored predictions with a positive score. */
  readonly hit_rate: number;
  /** Mean of `sign(value) * profit`: the return of trading the predicted direction. */
  readonly mean_return: number;
  /** Largest fall of the cumulative score from a previous peak (>= 0). */
  readonly max_drawdown: number;
  /** Rank correlation (Spearman) of `value` and profit; null when undefined (fewer than 2 rows or no spread). */
  readonly ic: number | null;
}

/** Numbers by index: a typed array, or the runner's compact columns. */
export type NumberColumn = Float64Array | Int8Array | CompactNumbers;

/** The columns the metrics read, one entry per prediction, in time order. */
export interface MetricInputs {
  readonly length: number;
  /** Prediction time, epoch seconds. */
  readonly ts: NumberColumn;
  /** Score, NaN when there is none. */
  readonly score: NumberColumn;
  /** 1 scored, 0 the scorer failed, anything else unresolved. */
  readonly scoreSuccess: NumberColumn;
  /** The prediction's numeric `value` (NaN when none). */
  readonly value: NumberColumn;
  /** Close the prediction was made at. */
  readonly entryPrice: NumberColumn;
  /** Close it was resolved at (NaN when unresolved). */
  readonly resolvedPrice: NumberColumn;
}

const BLOCK = 4096;

/**
 * The inputs a block of rows at a time, as doubles: the passes below run
 * tight loops over plain arrays whatever form the columns are kept in, and
 * hold 4096 rows of copies, not a column's.
 */
class Blocks {
  readonly ts = new Float64Array(BLOCK);
  readonly score = new Float64Array(BLOCK);
  readonly success = new Float64Array(BLOCK);
  readonly value = new Float64Array(BLOCK);
  readonly entry = new Float64Array(BLOCK);
  readonly resolved = new Float64Array(BLOCK);
  readonly #input: MetricInputs;

  constructor(input: MetricInputs) {
    this.#input = input;
  }

  /**
   * Loads rows `from ..` (at most a block); returns how many. Only time,
   * score and success with `all` false.
   */
  load(from: number, all = true): number {
    const n = Math.min(BLOCK, this.#input.length - from);
    const i = this.#input;
    read(i.ts, from, this.ts, n);
    read(i.score, from, this.score, n);
    read(i.scoreSuccess, from, this.success, n);
    if (!all) return n;
    read(i.value, from, this.value, n);
    read(i.entryPrice, from, this.entry, n);
    read(i.resolvedPrice, from, this.resolved, n);
    return n;
  }

  /** Whether row `i` of the block has a score (and its scorer succeeded). */
  scored(i: number): boolean {
    return this.success[i] === 1 && !Number.isNaN(this.score[i]!);
  }
}

function read(column: NumberColumn, from: number, into: Float64Array, n: number): void {
  if (column instanceof CompactNumbers) column.readInto(from, into, n);
  else for (let i = 0; i < n; i++) into[i] = column[from + i] ?? Number.NaN;
}

/**
 * Computes {@link BacktestMetrics} over the rows with a score and
 * `score_success`. "Now" is the last scored prediction's time; the three
 * window means are over those rows with `ts >= now - 24h / 72h / 168h`.
 */
export function computeMetrics(input: MetricInputs): BacktestMetrics {
  const b = new Blocks(input);
  let now = Number.NEGATIVE_INFINITY;
  for (let from = 0; from < input.length; from += BLOCK) {
    const rows = b.load(from, false);
    for (let i = 0; i < rows; i++) if (b.scored(i) && b.ts[i]! > now) now = b.ts[i]!;
  }
  const starts = WINDOW_HOURS.map((h) => now - h * HOUR_S);
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  let n = 0;
  let hits = 0;
  let returns = 0;
  let paired = 0;
  let cumulative = 0;
  let peak = 0;
  let drawdown = 0;
  // Whether value and profit vary: without spread there is no rank correlation to compute.
  let firstValue = Number.NaN;
  let firstProfit = Number.NaN;
  let spread = 0;
  for (let from = 0; from < input.length; from += BLOCK) {
    const rows = b.load(from);
    for (let i = 0; i < rows; i++) {
      if (!b.scored(i)) continue;
      n++;
      const score = b.score[i]!;
      const ts = b.ts[i]!;
      for (let w = 0; w < 3; w++) {
        if (ts >= starts[w]!) {
          sums[w]! += score;
          counts[w]!++;
        }
      }
      if (score > 0) hits++;
      const value = b.value[i]!;
      const profit = profitOf(b.entry[i]!, b.resolved[i]!);
      if (!Number.isNaN(value) && !Number.isNaN(profit)) {
        returns += Math.sign(value) * profit;
        if (paired++ === 0) {
          firstValue = value;
          firstProfit = profit;
        } else spread |= (value !== firstValue ? 1 : 0) | (profit !== firstProfit ? 2 : 0);
      }
      cumulative += score;
      if (cumulative > peak) peak = cumulative;
      if (peak - cumulative > drawdown) drawdown = peak - cumulative;
    }
  }
  const mean = (w: number) => (counts[w] === 0 ? 0 : sums[w]! / counts[w]!);
  return {
    predictions: input.length,
    scored: n,
    score_recent: mean(0),
    score_steady: mean(1),
    score_anchor: mean(2),
    hit_rate: n === 0 ? 0 : hits / n,
    mean_return: paired === 0 ? 0 : returns / paired,
    max_drawdown: drawdown,
    ic: spread === 3 ? rankCorrelation(input, b, paired) : null,
  };
}

// The pairs are gathered only when both sides vary: a constant model costs no copies.
function rankCorrelation(input: MetricInputs, b: Blocks, paired: number): number | null {
  const xs = new Float64Array(paired);
  const ys = new Float64Array(paired);
  let j = 0;
  for (let from = 0; from < input.length; from += BLOCK) {
    const rows = b.load(from);
    for (let i = 0; i < rows; i++) {
      if (!b.scored(i)) continue;
      const value = b.value[i]!;
      const profit = profitOf(b.entry[i]!, b.resolved[i]!);
      if (Number.isNaN(value) || Number.isNaN(profit)) continue;
      xs[j] = value;
      ys[j] = profit;
      j++;
    }
  }
  return spearman(xs, ys);
}

/** Spearman's rank correlation (ties get their mean rank); null when undefined. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length < 2 || x.length !== y.length || !spread(x) || !spread(y)) return null;
  return pearson(ranks(x), ranks(y));
}

function spread(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return true;
  return false;
}

// Mean ranks through a native typed-array sort and one binary search per value: no comparator calls.
function ranks(values: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(values).sort();
  // meanRank[p] for p the first position of a run of equal values.
  const meanRank = new Float64Array(sorted.length);
  for (let p = 0; p < sorted.length; ) {
    let q = p;
    while (q + 1 < sorted.length && sorted[q + 1] === sorted[p]) q++;
    meanRank[p] = (p + q) / 2 + 1;
    p = q + 1;
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    out[i] = meanRank[lo]!;
  }
  return out;
}

function pearson(x: Float64Array, y: Float64Array): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}
