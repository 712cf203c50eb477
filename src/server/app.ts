import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { Runtime } from '../app/runtime.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { AppEnv, ServerContext } from './context.js';
import { HistoryCache } from './history-cache.js';
import { httpError, toErrorResponse } from './http-errors.js';
import { createLogger } from './logger.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerBackfillRoutes } from './routes/backfill.js';
import { registerChartRoutes } from './routes/chart.js';
import { registerCoverageRoutes } from './routes/coverage.js';
import { registerDataBundleRoute } from './routes/data-bundle.js';
import { registerDataFileRoutes } from './routes/data-files.js';
import { registerHistoricalRoutes } from './routes/historical.js';
import { registerHomeRoutes } from './routes/home.js';
import { registerPreviewRoutes } from './routes/preview.js';
import { registerRunsRoutes } from './routes/runs.js';
import { registerStatusRoutes } from './routes/status.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The clock of job views and `now` in ranges. @default Date.now */
  readonly nowMs?: () => number;
  /** Where request and error logs go. @default a pino logger (silent under vitest) */
  readonly logger?: Logger;
  /**
   * Largest request body accepted; larger gets 413.
   * @default 65536
   */
  readonly maxBodyBytes?: number;
}

/** A Hono app plus what must be released when it is no longer served. */
export type GaplessApp = Hono<AppEnv> & {
  /** The app's Prometheus registry and hooks. */
  readonly metrics: ServerMetrics;
  /** Releases the app's DuckDB lease; the service is the caller's to close. */
  dispose(): void;
};

const REQUEST_ID_RE = /^[\w.-]{1,64}$/;

/**
 * Builds the HTTP API over an opened service: every route of the OpenAPI
 * document, one error handler, request ids, JSON logs and metrics.
 * @example
 * const service = await openRuntime(loadConfig());
 * const app = await createApp(service);
 * const res = await app.request('/health');
 */
export async function createApp(service: Runtime, options: AppOptions = {}): Promise<GaplessApp> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new RangeError(
      `Expected \`maxBodyBytes\` to be a whole number >= 1, got \`${maxBodyBytes}\``,
    );
  }
  const logger = options.logger ?? createLogger();
  const metrics = createServerMetrics({
    jobsInProgress: async () =>
      (await service.jobs.list({ status: 'running', limit: 1, offset: 0 })).total,
  });
  const ctx: ServerContext = {
    service,
    nowMs: options.nowMs ?? Date.now,
    logger,
    metrics,
    historyCache: new HistoryCache(),
  };

  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const began = performance.now();
    // Reading Node's headers directly: touching `c.req.raw` would build a whole fetch Request.
    const incoming = c.env?.incoming?.headers['x-request-id'];
    const given = c.env?.incoming
      ? Array.isArray(incoming)
        ? incoming[0]
        : incoming
      : c.req.header('x-request-id');
    const requestId = given !== undefined && REQUEST_ID_RE.test(given) ? given : randomUUID();
    const log = logger.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    // Set before the handler: touching `c.res.headers` afterwards would turn a
    // buffered body into a web stream and slow large answers several times.
    c.header('x-request-id', requestId);
    await next();
    const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? 'unmatched';
    const seconds = (performance.now() - began) / 1000;
    metrics.observeRequest(c.req.method, route, c.res.status, seconds);
    log.info(
      { method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000) },
      'request',
    );
  });

  app.use('*', async (c, next) => {
    // The URL parser folds `..` and `%2e%2e` segments away before routing; a
    // request that tried them is refused rather than quietly served elsewhere.
    const raw = rawPath(c.env?.incoming?.url ?? c.req.url);
    if (DOT_SEGMENT_RE.test(raw)) {
      throw new InvalidArgumentError(
        `path '${clipPath(raw)}' contains '.' or '..' segments`,
        'BAD_PATH',
      );
    }
    await next();
  });

  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw httpError(413, `request body is larger than ${maxBodyBytes} bytes`);
    },
  });
  // GET and HEAD bodies are ignored anyway; checking them would cost every read request.
  app.use('*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next),
  );

  registerHomeRoutes(app, ctx);
  registerBackfillRoutes(app, ctx);
  registerDataBundleRoute(app, ctx);
  registerPreviewRoutes(app, ctx);
  registerCoverageRoutes(app, ctx);
  registerRunsRoutes(app, ctx);
  registerChartRoutes(app, ctx);
  registerDataFileRoutes(app, ctx);
  registerHistoricalRoutes(app, ctx);
  registerStatusRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  const document = openApiDocument();
  app.get('/openapi.json', (c) => c.json(document));

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      c.header('allow', allowed.join(', '));
      throw httpError(405, `${c.req.method} is not allowed here (allowed: ${allowed.join(', ')})`);
    }
    return c.json(
      {
        error: {
          code: 'NOT_FOUND',
          message: `no route for ${c.req.method} ${clipPath(c.req.path)}`,
        },
      },
      404,
    );
  });

  app.onError((error, c) => {
    const reply = toErrorResponse(error);
    const log = c.get('log') ?? logger;
    if (reply.internal) log.error({ err: error }, 'request failed');
    else log.debug({ code: reply.body.error.code }, reply.body.error.message);
    return c.json(reply.body, reply.status);
  });

  return Object.assign(app, {
    metrics,
    // The store belongs to the runtime; nothing of the app's own to release.
    dispose: () => {},
  });
}

const DOT_SEGMENT_RE = /(^|\/|%2f|%5c|\\)(\.|%2e){1,2}(\/|%2f|%5c|\\|$)/i;

// The path of a request target as sent: no query, no normalisation.
function rawPath(target: string): string {
  const path = target.startsWith('/') ? target : target.replace(/^[a-z]+:\/\/[^/]*/i, '');
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function clipPath(path: string): string {
  return path.length > 100 ? `${path.slice(0, 100)}...` : path;
}

// The methods registered for a path, for 405 and its Allow header; HEAD comes with GET.
function allowedMethods(app: Hono<AppEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL') continue;
    const pattern = new RegExp(
      `^${route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`,
    );
    if (pattern.test(path)) {
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD');
    }
  }
  return [...methods].sort();
}
