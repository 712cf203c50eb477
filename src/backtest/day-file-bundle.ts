/** @module Reads `GET /data/backfill/bundle`: many day files of a series in one answer, split as it streams in. */
import { createHash, type Hash } from 'node:crypto';
import { NotFoundError, SourceError } from '../core/errors.js';
import type { Series } from '../core/series.js';
import { type HttpGetOptions, httpGetStream } from './http-get.js';

/** Most days one bundle request names (the server's limit). */
export const MAX_BUNDLE_DAYS = 100;

// A header is a few dozen bytes of JSON; anything longer is not a bundle.
const MAX_HEADER_BYTES = 4096;

/** One day file out of a bundle, as the pieces it arrived in (slices of the received chunks, not copied). */
export interface BundledFile {
  readonly parts: readonly Uint8Array[];
  readonly size: number;
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

// The file being received: its header, and its bytes and hash so far.
interface Incoming {
  readonly date: string;
  readonly size: number;
  readonly sha256: string;
  readonly parts: Uint8Array[];
  readonly hash: Hash;
  got: number;
}

/**
 * A bundle's files out of its bytes as they arrive, in any cuts: each file
 * is handed over whole, hashed, while later ones are still on the wire. A
 * file's bytes are never copied: it is handed over as slices of the chunks
 * it came in (a pull writes them with one `writev`), and only a header cut
 * between two chunks is joined.
 */
export class BundleReader {
  readonly #url: string;
  // Bytes of the next header read so far (its length, then its JSON).
  #head: Uint8Array = new Uint8Array(0);
  #file: Incoming | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  /** Takes the next bytes; calls `onFile` for every file they complete. */
  push(chunk: Uint8Array, onFile: (day: string, file: BundledFile) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const file = this.#file;
      if (file === undefined) {
        at = this.#readHead(chunk, at, onFile);
        continue;
      }
      const part = chunk.subarray(at, at + Math.min(file.size - file.got, chunk.length - at));
      file.parts.push(part);
      file.hash.update(part);
      file.got += part.length;
      at += part.length;
      if (file.got === file.size) this.#finish(onFile);
    }
  }

  /** Ends the answer: throws if it stopped inside a file. */
  end(): void {
    if (this.#file !== undefined) this.#bad(`${this.#file.date} is truncated`);
    if (this.#head.length === 0) return;
    this.#bad(this.#head.length < 4 ? 'truncated header length' : 'truncated header');
  }

  // Takes header bytes from `chunk` at `at`; starts the file once its header is whole.
  #readHead(
    chunk: Uint8Array,
    at: number,
    onFile: (day: string, file: BundledFile) => void,
  ): number {
    const have = this.#head.length;
    const want = have < 4 ? 4 : 4 + this.#headerLength();
    const end = Math.min(chunk.length, at + want - have);
    this.#head =
      have === 0 ? chunk.slice(at, end) : Buffer.concat([this.#head, chunk.subarray(at, end)]);
    if (this.#head.length >= 4 && this.#head.length === 4 + this.#headerLength()) {
      const file = this.#start(this.#head.subarray(4));
      this.#head = new Uint8Array(0);
      this.#file = file;
      if (file.size === 0) this.#finish(onFile);
    }
    return end;
  }

  // The JSON header's length, from the first 4 bytes of the head.
  #headerLength(): number {
    const length = new DataView(this.#head.buffer, this.#head.byteOffset, 4).getUint32(0);
    if (length > MAX_HEADER_BYTES) this.#bad('header too long');
    return length;
  }

  // The file a whole header announces.
  #start(json: Uint8Array): Incoming {
    let header: { date?: unknown; size_bytes?: unknown; sha256?: unknown };
    try {
      header = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.length).toString());
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
    return { date, size, sha256, parts: [], hash: createHash('sha256'), got: 0 };
  }

  #finish(onFile: (day: string, file: BundledFile) => void): void {
    const { date, size, sha256, parts, hash } = this.#file!;
    this.#file = undefined;
    if (hash.digest('hex') !== sha256) this.#bad(`${date} fails its hash`);
    onFile(date, { parts, size, sha256 });
  }

  #bad(why: string): never {
    throw new SourceError(`${this.#url} answered a damaged bundle (${why})`, { retryable: true });
  }
}
