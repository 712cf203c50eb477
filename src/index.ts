/**
 * gapless: market history without holes. The root export is the small SDK:
 * series and time vocabulary, configuration, the history facade, fetchers and
 * the embedded store. The rest lives under subpaths: `gapless/seamless`,
 * `gapless/service`, `gapless/server`, `gapless/sim`.
 * @packageDocumentation
 */

export type { BackfillEngine, FillProgress, FillResult } from './backfill/engine.js';
export { findFeed, type SeriesSelection, selectSeries } from './config/feeds.js';
export { type LoadConfigOptions, loadConfig, parseConfig } from './config/load-config.js';
export type { FeedConfig, GaplessConfig } from './config/schema.js';
export type { ConformanceReport, Violation } from './conformance/report.js';
export { ConformanceError } from './conformance/report.js';
export * from './core/errors.js';
export * from './core/granularity.js';
export * from './core/range-math.js';
export * from './core/rows.js';
export * from './core/series.js';
export * from './core/time.js';
export {
  type FillOptions,
  HistoryProvider,
  type HistoryProviderOptions,
  type TimeInput,
} from './seamless/history-provider.js';
export {
  type BinanceKlinesFetcherOptions,
  createBinanceKlinesFetcher,
} from './sources/binance-klines-fetcher.js';
export { createCcxtFetcher } from './sources/ccxt-fetcher.js';
export type { DataFetcher, FetchEvents, FetchOptions } from './sources/data-fetcher.js';
export { createPolygonFetcher, type PolygonFetcherOptions } from './sources/polygon-fetcher.js';
export { createSimFetcher } from './sources/sim-fetcher.js';
export type { Store, WriteResult } from './storage/index.js';
export { openEmbeddedStore } from './storage/index.js';
