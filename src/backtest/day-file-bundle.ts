/** @module Reads `GET /data/backfill/bundle`: many day files of a series in one answer. */
import { createHash } from 'node:crypto';
import { NotFoundError, SourceError } from '../core/errors.js';
import type { Series } from '../core/series.js';
import { type HttpGetOptions, httpGet } from './http-get.js';

/** Most days one bundle request names (the server's limit). */
export const MAX_BUNDLE_DAYS = 100;

/** One day file out of a bundle. */
export interface BundledFile {
  readonly bytes: Uint8Array;
  /** Hex SHA-256 the server sent, checked against the bytes. */
  readonly sha256: string;
}

/**
 * The day files of `days` in one request, by day (days the server no longer
 * has are absent), or undefined when the server has no bundle route (an
 * older one: pull then falls back to a request per file). Each file's bytes
 * are checked against the hash in its header.
 */
export async function fetchBundle(
  baseUrl: string,
  series: Series,
  days: readonly string[],
  http: HttpGetOptions,
): Promise<Map<string, BundledFile> | undefined> {
  const query = new URLSearchParams({
    source: series.source,
    subject: series.subject,
    kind: series.kind,
  });
  if (series.granularity !== undefined) query.set('granularity', series.granularity);
  query.set('dates', days.join(','));
  const url = `${baseUrl}/data/backfill/bundle?${query}`;
  let body: Uint8Array;
  try {
    body = await httpGet(url, http);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  return parseBundle(body, url);
}

/** Splits a bundle: per file a 4-byte big-endian header length, a JSON header, the bytes. */
export function parseBundle(body: Uint8Array, url: string): Map<string, BundledFile> {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const decoder = new TextDecoder();
  const out = new Map<string, BundledFile>();
  const bad = (why: string): never => {
    throw new SourceError(`${url} answered a damaged bundle (${why})`, { retryable: true });
  };
  for (let at = 0; at < body.length; ) {
    if (at + 4 > body.length) bad('truncated header length');
    const headerLength = view.getUint32(at);
    at += 4;
    if (at + headerLength > body.length) bad('truncated header');
    let header: { date?: unknown; size_bytes?: unknown; sha256?: unknown };
    try {
      header = JSON.parse(decoder.decode(body.subarray(at, at + headerLength)));
    } catch {
      return bad('header is not JSON');
    }
    at += headerLength;
    const { date, size_bytes: size, sha256 } = header;
    if (typeof date !== 'string' || typeof size !== 'number' || typeof sha256 !== 'string') {
      return bad('header lacks date, size_bytes or sha256');
    }
    if (at + size > body.length) bad(`${date} is truncated`);
    const bytes = body.subarray(at, at + size);
    at += size;
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) bad(`${date} fails its hash`);
    out.set(date, { bytes, sha256 });
  }
  return out;
}
