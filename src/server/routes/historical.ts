import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { z } from 'zod';
import { InvalidArgumentError } from '../../core/errors.js';
import { parseGranularity } from '../../core/granularity.js';
import { makeRange, type Range } from '../../core/range-math.js';
import { makeSeries, type Series, seriesId } from '../../core/series.js';
import { DAY_MS, parseTime } from '../../core/time.js';
import type { AppEnv, ServerContext } from '../context.js';
import { type HistoryMeta, historyChunks, type TextFormat } from '../history-body.js';
import { resolveSymbol } from '../symbol-lookup.js';
import { parseQuery } from '../validation.js';

const text = z.string().min(1).max(64);

/** Query of `GET /api/v1/historical/{symbol}`. */
export const historicalQuerySchema = z
  .object({
    start: text,
    end: text.optional(),
    granularity: text.default('1m'),
    source: text.optional(),
    format: z.enum(['json', 'csv', 'parquet']).default('json'),
  })
  .strict();

/** Ranges up to this long are cached encoded (the hot path of dashboards and backtests). */
const CACHE_MAX_MS = 2 * DAY_MS;

const CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
} as const;

/** `GET /api/v1/historical/{symbol}`: stored candles as streamed JSON, CSV or Parquet. */
export function registerHistoricalRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { service } = ctx;
  const store = service.store;

  app.get('/api/v1/historical/:symbol', async (c) => {
    const query = parseQuery(c, historicalQuerySchema);
    const symbol = c.req.param('symbol');
    const { feed, subject } = await resolveSymbol(
      service.config,
      service.repos.symbols,
      symbol,
      query.source,
    );
    const granularity = parseGranularity(query.granularity);
    if (!feed.granularities.some((g) => parseGranularity(g) === granularity)) {
      throw new InvalidArgumentError(
        `feed '${feed.source}' does not offer granularity '${granularity}' (offered: ${feed.granularities.join(', ')})`,
        'BAD_GRANULARITY',
      );
    }
    if (!feed.kinds.includes('candle')) {
      throw new InvalidArgumentError(`feed '${feed.source}' has no candles`, 'BAD_KIND');
    }
    const series = makeSeries({ source: feed.source, subject, kind: 'candle', granularity });
    const range = requestRange(ctx, query.start, query.end);
    const meta: HistoryMeta = { symbol: subject, series, range };
    const filename = `${subject.replace(/[^A-Za-z0-9]+/g, '-')}_${granularity}_${range.startMs}_${range.endMs}`;

    if (query.format === 'parquet') {
      const body = await exportedParquet(store, series, range);
      return c.body(body.stream, 200, {
        'content-type': CONTENT_TYPES.parquet,
        'content-length': String(body.sizeBytes),
        'content-disposition': `attachment; filename="${filename}.parquet"`,
      });
    }
    const format: TextFormat = query.format;
    const headers = { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-cache' };
    if (range.endMs - range.startMs <= CACHE_MAX_MS) {
      const key = `${seriesId(series)}|${range.startMs}|${range.endMs}|${format}`;
      const signature = store.version(series, range);
      let body = ctx.historyCache.get(key, signature);
      if (body === undefined) {
        let textBody = '';
        for await (const chunk of historyChunks(store, meta, format)) textBody += chunk;
        body = Buffer.from(textBody, 'utf8');
        // Files changed while we read: do not keep what may be a mix of both.
        if (store.version(series, range) === signature) {
          ctx.historyCache.set(key, signature, body);
        }
      }
      return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
    }
    // Once streaming, a failure can only cut the answer short: a damaged file
    // the footers show is an error answer instead (cached per file, ~1 ms a year).
    await store.assertIntact?.(series, range);
    return c.body(streamOf(historyChunks(store, meta, format)), 200, headers);
  });
}

/** Parses `start`/`end` (default now) and enforces `server.max_range_days`. */
export function requestRange(ctx: ServerContext, start: string, end: string | undefined): Range {
  const nowMs = ctx.nowMs();
  const range = makeRange(
    parseTime(start, 'start', nowMs),
    parseTime(end ?? 'now', 'end', nowMs),
    'start/end',
  );
  const maxDays = ctx.service.config.server.max_range_days;
  if (range.endMs - range.startMs > maxDays * DAY_MS) {
    throw new InvalidArgumentError(
      `range of ${Math.ceil((range.endMs - range.startMs) / DAY_MS)} days is longer than server.max_range_days (${maxDays})`,
      'RANGE_TOO_LARGE',
    );
  }
  return range;
}

const encoder = new TextEncoder();

/** A byte stream pulling one chunk at a time, so a slow client slows the reads. */
function streamOf(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/**
 * Exports the range to a temp Parquet file and streams it; the file and its
 * directory are removed once the stream ends or the client goes away.
 */
async function exportedParquet(
  store: ServerContext['service']['store'],
  series: Series,
  range: Range,
): Promise<{ stream: ReadableStream<Uint8Array>; sizeBytes: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gapless-export-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, 'export.parquet');
    await store.exportParquet(series, range, file);
    const { size } = await stat(file);
    const nodeStream = createReadStream(file);
    nodeStream.once('close', () => void cleanup());
    return { stream: Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>, sizeBytes: size };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
