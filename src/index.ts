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
export * from './provider/conformance/checked-store.js';
export * from './provider/conformance/pipeline.js';
export * from './provider/conformance/report.js';
export * from './provider/conformance/report-log.js';
export * from './provider/event-recorder.js';
export * from './provider/feed-providers.js';
export * from './provider/history-provider.js';
export * from './provider/live-fetcher.js';
export * from './provider/metrics.js';
export * from './provider/seamless/auto-backfiller.js';
export * from './provider/seamless/backfill-source.js';
export * from './provider/seamless/cache-source.js';
export * from './provider/seamless/create-seamless-provider.js';
export * from './provider/seamless/data-source.js';
export * from './provider/seamless/errors.js';
export * from './provider/seamless/live-bar-buffer.js';
export * from './provider/seamless/live-source.js';
export * from './provider/seamless/seamless-provider.js';
export type { SlaPolicy, SlaReport } from './provider/seamless/sla.js';
export { StorageSource } from './provider/seamless/storage-source.js';
export * from './provider/stream-input.js';
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
