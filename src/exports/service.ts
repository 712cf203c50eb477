/**
 * `gapless/service`: the composition root and the jobs layer, for running
 * gapless inside another program (workers, schedulers, custom entry points).
 * @packageDocumentation
 */

export { type MetricsServer, startMetricsServer } from '../app/metrics-server.js';
export * from '../app/runtime.js';
export { BackfillEngine, type BackfillEngineOptions } from '../backfill/engine.js';
export { type BackfillMetrics, createBackfillMetrics } from '../backfill/metrics.js';
export type { BackfillJob, JobProgress, JobStatus, TrackedSymbol } from '../jobs/job.js';
export { JobService } from '../jobs/job-service.js';
export { JobWorker, type JobWorkerOptions } from '../jobs/job-worker.js';
export { type LastBackfill, Scheduler, type SchedulerOptions } from '../jobs/scheduler.js';
