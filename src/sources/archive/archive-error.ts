/** @module Typed errors of archive files: each makes the engine take the file's range over REST. */
import { SourceError } from '../../core/errors.js';

/** Why an archive file could not be used. */
export const ARCHIVE_ERROR_CODES = [
  /** The file (or its `.CHECKSUM`) is not published: 404. */
  'ARCHIVE_NOT_FOUND',
  /** The zip's SHA-256 is not the one its `.CHECKSUM` names. */
  'ARCHIVE_CHECKSUM_MISMATCH',
  /** The zip or its CSV cannot be read: cut, not a zip, a bad row, a time no unit explains. */
  'ARCHIVE_CORRUPT',
  /** The download failed (connection, timeout, 5xx). */
  'ARCHIVE_UNAVAILABLE',
  /** A sample of the file disagrees with the exchange's REST API. */
  'ARCHIVE_CROSS_CHECK_FAILED',
] as const;

/** One of {@link ARCHIVE_ERROR_CODES}. */
export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[number];

/**
 * An archive file that cannot be used. Retryable in the sense that REST can
 * still serve its range: the archive fetcher falls back, it never stores
 * rows of such a file.
 */
export class ArchiveError extends SourceError {
  declare readonly code: ArchiveErrorCode;

  constructor(
    code: ArchiveErrorCode,
    message: string,
    options: { cause?: unknown; httpStatus?: number } = {},
  ) {
    super(message, {
      code,
      retryable: code !== 'ARCHIVE_NOT_FOUND',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.httpStatus === undefined ? {} : { httpStatus: options.httpStatus }),
    });
  }
}
