import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Runtime } from '../app/runtime.js';
import type { HistoryCache } from './history-cache.js';
import type { ServerMetrics } from './metrics.js';

/** What every route group gets: the service and the app's shared helpers. */
export interface ServerContext {
  readonly service: Runtime;
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  /** Encoded bodies of recent small history reads. */
  readonly historyCache: HistoryCache;
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
