import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Service } from '../jobs/service.js';
import type { CandleAggregator } from './candle-aggregator.js';
import type { HistoryCache } from './history-cache.js';
import type { ServerMetrics } from './metrics.js';
import type { ParquetIndex } from './parquet-index.js';

/** What every route group gets: the service and the app's shared helpers. */
export interface ServerContext {
  readonly service: Service;
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  /** Row counts of day files from their Parquet metadata, cached by file identity. */
  readonly index: ParquetIndex;
  /** Encoded bodies of recent small history reads. */
  readonly historyCache: HistoryCache;
  /** Coarser chart bars from stored candles, cached per day file. */
  readonly aggregator: CandleAggregator;
}

/** Hono variables set by the app's middleware. */
export interface AppEnv {
  /** Set by @hono/node-server; absent when the app is called in-process (`app.request`). */
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    log: Logger;
  };
}
