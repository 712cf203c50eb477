/** @module Where a pulled day file lives in the cache: the server's own layout, so DuckDB or polars read the cache dir unchanged. */
import path from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import type { Series } from '../core/series.js';

const DAY_FILE_RE = /^(\d{4}-\d{2}-\d{2})\.parquet$/;
const TRADE_GRANULARITY_DIR = 'tick';

/**
 * One path segment, encoded exactly as the server's data dir encodes it
 * (`BTC/USDT` -> `BTC%2FUSDT`; glob and quoting characters and a leading dot
 * escaped too), so a manifest path and a cache path are the same string.
 */
export function encodeSegment(text: string): string {
  if (text === '') throw new InvalidArgumentError('empty path segment', 'BAD_PATH');
  const encoded = encodeURIComponent(text).replace(
    /[*!'()~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encoded.startsWith('.') ? `%2E${encoded.slice(1)}` : encoded;
}

/** The four directory segments of a series: source, subject, kind, granularity. */
export function seriesSegments(series: Series): [string, string, string, string] {
  return [
    encodeSegment(series.source),
    encodeSegment(series.subject),
    series.kind,
    series.kind === 'trade' ? TRADE_GRANULARITY_DIR : encodeSegment(series.granularity ?? ''),
  ];
}

/** The manifest path (`/`-separated, URL-ready) of a day file of `series`. */
export function dayFileKey(series: Series, day: string): string {
  return [...seriesSegments(series), `${day}.parquet`].join('/');
}

/** Where the day file `key` (see {@link dayFileKey}) is cached under `cacheDir`. */
export function cachedPath(cacheDir: string, key: string): string {
  return path.join(cacheDir, ...key.split('/'));
}

/** The directory holding the cached day files of `series`. */
export function cachedSeriesDir(cacheDir: string, series: Series): string {
  return path.join(cacheDir, ...seriesSegments(series));
}

/** The `YYYY-MM-DD` of a day file name, or undefined for any other name. */
export function dayOfFileName(name: string): string | undefined {
  return DAY_FILE_RE.exec(name)?.[1];
}
