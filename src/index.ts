/**
 * gapless: market history without holes.
 * @packageDocumentation
 */

export { findFeed, type SeriesSelection, selectSeries } from './config/feeds.js';
export { type LoadConfigOptions, loadConfig, parseConfig } from './config/load-config.js';
export type { FeedConfig, GaplessConfig } from './config/schema.js';
export * from './core/errors.js';
export * from './core/granularity.js';
export * from './core/range-math.js';
export * from './core/rows.js';
export * from './core/series.js';
export * from './core/time.js';
export * from './conformance/checked-store.js';
export * from './conformance/pipeline.js';
export * from './conformance/report.js';
export * from './conformance/report-log.js';
export * from './live/event-recorder.js';
export * from './app/feed-providers.js';
export * from './seamless/history-provider.js';
export * from './live/live-fetcher.js';
export * from './backfill/metrics.js';
export * from './seamless/auto-backfiller.js';
export * from './seamless/backfill-source.js';
export * from './seamless/cache-source.js';
export * from './seamless/create-seamless-provider.js';
export * from './seamless/data-source.js';
export * from './seamless/errors.js';
export * from './seamless/live-bar-buffer.js';
export * from './seamless/live-source.js';
export * from './seamless/seamless-provider.js';
export type { SlaPolicy, SlaReport } from './seamless/sla.js';
export { StorageSource } from './seamless/storage-source.js';
export * from './live/stream-input.js';
export { SimMarket } from './sim/market.js';
export { type PolygonRouteOptions, SIM_SPLITS, SIM_STOCK_TICKERS } from './sim/polygon-routes.js';
export { startSimServer } from './sim/server.js';
export {
  type BinanceKlinesFetcherOptions,
  createBinanceKlinesFetcher,
} from './sources/binance-klines-fetcher.js';
export { createCcxtFetcher } from './sources/ccxt-fetcher.js';
export * from './sources/data-fetcher.js';
export { createFeedFetcher } from './sources/feed-fetcher.js';
export { createPolygonFetcher, type PolygonFetcherOptions } from './sources/polygon-fetcher.js';
export { createSimFetcher } from './sources/sim-fetcher.js';
export { openEmbeddedStore } from './storage/embedded-store.js';
export type { Store, WriteResult } from './storage/store.js';
