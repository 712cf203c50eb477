/**
 * @module A full disk (or an exhausted quota), told apart from other storage
 * failures wherever it surfaces: Node's file calls, DuckDB's writer, a thread.
 */
import { StorageError } from '../core/errors.js';

/** The errno codes that mean "no room left to write". */
export const DISK_FULL_CODES = ['ENOSPC', 'EDQUOT'] as const;

/** One of {@link DISK_FULL_CODES}. */
export type DiskFullCode = (typeof DISK_FULL_CODES)[number];

const MEANING: Record<DiskFullCode, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
};

// DuckDB (and anything else that only keeps the C library's text) says it in words.
const BY_TEXT: readonly [RegExp, DiskFullCode][] = [
  [/\bENOSPC\b|no space left on device/i, 'ENOSPC'],
  [/\bEDQUOT\b|disk quota exceeded/i, 'EDQUOT'],
];

/**
 * Writing the data dir failed for want of space. One line names the dir and
 * the cause: `disk full: no space left on device writing data dir /srv/data (ENOSPC)`.
 * Category `storage` (CLI exit 5), code `DISK_FULL`.
 */
export class DiskFullError extends StorageError {
  /** The data dir that could not be written. */
  readonly dataDir: string;
  /** Which errno said so. */
  readonly errno: DiskFullCode;

  constructor(dataDir: string, errno: DiskFullCode, cause?: unknown) {
    super(
      `disk full: ${MEANING[errno]} writing data dir ${dataDir} (${errno})`,
      { cause },
      'DISK_FULL',
    );
    this.dataDir = dataDir;
    this.errno = errno;
  }
}

/**
 * `ENOSPC` or `EDQUOT` when `error` or any error in its `cause` chain says the
 * disk is full (by errno code, or in words for DuckDB), else undefined.
 */
export function diskFullCode(error: unknown): DiskFullCode | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Object && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (e instanceof DiskFullError) return e.errno;
    const code = (e as { code?: unknown }).code;
    if (DISK_FULL_CODES.includes(code as DiskFullCode)) return code as DiskFullCode;
    const message = (e as { message?: unknown }).message;
    if (typeof message !== 'string') continue;
    for (const [pattern, found] of BY_TEXT) if (pattern.test(message)) return found;
  }
  return undefined;
}

/**
 * `error` as a {@link DiskFullError} naming `dataDir` when the disk is full,
 * else `error` unchanged: for the catch of every write into the data dir.
 * @example
 * await writeDayFiles().catch((error) => { throw asDiskFull(error, dataDir); });
 */
export function asDiskFull(error: unknown, dataDir: string): unknown {
  if (error instanceof DiskFullError) return error;
  const errno = diskFullCode(error);
  return errno === undefined ? error : new DiskFullError(dataDir, errno, error);
}
