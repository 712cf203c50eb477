/** @module The error of a day file that cannot be trusted: damaged, or gone while coverage claims it. */
import { StorageError } from '../core/errors.js';

/**
 * A stored day file is damaged (truncated, not Parquet, rows of another day)
 * or gone while coverage claims its rows. One line names the file, the cause
 * and the way out: `damaged day file data/sim/BTC%2FUSDT/candle/1m/2024-01-02.parquet:
 * footer missing (truncated?); run \`gapless verify --repair\``. Category
 * `storage` (CLI exit 5), code `DAMAGED_FILE`.
 */
export class DamagedFileError extends StorageError {
  /** The file, as the message names it. */
  readonly file: string;
  /** What is wrong with it (`footer missing (truncated?)`). */
  readonly reason: string;

  /** @param missing the file is gone (coverage claims its rows), not damaged. */
  constructor(file: string, reason: string, missing = false) {
    const what = missing ? 'missing day file' : 'damaged day file';
    super(`${what} ${file}: ${reason}; run \`gapless verify --repair\``, {}, 'DAMAGED_FILE');
    this.file = file;
    this.reason = reason;
  }
}
