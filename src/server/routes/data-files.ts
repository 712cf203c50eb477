import { open } from 'node:fs/promises';
import type { Hono } from 'hono';
import { z } from 'zod';
import { clip } from '../../core/clip.js';
import { InvalidArgumentError, NotFoundError } from '../../core/errors.js';
import { parseGranularity } from '../../core/granularity.js';
import type { ManifestEntry } from '../../core/manifest-entry.js';
import { seriesId } from '../../core/series.js';
import { parseTime } from '../../core/time.js';
import type { AppEnv, ServerContext } from '../context.js';
import { fileBody, fileEtag, planFileResponse } from '../file-response.js';
import { httpError } from '../http-errors.js';
import { parseQuery } from '../validation.js';

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

/** `GET /data/backfill/index` and `GET /data/backfill/{source}/{subject}/{kind}/{granularity}/{file}`. */
export function registerDataFileRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const store = ctx.service.store;

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
    const range = {
      startMs: startMs ?? Number.MIN_SAFE_INTEGER,
      endMs: endMs ?? Number.MAX_SAFE_INTEGER,
    };
    const entries: ManifestEntry[] = [];
    for (const s of series) {
      for (const f of await store.manifest(s, range)) {
        entries.push({
          path: f.path,
          records: f.records,
          size_bytes: f.sizeBytes,
          date: f.day,
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
    const file = await store.dayFile(c.req.param());
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file.absolutePath, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code === 'ENOENT')
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
