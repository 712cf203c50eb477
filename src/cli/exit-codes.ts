import { type ErrorCategory, errorCategory, GaplessError } from '../core/errors.js';

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

const BY_CATEGORY: Record<ErrorCategory, number> = {
  bad_input: EXIT.usage,
  unauthorized: EXIT.usage,
  conflict: EXIT.usage,
  not_found: EXIT.notFound,
  upstream: EXIT.source,
  storage: EXIT.storage,
  cancelled: EXIT.cancelled,
  internal: EXIT.failed,
};

/** The exit code for an error that ended a command: read from its category. */
export function exitCodeFor(error: unknown): number {
  return BY_CATEGORY[errorCategory(error)];
}
/** One line for people: the message of a gapless error, or a short description of anything else. */
export function describeError(error: unknown): string {
  if (error instanceof GaplessError) return error.message;
  if (error instanceof Error) return `unexpected ${error.name}: ${error.message.split('\n')[0]}`;
  return `unexpected failure: ${String(error)}`;
}
