/** @module The error for a cached day file that cannot be read. */
import { type ErrorCategory, GaplessError } from '../core/errors.js';

/** A cached day file is damaged or is not a candle day file; pulling it again repairs it. */
export class CorruptFileError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'storage';
  /** The damaged file. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(path: string, reason: string, options: { cause?: unknown; hint?: string } = {}) {
    const hint = options.hint === undefined ? '' : `; ${options.hint}`;
    super('CORRUPT_FILE', `cached file ${path} cannot be read (${reason})${hint}`, options);
    this.path = path;
    this.reason = reason;
  }
}
