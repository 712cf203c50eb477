import { InvalidArgumentError } from '../core/errors.js';
import { floorToBar } from '../core/granularity.js';
import { makeRange, mergeRanges, type Range, subtractRanges } from '../core/range-math.js';
import type { Frame, Row } from '../core/rows.js';
import { parseSeries, type SeriesLike, seriesId, seriesStepMs } from '../core/series.js';
import { regressionStage } from './regression-stage.js';
import type { ConformanceReport, Violation } from './report.js';
import { schemaStage } from './schema-stage.js';
import { temporalStage } from './temporal-stage.js';

/** Options of {@link checkConformance}. */
export interface CheckOptions {
  /** The window the rows claim to cover completely, epoch ms. */
  readonly window: Range;
  /** What was stored before for the same window, for the regression stage. */
  readonly previous?: Frame | undefined;
  /** Clock for `checkedAtMs`. */
  readonly nowMs?: () => number;
}

/**
 * Runs the three conformance stages (schema, temporal, regression) over a
 * batch and returns the report (the caller counts its violations).
 * @example
 * const report = checkConformance('candle:sim:BTC/USDT:1m', rows, { window });
 * if (!report.ok) console.log(report.violations);
 */
export function checkConformance(
  seriesLike: SeriesLike,
  rows: readonly Row[],
  options: CheckOptions,
): ConformanceReport {
  const series = parseSeries(seriesLike);
  if (!Array.isArray(rows)) throw new InvalidArgumentError('rows must be an array', 'BAD_ROW');
  const window = makeRange(options?.window?.startMs, options?.window?.endMs, 'conformance window');
  const violations: Violation[] = [];
  schemaStage(series, rows, violations);
  const { gapBars } = temporalStage(series, rows, window, violations);
  const changedRows =
    options.previous === undefined ? 0 : regressionStage(rows, options.previous, violations);
  violations.sort((a, b) => a.index - b.index);
  const bad = new Set<number>();
  let warnings = 0;
  for (const v of violations) {
    if (v.severity === 'error') bad.add(v.index);
    else warnings++;
  }
  return {
    series: seriesId(series),
    ok: bad.size === 0,
    startMs: window.startMs,
    endMs: window.endMs,
    checkedAtMs: (options.nowMs ?? Date.now)(),
    violations,
    stats: { rows: rows.length, badRows: bad.size, warnings, changedRows, gapBars },
  };
}

/** What is left to store of a batch after dropping its bad rows. */
export interface GoodPart {
  /** Sub-windows still safe to mark covered: the window minus the bars of bad rows. */
  readonly ranges: Range[];
  /** The good rows, each inside one of `ranges`. */
  readonly rows: Row[];
}

/**
 * Drops the rows a report marks as errors. Their bars are cut out of the
 * window too, so coverage never claims a bar whose row was thrown away and a
 * later backfill fetches it again.
 */
export function goodPart(
  seriesLike: SeriesLike,
  rows: readonly Row[],
  report: ConformanceReport,
): GoodPart {
  const series = parseSeries(seriesLike);
  const stepMs = seriesStepMs(series);
  const badIndex = new Set(
    report.violations.filter((v) => v.severity === 'error').map((v) => v.index),
  );
  const cutBars = new Set<number>();
  for (const index of badIndex) {
    const ts = rows[index]?.tsMs;
    if (typeof ts === 'number' && Number.isFinite(ts)) cutBars.add(floorToBar(ts, stepMs));
  }
  const cut = [...cutBars].map((startMs) => ({ startMs, endMs: startMs + stepMs }));
  const window = { startMs: report.startMs, endMs: report.endMs };
  const ranges = subtractRanges([window], mergeRanges(cut));
  // A good row sharing a bar with a bad one (its duplicate) goes too: that bar is not covered.
  const good = rows.filter(
    (row, i) => !badIndex.has(i) && !cutBars.has(floorToBar(row.tsMs, stepMs)),
  );
  return { ranges, rows: good };
}
