/** @module BacktestResult: a run's predictions, metrics and settings, and how they are shown. */
import type { Table } from 'apache-arrow';
import type { BacktestMetrics } from './metrics.js';
import type { PredictionRow, PredictionTable } from './prediction-table.js';

/** `Symbol.for('Jupyter.display')`: the method Deno's and tslab's kernels call to show a value. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

/** The settings a run used, resolved, and what it replayed. */
export interface BacktestConfig {
  readonly source: string;
  readonly subjects: readonly string[];
  readonly kind: 'candle';
  readonly granularity: string;
  /** First UTC day replayed (`YYYY-MM-DD`). */
  readonly start: string;
  /** Last UTC day replayed, included. */
  readonly end: string;
  readonly windowSize: number;
  readonly predictionIntervalSeconds: number;
  readonly resolveHorizonSeconds: number;
  readonly stepSeconds: number;
  /** Day files read. */
  readonly files: number;
  /** Rows replayed, over every subject. */
  readonly rows: number;
  /** Wall time of the replay. */
  readonly elapsedMs: number;
}

/**
 * What {@link BacktestRunner.run} returns.
 * @example
 * const result = await runner.run({ source: 'sim', subject: 'BTC/USDT', start: '2024-01-01', end: '2024-01-31' });
 * result.summary(); // prints and returns a text table
 * await result.toParquet('predictions.parquet');
 */
export class BacktestResult {
  /** One entry per prediction, as columns. */
  readonly predictions: PredictionTable;
  readonly config: BacktestConfig;
  /** Things the run worked around, e.g. the service was unreachable and the cache was used. */
  readonly warnings: readonly string[];
  readonly #computeMetrics: () => BacktestMetrics;
  #metrics: BacktestMetrics | undefined;

  /** @internal Built by the runner. */
  constructor(
    predictions: PredictionTable,
    computeMetrics: () => BacktestMetrics,
    config: BacktestConfig,
    warnings: readonly string[],
  ) {
    this.predictions = predictions;
    this.#computeMetrics = computeMetrics;
    this.config = Object.freeze({ ...config });
    this.warnings = Object.freeze([...warnings]);
  }

  /**
   * The run's figures, computed on first access (the rank correlation sorts
   * every prediction, which a caller that only wants the rows need not pay).
   */
  get metrics(): BacktestMetrics {
    this.#metrics ??= Object.freeze({ ...this.#computeMetrics() });
    return this.#metrics;
  }

  /** The predictions as objects. */
  toRows(): PredictionRow[] {
    return this.predictions.toRows();
  }

  /** The predictions as CSV. */
  toCSV(): string {
    return this.predictions.toCSV();
  }

  /** The predictions as an apache-arrow table. */
  toArrow(): Table {
    return this.predictions.toArrow();
  }

  /** Writes the predictions as a Parquet file. */
  toParquet(file: string): Promise<void> {
    return this.predictions.toParquet(file);
  }

  /** The run as label/value pairs, in display order. */
  summaryPairs(): [string, string][] {
    const c = this.config;
    const m = this.metrics;
    return [
      ['subjects', c.subjects.join(', ')],
      ['series', `${c.source} ${c.kind} ${c.granularity}`],
      ['days', `${c.start} .. ${c.end} (${c.files} files, ${c.rows} rows)`],
      [
        'window / interval / horizon',
        `${c.windowSize} rows / ${c.predictionIntervalSeconds} s / ${c.resolveHorizonSeconds} s`,
      ],
      ['predictions', `${m.predictions} (${m.scored} scored)`],
      ['score_recent (24h)', fixed(m.score_recent)],
      ['score_steady (72h)', fixed(m.score_steady)],
      ['score_anchor (168h)', fixed(m.score_anchor)],
      ['hit_rate', fixed(m.hit_rate)],
      ['mean_return', m.mean_return.toExponential(3)],
      ['max_drawdown', fixed(m.max_drawdown)],
      ['ic', m.ic === null ? 'n/a' : fixed(m.ic)],
      ['replay', `${(c.elapsedMs / 1000).toFixed(2)} s`],
    ];
  }

  /**
   * A text table of the settings and metrics, printed to stdout and returned.
   * @param print set false to only return it
   */
  summary(print = true): string {
    const pairs = this.summaryPairs();
    const width = Math.max(...pairs.map(([label]) => label.length));
    const valueWidth = Math.max(...pairs.map(([, value]) => value.length));
    const rule = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
    const lines = [rule];
    for (const [label, value] of pairs) {
      lines.push(`| ${label.padEnd(width)} | ${value.padEnd(valueWidth)} |`);
    }
    lines.push(rule);
    for (const warning of this.warnings) lines.push(`warning: ${warning}`);
    const text = lines.join('\n');
    if (print) console.log(text);
    return text;
  }

  /** Rich display in Jupyter kernels for JavaScript (Deno, tslab): an HTML table and its text. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    const rows = this.summaryPairs()
      .map(
        ([label, value]) =>
          `<tr><th style="text-align:left">${html(label)}</th><td>${html(value)}</td></tr>`,
      )
      .join('');
    return {
      'text/html': `<table class="gapless-backtest">${rows}</table>`,
      'text/plain': this.summary(false),
    };
  }
}

function fixed(n: number): string {
  return n.toFixed(4);
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
