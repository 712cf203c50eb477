import { ConflictError } from '../core/errors.js';

/**
 * A job cannot be submitted because `jobs.concurrency` jobs are already
 * pending or running (HTTP 409). `jobId` names the one that blocks it.
 */
export class JobRunningError extends ConflictError {
  /** The pending or running job that blocked the submission. */
  readonly jobId: string;

  constructor(jobId: string, status: string) {
    super(
      `a backfill job is already ${status} (${jobId}); wait for it, cancel it, or raise jobs.concurrency`,
      'JOB_RUNNING',
    );
    this.jobId = jobId;
  }
}
