import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** What to answer for a file request after conditional and range headers. */
export type FilePlan =
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number };

/** A strong ETag from file identity: writers replace files by rename, so it changes on every write. */
export function fileEtag(s: Stats): string {
  return `"${s.ino.toString(36)}-${s.size.toString(36)}-${Math.trunc(s.mtimeMs).toString(36)}"`;
}

/** Whether an `If-None-Match` header matches the ETag (`*`, or one of a list, weak or strong). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Decides the answer from `If-None-Match`, `Range` and `If-Range` (RFC 9110).
 * Only one `bytes` range is served; several ranges, or a syntax we do not
 * know, get the whole file (which the RFC allows).
 */
export function planFileResponse(
  headers: {
    ifNoneMatch?: string | undefined;
    range?: string | undefined;
    ifRange?: string | undefined;
  },
  etag: string,
  sizeBytes: number,
): FilePlan {
  if (etagMatches(headers.ifNoneMatch, etag)) return { kind: 'not-modified' };
  const range = headers.range;
  if (range === undefined) return { kind: 'full' };
  if (headers.ifRange !== undefined && headers.ifRange.trim() !== etag) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
  if (match === null) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first.length > 15 || last.length > 15) return { kind: 'unsatisfiable' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || sizeBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, sizeBytes - suffix), end: sizeBytes - 1 };
  }
  const start = Number(first);
  const end = last === '' ? sizeBytes - 1 : Math.min(Number(last), sizeBytes - 1);
  if (start >= sizeBytes || (last !== '' && Number(last) < start)) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

// Small files are read whole: one read beats a stream's setup and chunking.
const READ_WHOLE_MAX = 1024 * 1024;

/**
 * The bytes `[start, end]` of an open file as one buffer (small, whole
 * files) or a web stream. Takes over the handle: it is closed when the body
 * is read or the stream ends. Reading from the handle that was `fstat`ed
 * keeps ETag and bytes consistent even if a writer renames a new file in.
 */
export async function fileBody(
  handle: FileHandle,
  start: number,
  end: number,
  sizeBytes: number,
): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  if (start === 0 && end === sizeBytes - 1 && sizeBytes <= READ_WHOLE_MAX) {
    try {
      const bytes = Buffer.allocUnsafe(sizeBytes);
      let read = 0;
      while (read < sizeBytes) {
        const { bytesRead } = await handle.read(bytes, read, sizeBytes - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return bytes.subarray(0, read) as Uint8Array<ArrayBuffer>;
    } finally {
      await handle.close();
    }
  }
  const stream = handle.createReadStream({ start, end, highWaterMark: 256 * 1024 });
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
