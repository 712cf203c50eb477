/** @module Reads `GET /data/backfill/bundle`: many day files of a series in one answer, split as it streams in. */
import { createHash } from 'node:crypto';
import { NotFoundError, SourceError } from '../core/errors.js';
import type { Series } from '../core/series.js';
import { type HttpGetOptions, httpGetStream } from './http-get.js';

/** Most days one bundle request names (the server's limit). */
export const MAX_BUNDLE_DAYS = 100;

// A header is a few dozen bytes of JSON; anything longer is not a bundle.
const MAX_HEADER_BYTES = 4096;

/** One day file out of a bundle. */
export interface BundledFile {
  readonly bytes: Uint8Array;
  /** Hex SHA-256 the server sent, checked against the bytes. */
  readonly sha256: string;
}

/**
 * GETs the day files of `days` in one request and hands each to `onFile` as
 * soon as its last byte is in and its hash checks (days the server no longer
 * has are absent). Resolves true when the answer is complete, false when the
 * server has no bundle route (an older one: pull then falls back to a
 * request per file). A damaged or cut answer rejects with a retryable
 * `SourceError`; the files handed over before it are whole and checked.
 */
export async function fetchBundle(
  baseUrl: string,
  series: Series,
  days: readonly string[],
  http: HttpGetOptions,
  onFile: (day: string, file: BundledFile) => void,
): Promise<boolean> {
  const query = new URLSearchParams({
    source: series.source,
    subject: series.subject,
    kind: series.kind,
  });
  if (series.granularity !== undefined) query.set('granularity', series.granularity);
  query.set('dates', days.join(','));
  const url = `${baseUrl}/data/backfill/bundle?${query}`;
  const reader = new BundleReader(url);
  try {
    await httpGetStream(url, http, (chunk) => reader.push(chunk, onFile));
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
  reader.end();
  return true;
}

/** Splits a whole bundle (per file a 4-byte big-endian header length, a JSON header, the bytes), checking each hash. */
export function parseBundle(body: Uint8Array, url: string): Map<string, BundledFile> {
  const out = new Map<string, BundledFile>();
  const reader = new BundleReader(url);
  reader.push(body, (day, file) => out.set(day, file));
  reader.end();
  return out;
}

/**
 * A bundle's files out of its bytes as they arrive, in any cuts: each file
 * is handed over whole, hashed, while later ones are still on the wire. Only
 * the unfinished tail of the last chunk is kept between chunks.
 */
export class BundleReader {
  readonly #url: string;
  #rest: Uint8Array = new Uint8Array(0);

  constructor(url: string) {
    this.#url = url;
  }

  /** Takes the next bytes; calls `onFile` for every file they complete. */
  push(chunk: Uint8Array, onFile: (day: string, file: BundledFile) => void): void {
    const data = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let at = 0;
    for (;;) {
      const frame = this.#frame(data, at);
      if (frame === undefined) break;
      const bytes = data.subarray(frame.start, frame.start + frame.size);
      if (createHash('sha256').update(bytes).digest('hex') !== frame.sha256) {
        this.#bad(`${frame.date} fails its hash`);
      }
      onFile(frame.date, { bytes, sha256: frame.sha256 });
      at = frame.start + frame.size;
    }
    // Copied: the tail must not pin the whole chunk it came in.
    this.#rest = data.slice(at);
  }

  /** Ends the answer: throws if it stopped inside a file. */
  end(): void {
    const rest = this.#rest;
    if (rest.length === 0) return;
    if (rest.length < 4) this.#bad('truncated header length');
    const header = this.#header(rest, 0);
    if (header === undefined) this.#bad('truncated header');
    this.#bad(`${header!.date} is truncated`);
  }

  // The frame starting at `at`, or undefined while its bytes are not all in.
  #frame(data: Uint8Array, at: number) {
    const header = this.#header(data, at);
    if (header === undefined || data.length < header.start + header.size) return undefined;
    return header;
  }

  #header(
    data: Uint8Array,
    at: number,
  ): { date: string; size: number; sha256: string; start: number } | undefined {
    if (data.length - at < 4) return undefined;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const headerLength = view.getUint32(at);
    if (headerLength > MAX_HEADER_BYTES) this.#bad('header too long');
    if (data.length - at - 4 < headerLength) return undefined;
    let header: { date?: unknown; size_bytes?: unknown; sha256?: unknown };
    try {
      header = JSON.parse(
        Buffer.from(data.buffer, data.byteOffset + at + 4, headerLength).toString(),
      );
    } catch {
      return this.#bad('header is not JSON');
    }
    const { date, size_bytes: size, sha256 } = header ?? {};
    if (
      typeof date !== 'string' ||
      typeof size !== 'number' ||
      !Number.isSafeInteger(size) ||
      size < 0 ||
      typeof sha256 !== 'string'
    ) {
      return this.#bad('header lacks date, size_bytes or sha256');
    }
    return { date, size, sha256, start: at + 4 + headerLength };
  }

  #bad(why: string): never {
    throw new SourceError(`${this.#url} answered a damaged bundle (${why})`, { retryable: true });
  }
}
