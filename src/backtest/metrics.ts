/** @module The leaderboard's figures over a run's scored predictions. */
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

/** The columns the metrics read, one entry per prediction, in time order. */
export interface MetricInputs {
  readonly length: number;
  /** Prediction time, epoch seconds. */
  readonly ts: Float64Array;
  /** Score, NaN when there is none. */
  readonly score: Float64Array;
  /** 1 scored, 0 the scorer failed, -1 unresolved. */
  readonly scoreSuccess: Int8Array;
  /** The prediction's numeric `value` (NaN when none). */
  readonly value: Float64Array;
  /** Close the prediction was made at. */
  readonly entryPrice: Float64Array;
  /** Close it was resolved at (NaN when unresolved). */
  readonly resolvedPrice: Float64Array;
}

/**
 * Computes {@link BacktestMetrics} over the rows with a score and
 * `score_success`. "Now" is the last scored prediction's time; the three
 * window means are over those rows with `ts >= now - 24h / 72h / 168h`.
 */
export function computeMetrics(input: MetricInputs): BacktestMetrics {
  // One pass picks the scored rows; the rest runs over typed arrays of those only.
  const pick = new Uint32Array(input.length);
  let n = 0;
  let now = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < input.length; k++) {
    if (input.scoreSuccess[k] === 1 && !Number.isNaN(input.score[k]!)) {
      pick[n++] = k;
      if (input.ts[k]! > now) now = input.ts[k]!;
    }
  }
  const starts = WINDOW_HOURS.map((h) => now - h * HOUR_S);
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  let hits = 0;
  let returns = 0;
  let cumulative = 0;
  let peak = 0;
  let drawdown = 0;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let paired = 0;
  for (let j = 0; j < n; j++) {
    const k = pick[j]!;
    const score = input.score[k]!;
    const ts = input.ts[k]!;
    for (let w = 0; w < 3; w++) {
      if (ts >= starts[w]!) {
        sums[w]! += score;
        counts[w]!++;
      }
    }
    if (score > 0) hits++;
    const value = input.value[k]!;
    const profit = profitOf(input.entryPrice[k]!, input.resolvedPrice[k]!);
    if (!Number.isNaN(value) && !Number.isNaN(profit)) {
      returns += Math.sign(value) * profit;
      xs[paired] = value;
      ys[paired] = profit;
      paired++;
    }
    cumulative += score;
    if (cumulative > peak) peak = cumulative;
    if (peak - cumulative > drawdown) drawdown = peak - cumulative;
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
    ic: spearman(xs.subarray(0, paired), ys.subarray(0, paired)),
  };
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
