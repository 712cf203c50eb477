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
export * from './provider/event-recorder.js';
export * from './provider/history-provider.js';
export * from './provider/live-fetcher.js';
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
