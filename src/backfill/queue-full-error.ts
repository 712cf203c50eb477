/** @module The error of a full backfill queue. */
import { type ErrorCategory, GaplessError } from '../core/errors.js';

/** Too many backfill windows are already waiting for a slot. */
export class QueueFullError extends GaplessError {
  static override defaultCategory: ErrorCategory = 'conflict';
  constructor(limit: number) {
    super(
      'QUEUE_FULL',
      `too many backfills waiting: the queue holds at most ${limit} (max_queued_requests); try again later`,
    );
  }
}
