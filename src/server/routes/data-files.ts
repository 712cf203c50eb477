import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import { InvalidArgumentError, NotFoundError } from '../../core/errors.js';
import { parseGranularity } from '../../core/granularity.js';
import { makeSeries, type Series, seriesId } from '../../core/series.js';
import { DAY_MS, parseTime } from '../../core/time.js';
import {
  dayFilePath,
  isNotFound,
  parseDayFilePath,
  TRADE_GRANULARITY_DIR,
} from '../../storage/parquet-layout.js';
import type { AppEnv, ServerContext } from '../context.js';
import { fileBody, fileEtag, planFileResponse } from '../file-response.js';
import { httpError } from '../http-errors.js';
import { clip, parseQuery } from '../validation.js';

const text = z.string().min(1).max(100);

/** Query of `GET /data/backfill/index`. */
export const indexQuerySchema = z
  .object({
    source: text.optional(),
    subject: text.optional(),
    kind: z.enum(['candle', 'trade']).optional(),
    granularity: text.optional(),
    start: z.string().min(1).max(64).optional(),
    end: z.string().min(1).max(64).optional(),
  })
  .strict();

/** One manifest entry. */
export interface ManifestEntry {
  /** Relative to the data dir, `/`-separated and URL-ready: GET `/data/backfill/{path}`. */
  readonly path: string;
  readonly records: number;
  readonly size_bytes: number;
  /** UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** Hex SHA-256 of the file's bytes; a client's copy is current while it matches. */
  readonly sha256: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const UNSAFE_SEGMENT_RE = /[/\\\u0000-\u001f%]/;
const DAY_FILE_RE = /^(\d{4}-\d{2}-\d{2})\.parquet$/;

/** `GET /data/backfill/index` and `GET /data/backfill/{source}/{subject}/{kind}/{granularity}/{file}`. */
export function registerDataFileRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const store = ctx.service.providers.store;

  app.get('/data/backfill/index', async (c) => {
    const q = parseQuery(c, indexQuerySchema);
    const nowMs = ctx.nowMs();
    const startMs = q.start === undefined ? undefined : parseTime(q.start, 'start', nowMs);
    const endMs = q.end === undefined ? undefined : parseTime(q.end, 'end', nowMs);
    const granularity = q.granularity === undefined ? undefined : parseGranularity(q.granularity);
    const series = (await store.listSeries()).filter(
      (s) =>
        (q.source === undefined || s.source === q.source) &&
        (q.subject === undefined || s.subject === q.subject) &&
        (q.kind === undefined || s.kind === q.kind) &&
        (granularity === undefined || s.granularity === granularity),
    );
    const entries: ManifestEntry[] = [];
    for (const s of series) {
      const files = (await store.files(s)).filter((f) => {
        const dayMs = Date.parse(`${f.day}T00:00:00Z`);
        return (
          (startMs === undefined || dayMs + DAY_MS > startMs) &&
          (endMs === undefined || dayMs < endMs)
        );
      });
      const described = await ctx.index.describe(files.map((f) => f.path));
      for (const f of described) {
        const relative = path.relative(store.dataDir, f.path).split(path.sep).join('/');
        entries.push({
          path: relative,
          records: f.records,
          size_bytes: f.sizeBytes,
          date: DAY_FILE_RE.exec(path.basename(f.path))?.[1] ?? '',
          sha256: f.sha256,
        });
      }
    }
    return c.json(entries);
  });

  app.get('/data/backfill/:source/:subject/:kind/:granularity/:file', async (c) => {
    if (Object.keys(c.req.queries()).length > 0) {
      throw new InvalidArgumentError('this endpoint takes no query parameters', 'BAD_REQUEST');
    }
    const file = await resolveDayFile(store.dataDir, c.req.param());
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file.path, 'r');
    } catch (error) {
      if (isNotFound(error))
        throw new NotFoundError(
          `no file for ${seriesId(file.series)} on ${file.day}`,
          'FILE_NOT_FOUND',
        );
      throw error;
    }
    let handedOver = false;
    try {
      const s = await handle.stat();
      if (!s.isFile())
        throw new NotFoundError(
          `no file for ${seriesId(file.series)} on ${file.day}`,
          'FILE_NOT_FOUND',
        );
      const etag = fileEtag(s);
      const common = {
        etag,
        'last-modified': s.mtime.toUTCString(),
        'accept-ranges': 'bytes',
        'cache-control': 'no-cache',
      };
      const plan = planFileResponse(
        {
          ifNoneMatch: c.req.header('if-none-match'),
          range: c.req.header('range'),
          ifRange: c.req.header('if-range'),
        },
        etag,
        s.size,
      );
      if (plan.kind === 'not-modified') return c.body(null, 304, common);
      if (plan.kind === 'unsatisfiable') {
        c.header('content-range', `bytes */${s.size}`);
        throw httpError(
          416,
          `range '${clip(c.req.header('range') ?? '')}' is outside the file (${s.size} bytes)`,
        );
      }
      const [start, end] = plan.kind === 'partial' ? [plan.start, plan.end] : [0, s.size - 1];
      handedOver = true;
      const body = await fileBody(handle, start, end, s.size);
      const headers: Record<string, string> = {
        ...common,
        'content-type': 'application/vnd.apache.parquet',
        'content-length': String(end - start + 1),
        'content-disposition': `attachment; filename="${file.day}.parquet"`,
      };
      if (plan.kind === 'partial') {
        headers['content-range'] = `bytes ${start}-${end}/${s.size}`;
        return c.body(body, 206, headers);
      }
      return c.body(body, 200, headers);
    } finally {
      if (!handedOver) await handle.close();
    }
  });
}

/** Path parameters of a day file URL, decoded once by the router. */
interface FileParams {
  source?: string;
  subject?: string;
  kind?: string;
  granularity?: string;
  file?: string;
}

/**
 * Turns the five URL segments into a day file path that is provably inside
 * the data dir: each segment is checked, the series is rebuilt from its
 * decoded parts and re-encoded by the layout (so `..`, `/`, `\` and NUL
 * cannot survive as path syntax), the result must parse back to the same
 * series and day, and its real path (symlinks resolved) must stay under the
 * real data dir.
 *
 * `subject` is the subject URL-encoded as one segment (`BTC%2FUSDT`), which is
 * exactly the segment the manifest's `path` carries.
 */
async function resolveDayFile(
  dataDir: string,
  params: FileParams,
): Promise<{ series: Series; day: string; path: string }> {
  const { source = '', subject = '', kind = '', granularity = '', file = '' } = params;
  for (const [name, value] of Object.entries({ source, kind, granularity, file })) {
    if (
      value === '' ||
      value.length > 100 ||
      UNSAFE_SEGMENT_RE.test(value) ||
      value === '.' ||
      value === '..'
    ) {
      throw new InvalidArgumentError(`bad ${name} segment '${clip(value)}'`, 'BAD_PATH');
    }
  }
  const day = DAY_FILE_RE.exec(file)?.[1];
  if (day === undefined) {
    throw new InvalidArgumentError(
      `bad file name '${clip(file)}' (expected YYYY-MM-DD.parquet)`,
      'BAD_PATH',
    );
  }
  if (kind === 'trade' && granularity !== TRADE_GRANULARITY_DIR) {
    throw new InvalidArgumentError(
      `trade files live under '${TRADE_GRANULARITY_DIR}', got '${clip(granularity)}'`,
      'BAD_PATH',
    );
  }
  const series = makeSeries({
    source,
    subject,
    kind,
    granularity: kind === 'trade' ? undefined : granularity,
  });
  if (series.kind === 'candle' && series.granularity !== granularity) {
    throw new InvalidArgumentError(
      `granularity '${clip(granularity)}' is not canonical (use '${series.granularity}')`,
      'BAD_PATH',
    );
  }
  const full = dayFilePath(dataDir, series, day);
  const back = parseDayFilePath(dataDir, full);
  if (seriesId(back.series) !== seriesId(series) || back.day !== day) {
    throw new InvalidArgumentError('path does not name a day file of a series', 'BAD_PATH');
  }
  try {
    const [realRoot, realFile] = await Promise.all([realpath(dataDir), realpath(full)]);
    if (!realFile.startsWith(realRoot + path.sep)) {
      throw new InvalidArgumentError('path escapes the data dir', 'BAD_PATH');
    }
  } catch (error) {
    if (isNotFound(error))
      throw new NotFoundError(`no file for ${seriesId(series)} on ${day}`, 'FILE_NOT_FOUND');
    throw error;
  }
  return { series, day, path: full };
}
