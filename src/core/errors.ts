/**
 * What kind of failure an error is: the one thing the HTTP status mapper and
 * the CLI exit-code mapper read, so they cannot drift apart.
 */
export const ERROR_CATEGORIES = [
  'bad_input',
  'unauthorized',
  'not_found',
  'conflict',
  'upstream',
  'storage',
  'cancelled',
  'internal',
] as const;

/** An error category. */
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Options shared by every gapless error. */
export interface GaplessErrorOptions {
  /** The underlying error, kept for logs; never shown to users as a stack. */
  cause?: unknown;
  /** Overrides the class's category. */
  category?: ErrorCategory;
}

/**
 * Base of every error gapless raises on purpose. `code` is stable and meant
 * for programs (HTTP bodies, CLI exit codes); `message` is one line for people.
 */
export class GaplessError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;

  constructor(code: string, message: string, options: GaplessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = options.category ?? new.target.defaultCategory;
  }

  /** The category of errors of this class unless the constructor names one. */
  static defaultCategory: ErrorCategory = 'internal';
}

/** The category of any thrown value: `internal` for anything not a gapless error. */
export function errorCategory(error: unknown): ErrorCategory {
  return error instanceof GaplessError ? error.category : 'internal';
}

/** A caller passed something malformed: a bad date, range, granularity or series. */
export class InvalidArgumentError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'bad_input';

  constructor(message: string, code = 'INVALID_ARGUMENT', options?: GaplessErrorOptions) {
    super(code, message, options);
  }
}

/** The configuration (file, env or flags) is invalid; the message names the key. */
export class ConfigError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'bad_input';

  constructor(message: string, options?: GaplessErrorOptions) {
    super('CONFIG_INVALID', message, options);
  }
}

/** Something named does not exist: a feed, a series, a file. */
export class NotFoundError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'not_found';

  constructor(message: string, code = 'NOT_FOUND', options?: GaplessErrorOptions) {
    super(code, message, options);
  }
}

/** A data source failed. `retryable` tells the retry loop whether to try again. */
export class SourceError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'upstream';

  readonly retryable: boolean;
  /** How long the source asked us to wait (from `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status of the failed answer, when there was one. */
  readonly httpStatus: number | undefined;

  constructor(
    message: string,
    init: {
      code?: string;
      retryable: boolean;
      retryAfterMs?: number;
      httpStatus?: number;
      cause?: unknown;
      /** `not_found` for a subject the source does not list; `upstream` otherwise. */
      category?: ErrorCategory;
    },
  ) {
    super(init.code ?? (init.retryable ? 'SOURCE_RETRYABLE' : 'SOURCE_FAILED'), message, {
      cause: init.cause,
      ...(init.category === undefined ? {} : { category: init.category }),
    });
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.httpStatus = init.httpStatus;
  }
}

// What the file system errors users meet mean, in a few words.
const ERRNO_MEANINGS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
};

/** `: EROFS (read-only file system)` for a file system error, '' for anything else. */
function errnoSuffix(cause: unknown): string {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return '';
  const meaning = ERRNO_MEANINGS[code];
  return meaning === undefined ? `: ${code}` : `: ${code} (${meaning})`;
}

/**
 * Reading or writing the store failed. A file system cause's code is named
 * in the message (`cannot create /data: EROFS (read-only file system)`), so
 * the one line a user sees says why.
 */
export class StorageError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'storage';

  constructor(message: string, options?: GaplessErrorOptions, code = 'STORAGE_FAILED') {
    // A message that names its code already says why.
    const named = /\bE[A-Z]{3,}\b/.test(message);
    super(code, named ? message : message + errnoSuffix(options?.cause), options);
  }
}

/** The operation was cancelled through an `AbortSignal`. */
export class CancelledError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'cancelled';

  constructor(message = 'operation cancelled') {
    super('CANCELLED', message);
  }
}

/** The request conflicts with the current state, e.g. a job is already running. */
export class ConflictError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'conflict';

  constructor(message: string, code = 'CONFLICT', options?: GaplessErrorOptions) {
    super(code, message, options);
  }
}

/** Missing or wrong credentials (an API key). */
export class UnauthorizedError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'unauthorized';

  constructor(message = 'a valid X-API-Key header is required') {
    super('UNAUTHORIZED', message);
  }
}
