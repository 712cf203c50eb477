import { z } from 'zod';
import { GAPLESS_VERSION } from '../core/version.js';
import { addSymbolBodySchema } from './routes/admin.js';
import { submitBodySchema } from './routes/backfill.js';
import { previewBodySchema } from './routes/preview.js';

type Schema = Record<string, unknown>;

const str = (description?: string): Schema => ({
  type: 'string',
  ...(description ? { description } : {}),
});
const int: Schema = { type: 'integer' };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
/** An object whose listed properties are always present (the contract test holds answers to it). */
const always = (properties: Schema): Schema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});

function param(
  name: string,
  where: 'path' | 'query' | 'header',
  description: string,
  schema: Schema = str(),
  required = where === 'path',
) {
  return { name, in: where, required, description, schema };
}

function json(schema: Schema, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));

const time =
  'ISO date (2024-01-31), ISO date-time, epoch seconds (<= 10 digits) or epoch ms (13 digits), or `now`';

const jobView: Schema = always({
  id: str('UUID'),
  source: str(),
  subject: str(),
  kind: { enum: ['candle', 'trade'] },
  granularity: nullable(str()),
  start: str('ISO-8601 UTC'),
  end: str('ISO-8601 UTC, exclusive'),
  cursor: nullable(str('end of the newest stored chunk')),
  start_ms: int,
  end_ms: int,
  cursor_ms: nullable(int),
  records_written: int,
  pages_fetched: int,
  status: { enum: ['pending', 'running', 'completed', 'failed', 'cancelled'] },
  error: nullable(str()),
  created_at: str(),
  updated_at: str(),
  started_at: nullable(str()),
  percentage: { type: 'number', description: '0..100' },
  rate_records_per_s: nullable({ type: 'number' }),
  eta_s: nullable({ type: 'number' }),
  waiting: { type: 'boolean', description: 'waiting on the source (Retry-After, backoff)' },
  wait_reason: nullable(str('e.g. `waiting 120 s: exchange asked (418)`')),
  wait_until: nullable(str('ISO-8601 UTC')),
  requested_by: {
    enum: ['api', 'ui', 'cli', 'scheduler'],
    description: 'who asked for the job; records older than the field read `api`',
  },
  notes: {
    type: 'array',
    items: str(),
    description:
      'faults the job survived, one line each (an archive file that was bad or missing, and the range REST filled instead)',
  },
});

// A stored double: shortest round-trip text, -0 as -0, null where the file holds NaN (no value).
const price: Schema = { type: ['number', 'null'] };

const candle: Schema = always({
  ts: str('bar open time, ISO-8601 UTC'),
  ts_ms: { type: 'integer', description: 'bar open time, epoch milliseconds' },
  open: price,
  high: price,
  low: price,
  close: price,
  volume: price,
});

const range: Schema = always({ start: str(), end: str(), start_ms: int, end_ms: int });

const dayFileParams = [
  param('source', 'path', 'feed source name'),
  param(
    'subject',
    'path',
    'subject URL-encoded as one segment (`BTC%2FUSDT`), exactly as in the manifest `path`',
  ),
  param('kind', 'path', '`candle` or `trade`'),
  param('granularity', 'path', 'canonical granularity (`1m`), or `tick` for trades'),
  param('file', 'path', '`YYYY-MM-DD.parquet`'),
];

/**
 * The OpenAPI 3.1 document of every route, served at `/openapi.json`.
 * Request bodies come from the same zod schemas that validate them.
 */
export function openApiDocument(): Schema {
  const body = (schema: z.ZodType) => ({
    required: true,
    content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } },
  });
  return finish({
    openapi: '3.1.0',
    servers: [{ url: '/', description: 'the gapless serve answering this document' }],
    info: {
      title: 'gapless',
      version: GAPLESS_VERSION,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Market history without holes: backfill jobs, stored candles and the Parquet files behind them. Every error is `{ "error": { "code", "message" } }`; every response carries `x-request-id`.',
    },
    paths: {
      '/': {
        get: {
          summary:
            'The web console (a single-page app); a plain status page when the console is not built',
          responses: { 200: { description: 'HTML', content: { 'text/html': {} } } },
        },
      },
      '/assets/{file}': {
        get: {
          summary: 'A file of the web console (content-hashed name, cached for a year)',
          parameters: [param('file', 'path', 'file name, e.g. `index-3f2a.js`')],
          responses: {
            200: { description: 'the file', content: { 'text/javascript': {}, 'text/css': {} } },
            ...errors(404),
          },
        },
      },
      '/reports/backfill/preview': {
        post: {
          summary:
            'What a backfill would fetch: missing ranges, pages, request weight and an ETA from the feed rate limit; creates nothing',
          requestBody: body(previewBodySchema),
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  series: str('series id'),
                  start_ms: int,
                  end_ms: int,
                  missing: { type: 'array', items: range, description: 'ranges not yet covered' },
                  missing_bars: nullable(int),
                  pages: {
                    type: 'integer',
                    description:
                      'pages the fetch will take: a REST request or an archive file each',
                  },
                  archive_files: {
                    type: 'integer',
                    description: 'of `pages`, the archive files (archive-backed feeds; else 0)',
                  },
                  pages_exact: {
                    type: 'boolean',
                    description:
                      'false when `pages` is a lower bound (trades, unknown page size, archive files)',
                  },
                  request_weight: {
                    type: 'integer',
                    description:
                      'rate-limit weight of the REST requests (REST pages, one cross-check per monthly file)',
                  },
                  eta_s: nullable({
                    type: 'number',
                    description: 'seconds the rate limit needs past the burst; null without one',
                  }),
                  rate_limit: nullable({
                    type: 'object',
                    properties: {
                      tokens_per_interval: int,
                      interval_ms: int,
                      request_weight: int,
                    },
                  }),
                },
              },
              'the plan',
            ),
            ...errors(400, 404, 413, 415),
          },
        },
      },
      '/reports/backfill/coverage': {
        get: {
          summary: 'Coverage map: every configured and stored series by UTC day',
          parameters: [
            param('source', 'query', 'feed source'),
            param('subject', 'query', 'subject, e.g. BTC/USDT'),
            param('kind', 'query', 'candle or trade'),
            param('granularity', 'query', 'e.g. 1m'),
            param('start', 'query', `first day; default 30 days before end; ${time}`),
            param('end', 'query', `day after the last; default tomorrow; ${time}`),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  start_ms: int,
                  end_ms: int,
                  days: { type: 'array', items: str('YYYY-MM-DD') },
                  series: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        id: str(),
                        source: str(),
                        subject: str(),
                        kind: str(),
                        granularity: nullable(str()),
                        statuses: {
                          type: 'array',
                          items: { enum: ['covered', 'empty', 'partial', 'missing'] },
                          description:
                            'per day: covered (rows), empty (covered, the source confirmed no rows), partial, missing',
                        },
                        records: { type: 'array', items: int, description: 'rows stored per day' },
                        missing: { type: 'array', items: range },
                      },
                    },
                  },
                },
              },
              'the map',
            ),
            ...errors(400),
          },
        },
      },
      '/reports/backfill/runs': {
        get: {
          summary: "The scheduler's runs (backfill_history), newest first",
          parameters: [
            param('symbol', 'query', 'only this symbol'),
            param('limit', 'query', '1..1000', { type: 'integer', default: 50 }),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  runs: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        symbol: str(),
                        time: str(),
                        time_ms: int,
                        records_imported: int,
                        success: { type: 'boolean' },
                        error: nullable(str()),
                      },
                    },
                  },
                },
              },
              'runs',
            ),
            ...errors(400),
          },
        },
      },
      '/reports/backfill/chart': {
        get: {
          summary:
            'Stored candles for a chart; aggregated by DuckDB to 5m, 1h or 1d when the range holds more than `max_bars`',
          parameters: [
            param('series', 'query', '`candle:source:subject:granularity`', str(), true),
            param('start', 'query', time, str(), true),
            param('end', 'query', `exclusive; default now; ${time}`),
            param('max_bars', 'query', 'native bars allowed before aggregating', {
              type: 'integer',
              default: 5000,
              minimum: 10,
              maximum: 20000,
            }),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  series: str(),
                  granularity: str('stored bar'),
                  bar: str('bar of the answer: the stored one, or 5m, 1h, 1d'),
                  bar_s: int,
                  aggregated: { type: 'boolean' },
                  start_ms: int,
                  end_ms: int,
                  count: int,
                  time: { type: 'array', items: int, description: 'bar open, epoch seconds' },
                  open: { type: 'array', items: { type: 'number' } },
                  high: { type: 'array', items: { type: 'number' } },
                  low: { type: 'array', items: { type: 'number' } },
                  close: { type: 'array', items: { type: 'number' } },
                  volume: { type: 'array', items: { type: 'number' } },
                  gaps: {
                    type: 'array',
                    items: { type: 'object', properties: { start_ms: int, end_ms: int } },
                    description: 'uncovered ranges',
                  },
                },
              },
              'columns of bars',
            ),
            ...errors(400, 404),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness and dependencies',
          responses: {
            200: json(ref('Health'), 'storage and database reachable'),
            503: json(ref('Health'), 'storage or database unreachable'),
          },
        },
      },
      '/reports/backfill/feeds': {
        get: {
          summary:
            'Feeds eligible for backfill (configured subjects plus tracked symbols of the feed asset class)',
          responses: {
            200: json(
              { type: 'object', properties: { feeds: { type: 'array', items: ref('Feed') } } },
              'feeds',
            ),
            ...errors(400),
          },
        },
      },
      '/reports/backfill': {
        post: {
          summary: 'Create a backfill job; the worker starts it',
          requestBody: body(submitBodySchema),
          responses: {
            201: {
              ...json(ref('JobView'), 'the job; `Location` names it'),
              headers: { location: { schema: str() } },
            },
            ...errors(400, 404, 409, 413, 415, 507),
          },
        },
      },
      '/reports/backfill/jobs': {
        get: {
          summary: 'Jobs, newest first',
          parameters: [
            param('status', 'query', 'pending, running, completed, failed or cancelled'),
            param('source', 'query', 'feed source'),
            param('subject', 'query', 'subject, e.g. BTC/USDT'),
            param('kind', 'query', 'candle or trade'),
            param('granularity', 'query', 'e.g. 1m'),
            param('limit', 'query', 'page size, 1..500', {
              type: 'integer',
              default: 50,
              minimum: 1,
              maximum: 500,
            }),
            param('offset', 'query', 'jobs skipped', { type: 'integer', default: 0, minimum: 0 }),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  jobs: { type: 'array', items: ref('JobView') },
                  total: int,
                  limit: int,
                  offset: int,
                },
              },
              'a page of jobs',
            ),
            ...errors(400),
          },
        },
      },
      '/reports/backfill/jobs/{id}': {
        get: {
          summary: 'One job with progress, rate and ETA',
          parameters: [param('id', 'path', 'job UUID')],
          responses: { 200: json(ref('JobView'), 'the job'), ...errors(404) },
        },
      },
      '/reports/backfill/jobs/{id}/cancel': {
        post: {
          summary: 'Cancel a pending or running job',
          parameters: [param('id', 'path', 'job UUID')],
          responses: { 200: json(ref('JobView'), 'the cancelled job'), ...errors(404, 409) },
        },
      },
      '/data/backfill/index': {
        get: {
          summary: 'Manifest of stored Parquet day files',
          parameters: [
            param('source', 'query', 'feed source'),
            param('subject', 'query', 'subject, e.g. BTC/USDT'),
            param('kind', 'query', 'candle or trade'),
            param('granularity', 'query', 'e.g. 1m'),
            param('start', 'query', `days ending after this; ${time}`),
            param('end', 'query', `days starting before this; ${time}`),
          ],
          responses: {
            200: json(
              {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    path: str('relative to the data dir; GET /data/backfill/{path} downloads it'),
                    records: { type: 'integer', description: 'rows, from the Parquet footer' },
                    size_bytes: int,
                    date: str('UTC day, YYYY-MM-DD'),
                    sha256: str(
                      "hex SHA-256 of the file's bytes; a cached copy is current while it matches",
                    ),
                  },
                },
              },
              'day files',
            ),
            ...errors(400),
          },
        },
      },
      '/data/backfill/bundle': {
        get: {
          summary:
            'Many day files of one series in one answer: per file a 4-byte big-endian header length, a JSON header { date, size_bytes, sha256 } and the bytes',
          parameters: [
            param('source', 'query', 'feed source'),
            param('subject', 'query', 'subject, e.g. BTC/USDT'),
            param('kind', 'query', 'candle or trade'),
            param('granularity', 'query', 'e.g. 1m (candles)'),
            param(
              'dates',
              'query',
              'up to 100 comma-separated YYYY-MM-DD days; missing days are left out',
            ),
          ],
          responses: {
            200: { description: 'the files', content: { 'application/vnd.gapless.day-files': {} } },
            ...errors(400),
          },
        },
      },
      '/data/backfill/{source}/{subject}/{kind}/{granularity}/{file}': {
        get: {
          summary: 'One Parquet day file; ETag, If-None-Match and single byte ranges',
          parameters: [
            ...dayFileParams,
            param('range', 'header', 'bytes=a-b, a- or -n'),
            param('if-none-match', 'header', 'ETag from an earlier answer'),
          ],
          responses: {
            200: { description: 'the file', content: { 'application/vnd.apache.parquet': {} } },
            206: {
              description: 'the requested bytes',
              content: { 'application/vnd.apache.parquet': {} },
            },
            304: { description: 'unchanged' },
            ...errors(400, 404, 416),
          },
        },
      },
      '/api/v1/historical/{symbol}': {
        get: {
          summary:
            'Stored candles of a symbol, streamed (missing ranges are reported, not fetched)',
          parameters: [
            param(
              'symbol',
              'path',
              '`BTC%2FUSDT` (URL-encoded), `BTC-USDT` or `BTCUSDT`; configured subjects first, then tracked symbols',
            ),
            param('start', 'query', time, str(), true),
            param('end', 'query', `exclusive; default now; ${time}`),
            param('granularity', 'query', 'bar size offered by the feed', {
              type: 'string',
              default: '1m',
            }),
            param('source', 'query', 'feed; default the first configured feed with the symbol'),
            param('format', 'query', 'body format', {
              enum: ['json', 'csv', 'parquet'],
              default: 'json',
            }),
          ],
          responses: {
            200: {
              description:
                'JSON: the head then `rows`; CSV: `ts,ts_ms,open,high,low,close,volume`; Parquet: the store schema (ts_event, open, high, low, close, volume, meta)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      symbol: str(),
                      source: str(),
                      kind: { const: 'candle' },
                      granularity: str(),
                      start: str(),
                      end: str(),
                      start_ms: int,
                      end_ms: int,
                      complete: { type: 'boolean', description: 'no gaps in coverage' },
                      gap_count: int,
                      gaps: {
                        type: 'array',
                        items: range,
                        description: 'uncovered ranges, first 1000',
                      },
                      rows: { type: 'array', items: candle },
                    },
                  },
                },
                'text/csv': {},
                'application/vnd.apache.parquet': {},
              },
            },
            ...errors(400, 404),
          },
        },
      },
      '/api/v1/symbols': {
        get: {
          summary: 'Configured subjects and tracked symbols',
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  configured: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { symbol: str(), sources: { type: 'array', items: str() } },
                    },
                  },
                  tracked: { type: 'array', items: ref('TrackedSymbol') },
                },
              },
              'symbols',
            ),
          },
        },
      },
      '/api/v1/status': {
        get: {
          summary: 'Stored data summary',
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  symbols_available: int,
                  series: int,
                  total_records: int,
                  latest_data: nullable(str('end of the newest covered range')),
                  latest_data_ms: nullable(int),
                  validation_rate: nullable({
                    type: 'number',
                    description:
                      'covered share of each series between its first and last covered instant (1 = no holes)',
                  }),
                  damaged_files: {
                    type: 'integer',
                    minimum: 0,
                    description:
                      'day files with a damaged footer, or gone while coverage claims their rows (`gapless verify` names them, `--repair` moves them aside)',
                  },
                },
                required: ['damaged_files'],
              },
              'status',
            ),
          },
        },
      },
      '/api/v1/metrics': {
        get: {
          summary: 'Newest scheduled backfill and job counts',
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  last_backfill: nullable({
                    type: 'object',
                    properties: {
                      time: str(),
                      successful_symbols: int,
                      failed_symbols: int,
                      total_records_imported: int,
                    },
                  }),
                  jobs: { type: 'object', properties: { running: int, pending: int } },
                },
              },
              'metrics',
            ),
          },
        },
      },
      '/metrics': {
        get: {
          summary:
            'Prometheus metrics (backfill_jobs_in_progress, http_requests_total, http_request_duration_seconds, process)',
          responses: {
            200: { description: 'text exposition format', content: { 'text/plain': {} } },
          },
        },
      },
      '/api/v1/admin/symbols': {
        post: {
          summary: 'Track a symbol (needs X-API-Key)',
          security: [{ apiKey: [] }],
          requestBody: body(addSymbolBodySchema),
          responses: {
            201: json(ref('TrackedSymbol'), 'tracked'),
            ...errors(400, 401, 413, 415, 507),
          },
        },
      },
      '/api/v1/admin/symbols/{symbol}': {
        delete: {
          summary: 'Stop tracking a symbol (needs X-API-Key)',
          security: [{ apiKey: [] }],
          parameters: [param('symbol', 'path', '`SOL%2FUSDT`, `SOL-USDT` or `SOLUSDT`')],
          responses: {
            200: json(
              { type: 'object', properties: { symbol: str(), active: { const: false } } },
              'no longer tracked',
            ),
            ...errors(401, 404, 507),
          },
        },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: str('stable, for programs'),
                message: str('one line, for people'),
                job_id: str('JOB_RUNNING only'),
              },
            },
          },
        },
        JobView: jobView,
        Feed: always({
          source: str(),
          exchange: str(),
          asset_class: str(),
          subjects: { type: 'array', items: str() },
          kinds: { type: 'array', items: str() },
          granularities: { type: 'array', items: str() },
        }),
        TrackedSymbol: always({
          symbol: str(),
          asset_class: str(),
          active: { type: 'boolean' },
          created_at: str(),
        }),
        Health: always({
          status: { enum: ['ok', 'unavailable'] },
          scheduler_running: { type: 'boolean' },
          storage: { enum: ['ok', 'unreachable'] },
          database: { enum: ['ok', 'unreachable'] },
          database_mode: { enum: ['embedded', 'postgres'] },
        }),
      },
      responses: Object.fromEntries(
        [
          [400, 'bad input; the message names the field'],
          [401, 'missing or wrong X-API-Key'],
          [404, 'unknown feed, symbol, job or file'],
          [409, 'a job is already running (`job_id`), or the job already ended'],
          [413, 'body over 64 KiB'],
          [415, 'body is not JSON'],
          [416, 'range outside the file'],
          [507, 'the server is out of disk space (`DISK_FULL`)'],
          ['4XX', 'the request cannot be answered; the body says why'],
        ].map(([status, description]) => [`E${status}`, json(ref('Error'), String(description))]),
      ),
    },
  });
}

/** Stable operation ids, for generated clients; every documented operation has one. */
const OPERATION_IDS: Readonly<Record<string, string>> = {
  'get /': 'getHome',
  'get /openapi.json': 'getOpenApiDocument',
  'get /health': 'getHealth',
  'get /reports/backfill/feeds': 'listBackfillFeeds',
  'post /reports/backfill': 'createBackfillJob',
  'get /reports/backfill/jobs': 'listBackfillJobs',
  'get /reports/backfill/jobs/{id}': 'getBackfillJob',
  'post /reports/backfill/jobs/{id}/cancel': 'cancelBackfillJob',
  'get /data/backfill/index': 'listDataFiles',
  'get /data/backfill/bundle': 'getDataFileBundle',
  'get /assets/{file}': 'getConsoleAsset',
  'post /reports/backfill/preview': 'previewBackfill',
  'get /reports/backfill/coverage': 'getCoverageMap',
  'get /reports/backfill/runs': 'listScheduledRuns',
  'get /reports/backfill/chart': 'getChartBars',
  'get /data/backfill/{source}/{subject}/{kind}/{granularity}/{file}': 'getDataFile',
  'get /api/v1/historical/{symbol}': 'getHistorical',
  'get /api/v1/symbols': 'listSymbols',
  'get /api/v1/status': 'getStatus',
  'get /api/v1/metrics': 'getBackfillSummary',
  'get /metrics': 'getPrometheusMetrics',
  'post /api/v1/admin/symbols': 'addTrackedSymbol',
  'delete /api/v1/admin/symbols/{symbol}': 'removeTrackedSymbol',
};

/**
 * What every operation carries, added in one place: its operation id, an
 * explicit `security: []` when it is public (only the admin routes need a
 * key), and a `4XX` answer where no 4xx status is listed (any request can be
 * refused, always with the error body).
 */
function finish(doc: Schema): Schema {
  const paths = doc.paths as Record<string, Record<string, Schema>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const operationId = OPERATION_IDS[`${method} ${path}`];
      if (operationId === undefined) throw new Error(`no operationId for ${method} ${path}`);
      operation.operationId = operationId;
      operation.security ??= [];
      const responses = operation.responses as Schema;
      if (!Object.keys(responses).some((status) => status.startsWith('4'))) {
        responses['4XX'] = { $ref: '#/components/responses/E4XX' };
      }
    }
  }
  return doc;
}
