/** @module `GET /data/backfill/bundle`: many day files of one series in one answer, for bulk pulls. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { makeSeries } from '../../core/series.js';
import type { AppEnv, ServerContext } from '../context.js';
import { parseQuery } from '../validation.js';

/** Most days one bundle carries: bounds the answer and the URL. */
export const MAX_BUNDLE_DAYS = 100;

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const GROUP = 16;
const text = z.string().min(1).max(100);

/** Query of `GET /data/backfill/bundle`. */
export const bundleQuerySchema = z
  .object({
    source: text,
    subject: text,
    kind: z.enum(['candle', 'trade']),
    granularity: text.optional(),
    dates: z
      .string()
      .min(10)
      .max(MAX_BUNDLE_DAYS * 11)
      .transform((v) => v.split(','))
      .refine((days) => days.length <= MAX_BUNDLE_DAYS && days.every((d) => DAY_RE.test(d)), {
        message: `expected up to ${MAX_BUNDLE_DAYS} comma-separated YYYY-MM-DD days`,
      }),
  })
  .strict();

/** Content type of a bundle. */
export const BUNDLE_CONTENT_TYPE = 'application/vnd.gapless.day-files';

/**
 * `GET /data/backfill/bundle?source&subject&kind&granularity&dates=D1,D2,...`:
 * the series' day files of those days (missing days are left out), one after
 * another, each as a 4-byte big-endian header length, a JSON header
 * `{ date, size_bytes, sha256 }` and the file's bytes. One request instead of
 * one per file: a year of 1m day files is 365 files of ~25 kB, where the
 * per-request cost, not the bytes, bounds a pull. Days come from the store's
 * own list, never from the request.
 */
export function registerDataBundleRoute(app: Hono<AppEnv>, ctx: ServerContext): void {
  const store = ctx.service.store;
  app.get('/data/backfill/bundle', async (c) => {
    const q = parseQuery(c, bundleQuerySchema);
    const series = makeSeries(q);
    const wanted = new Set(q.dates);
    const days = (await store.days(series)).filter((day) => wanted.has(day));
    let next = 0;
    // Files are read GROUP at a time, which bounds the memory. Each file's bytes go out as
    // read, after a small header: copying them into one chunk per group cost more (a second
    // buffer per file, and the major GCs its external memory brings: a third of the
    // server's CPU) than the stream spends on two chunks a file, which the socket batches.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next >= days.length) {
          controller.close();
          return;
        }
        const group = days.slice(next, next + GROUP);
        next += group.length;
        for (const day of group) {
          const file = await store.readDay(series, day);
          if (file === undefined) continue;
          controller.enqueue(frameHeader(day, file.bytes.length, file.sha256));
          controller.enqueue(file.bytes);
        }
      },
    });
    return c.body(body, 200, { 'content-type': BUNDLE_CONTENT_TYPE, 'cache-control': 'no-cache' });
  });
}

/** A file's frame header: its 4-byte big-endian length, then `{ date, size_bytes, sha256 }` as JSON. */
function frameHeader(day: string, sizeBytes: number, sha256: string): Buffer {
  const json = JSON.stringify({ date: day, size_bytes: sizeBytes, sha256 });
  const header = Buffer.allocUnsafe(4 + Buffer.byteLength(json));
  header.writeUInt32BE(header.length - 4, 0);
  header.write(json, 4, 'utf8');
  return header;
}
