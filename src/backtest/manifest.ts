/** @module The `GET /data/backfill/index` manifest as the client reads it: validated, filtered to one series. */
import { z } from 'zod';
import { SourceError } from '../core/errors.js';
import type { Series } from '../core/series.js';
import { dayFileKey } from './cache-layout.js';
import { type HttpGetOptions, httpGet } from './http-get.js';

/** One day file the server holds. */
export interface ManifestFile {
  /** Manifest path, relative and `/`-separated: GET `/data/backfill/{key}`. */
  readonly key: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly sizeBytes: number;
  readonly records: number;
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

const entrySchema = z.object({
  path: z.string().min(1),
  records: z.number().int().nonnegative(),
  size_bytes: z.number().int().nonnegative(),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const manifestSchema = z.array(entrySchema);

/** The raw manifest entries matching `query` (no validation of their series). */
export async function fetchManifestEntries(
  baseUrl: string,
  query: Record<string, string>,
  http: HttpGetOptions,
): Promise<z.infer<typeof manifestSchema>> {
  const url = `${baseUrl}/data/backfill/index?${new URLSearchParams(query)}`;
  const body = await httpGet(url, http);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch (cause) {
    throw new SourceError(`${url} did not answer JSON`, { retryable: false, cause });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    const hint = where.endsWith('sha256') ? ' (is the server older than the content hashes?)' : '';
    throw new SourceError(
      `${url} answered a manifest this client cannot use: ${where} ${issue?.message ?? ''}${hint}`,
      { retryable: false },
    );
  }
  return result.data;
}

/**
 * Every day file of `series` the server lists, sorted by day. Entries whose
 * path is not exactly the series' canonical path are dropped: the cache
 * writes only paths it built itself, whatever a server sends.
 */
export async function fetchSeriesManifest(
  baseUrl: string,
  series: Series,
  http: HttpGetOptions,
): Promise<ManifestFile[]> {
  const query: Record<string, string> = {
    source: series.source,
    subject: series.subject,
    kind: series.kind,
  };
  if (series.granularity !== undefined) query.granularity = series.granularity;
  const entries = await fetchManifestEntries(baseUrl, query, http);
  const files: ManifestFile[] = [];
  for (const e of entries) {
    const key = dayFileKey(series, e.date);
    if (e.path !== key) continue;
    files.push({
      key,
      day: e.date,
      sizeBytes: e.size_bytes,
      records: e.records,
      sha256: e.sha256,
    });
  }
  return files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}
