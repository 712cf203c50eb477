/**
 * gapless/backtest: pull a gapless service's Parquet day files, replay them
 * through a model with production's `tick` / `predict` contract, score it.
 * Depends only on `core` and the HTTP data API, so it runs anywhere.
 * @packageDocumentation
 */

export * from '../core/errors.js';
export {
  BacktestClient,
  type BacktestClientOptions,
  type CachedFile,
  cachedSourcesOf,
  type PullAction,
  type PulledFile,
  type PullRequest,
  type SeriesSelection,
} from './backtest-client.js';
export { type BacktestConfig, BacktestResult, JUPYTER_DISPLAY } from './backtest-result.js';
export { BacktestRunner, type BacktestRunnerOptions } from './backtest-runner.js';
export { CorruptFileError } from './corrupt-file-error.js';
export type { TimeInput } from './day-range.js';
export { loadModel } from './load-model.js';
export { type BacktestMetrics, spearman } from './metrics.js';
export {
  asModel,
  type Model,
  type PredictOutput,
  type PredictScope,
  type TickData,
  type WindowCandle,
  type WindowColumns,
} from './model.js';
export type { PredictionColumn } from './prediction-columns.js';
export { type PredictionRow, PredictionTable } from './prediction-table.js';
export type { RunOptions } from './run-options.js';
export { type Actual, actualOf, directionScore, type Score, type ScoringFn } from './scoring.js';
