/** @module The leaderboard's figures over a run's scored predictions. */

const HOUR_S = 3600;

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
  /** Spearman rank correlation of `value` and profit; null when undefined (fewer than 2 rows or no spread). */
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
  /** Profit of the outcome (NaN when unresolved). */
  readonly profit: Float64Array;
}

/**
 * Computes {@link BacktestMetrics}. "Now" is the last scored prediction's
 * time; the three window means are over scored predictions with
 * `ts >= now - 24h / 72h / 168h`.
 */
export function computeMetrics(input: MetricInputs): BacktestMetrics {
  const rows: number[] = [];
  for (let k = 0; k < input.length; k++) {
    if (input.scoreSuccess[k] === 1 && !Number.isNaN(input.score[k]!)) rows.push(k);
  }
  const n = rows.length;
  let now = Number.NEGATIVE_INFINITY;
  for (const k of rows) now = Math.max(now, input.ts[k]!);
  const windowMean = (hours: number): number => {
    let sum = 0;
    let count = 0;
    for (const k of rows) {
      if (input.ts[k]! >= now - hours * HOUR_S) {
        sum += input.score[k]!;
        count++;
      }
    }
    return count === 0 ? 0 : sum / count;
  };
  let hits = 0;
  let returns = 0;
  let returnCount = 0;
  let cumulative = 0;
  let peak = 0;
  let drawdown = 0;
  for (const k of rows) {
    const score = input.score[k]!;
    if (score > 0) hits++;
    const value = input.value[k]!;
    const profit = input.profit[k]!;
    if (!Number.isNaN(value) && !Number.isNaN(profit)) {
      returns += Math.sign(value) * profit;
      returnCount++;
    }
    cumulative += score;
    peak = Math.max(peak, cumulative);
    drawdown = Math.max(drawdown, peak - cumulative);
  }
  const paired = rows.filter(
    (k) => !Number.isNaN(input.value[k]!) && !Number.isNaN(input.profit[k]!),
  );
  return {
    predictions: input.length,
    scored: n,
    score_recent: windowMean(24),
    score_steady: windowMean(72),
    score_anchor: windowMean(168),
    hit_rate: n === 0 ? 0 : hits / n,
    mean_return: returnCount === 0 ? 0 : returns / returnCount,
    max_drawdown: drawdown,
    ic: spearman(
      paired.map((k) => input.value[k]!),
      paired.map((k) => input.profit[k]!),
    ),
  };
}

/** Spearman's rank correlation (ties get their mean rank); null when undefined. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length < 2 || x.length !== y.length) return null;
  return pearson(ranks(x), ranks(y));
}

function ranks(values: readonly number[]): Float64Array {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = rank;
    i = j + 1;
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
