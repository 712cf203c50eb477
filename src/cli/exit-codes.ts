import { GaplessError, NotFoundError, SourceError } from '../core/errors.js';

/** Process exit codes of the `gapless` command, in one place. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  source: 4,
  storage: 5,
  cancelled: 130,
} as const;

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof SourceError) return EXIT.source;
  if (!(error instanceof GaplessError)) return EXIT.failed;
  if (error.code === 'CANCELLED') return EXIT.cancelled;
  if (error.code === 'STORAGE_FAILED' || error.code === 'CORRUPT_FILE') return EXIT.storage;
  if (
    error instanceof NotFoundError ||
    error.code === 'NOT_FOUND' ||
    error.code.startsWith('UNKNOWN_') ||
    error.code === 'NO_SERIES'
  ) {
    return EXIT.notFound;
  }
  return EXIT.usage;
}

/** One line for people: the message of a gapless error, or a short description of anything else. */
export function describeError(error: unknown): string {
  if (error instanceof GaplessError) return error.message;
  if (error instanceof Error) return `unexpected ${error.name}: ${error.message.split('\n')[0]}`;
  return `unexpected failure: ${String(error)}`;
}
