/**
 * `gapless/sim`: the simulated exchange, for tests, benchmarks and demos.
 * @packageDocumentation
 */

export { SimMarket } from '../sim/market.js';
export { type PolygonRouteOptions, SIM_SPLITS, SIM_STOCK_TICKERS } from '../sim/polygon-routes.js';
export { startSimServer } from '../sim/server.js';
