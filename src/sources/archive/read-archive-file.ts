/** @module Downloads one archive file, verifies it against its `.CHECKSUM` and parses it, streaming. */
import { createHash } from 'node:crypto';
import { type ArchiveFile, archiveFileName, archiveFilePath } from '../../core/archive-layout.js';
import { ArchiveError } from './archive-error.js';
import type { ArchiveParser, ParsedArchive } from './kline-csv-parser.js';
import { ZipEntryReader } from './zip-entry-reader.js';

/** Options of {@link readArchiveFile}. */
export interface ReadArchiveOptions {
  /** The archive's root, e.g. `https://data.binance.vision`. */
  readonly baseUrl: string;
  readonly signal?: AbortSignal | undefined;
  /** Bounds the whole download of one file, body included. */
  readonly timeoutMs: number;
}

/**
 * Reads one archive file: its `.CHECKSUM` and the zip at once, the zip hashed,
 * unzipped and parsed as it streams in (no temporary file, one file's rows
 * in memory). The rows are returned only once the SHA-256 of the whole zip
 * matches the checksum, so a caller never stores rows of a bad file.
 * Throws {@link ArchiveError}: `ARCHIVE_NOT_FOUND` (404),
 * `ARCHIVE_CHECKSUM_MISMATCH`, `ARCHIVE_CORRUPT`, `ARCHIVE_UNAVAILABLE`.
 */
export async function readArchiveFile<T>(
  file: ArchiveFile,
  parser: ArchiveParser<T>,
  options: ReadArchiveOptions,
): Promise<ParsedArchive<T>> {
  const name = archiveFileName(file);
  const url = `${options.baseUrl.replace(/\/+$/, '')}/${archiveFilePath(file)}`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  // Checksum and zip are asked at once: one round trip per file, not two.
  const checksum = get(`${url}.CHECKSUM`, `${name}.CHECKSUM`, signal).then((r) => r.text());
  checksum.catch(() => {});
  const response = await get(url, name, signal);
  if (response.body === null) throw new ArchiveError('ARCHIVE_CORRUPT', `${name}: empty answer`);
  const hash = createHash('sha256');
  const zip = new ZipEntryReader((csv) => parser.push(csv), name);
  let unzipError: unknown;
  try {
    const reader = response.body.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const chunk = next.value;
      hash.update(chunk);
      // After a bad zip the bytes are still hashed: a wrong checksum is the clearer report.
      if (unzipError === undefined) await zip.write(chunk).catch((e: unknown) => (unzipError = e));
    }
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new ArchiveError('ARCHIVE_UNAVAILABLE', `${name}: download failed`, { cause });
  }
  const actual = hash.digest('hex');
  const expected = /^[0-9a-f]{64}\b/i.exec((await checksum).trim())?.[0]?.toLowerCase();
  if (expected === undefined) {
    throw new ArchiveError('ARCHIVE_CORRUPT', `${name}.CHECKSUM holds no SHA-256`);
  }
  if (actual !== expected) {
    throw new ArchiveError(
      'ARCHIVE_CHECKSUM_MISMATCH',
      `${name}: SHA-256 ${actual.slice(0, 12)}… is not the .CHECKSUM's ${expected.slice(0, 12)}…`,
    );
  }
  if (unzipError !== undefined) throw unzipError;
  await zip.end();
  return parser.end();
}

async function get(url: string, what: string, signal: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    if (
      signal.aborted &&
      !(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError')
    ) {
      throw signal.reason;
    }
    throw new ArchiveError('ARCHIVE_UNAVAILABLE', `${what}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (response.status === 404 || response.status === 403) {
    await response.body?.cancel();
    // S3-backed archives answer 403 for a key that does not exist.
    throw new ArchiveError('ARCHIVE_NOT_FOUND', `${what}: not published (${response.status})`, {
      httpStatus: response.status,
    });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ArchiveError('ARCHIVE_UNAVAILABLE', `${what}: HTTP ${response.status}`, {
      httpStatus: response.status,
    });
  }
  return response;
}
