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

/**
 * A worker's lease on a job is gone (expired and taken by another worker, or
 * the job was cancelled): it may not commit another write for the job.
 */
export class LeaseLostError extends ConflictError {
  constructor(jobId: string, why: string) {
    super(`job ${jobId}: ${why}; this worker stops writing for it`, 'LEASE_LOST');
  }
}
