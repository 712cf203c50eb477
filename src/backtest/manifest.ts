/** @module The `GET /data/backfill/index` manifest as the client reads it: validated, filtered to one series. */
import { SourceError } from '../core/errors.js';
import type { ManifestEntry } from '../core/manifest-entry.js';
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

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** The raw manifest entries matching `query` (no validation of their series). */
export async function fetchManifestEntries(
  baseUrl: string,
  query: Record<string, string>,
  http: HttpGetOptions,
): Promise<ManifestEntry[]> {
  const url = `${baseUrl}/data/backfill/index?${new URLSearchParams(query)}`;
  const body = await httpGet(url, http);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch (cause) {
    throw new SourceError(`${url} did not answer JSON`, { retryable: false, cause });
  }
  const problem = manifestProblem(parsed);
  if (problem !== undefined) {
    const hint = problem.includes('.sha256 ')
      ? ' (is the server older than the content hashes?)'
      : '';
    throw new SourceError(`${url} answered a manifest this client cannot use: ${problem}${hint}`, {
      retryable: false,
    });
  }
  return parsed as ManifestEntry[];
}

// What is wrong with a manifest (`3.sha256 expected 64 hex digits`), or undefined. By hand,
// not with a schema library: a year is 365 entries, which zod takes ~6 ms to check.
function manifestProblem(parsed: unknown): string | undefined {
  if (!Array.isArray(parsed)) return 'expected an array';
  const whole = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  for (let i = 0; i < parsed.length; i++) {
    const e = parsed[i] as Partial<Record<keyof ManifestEntry, unknown>> | null;
    if (e === null || typeof e !== 'object') return `${i} expected an object`;
    if (typeof e.path !== 'string' || e.path.length === 0) return `${i}.path expected a path`;
    if (!whole(e.records)) return `${i}.records expected a whole number >= 0`;
    if (!whole(e.size_bytes)) return `${i}.size_bytes expected a whole number >= 0`;
    if (typeof e.date !== 'string' || !DATE_RE.test(e.date)) return `${i}.date expected YYYY-MM-DD`;
    if (typeof e.sha256 !== 'string' || !SHA256_RE.test(e.sha256)) {
      return `${i}.sha256 expected 64 hex digits`;
    }
  }
  return undefined;
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
