/** The jobs layer: persisted backfill jobs, workers, the scheduler and tracked symbols. */

export * from '../app/runtime.js';
export * from './job.js';
export { JobRunningError } from './job-errors.js';
export { isJobId } from './job-id.js';
export * from './job-service.js';
export * from './job-view.js';
export * from './job-worker.js';
export * from './repositories.js';
export * from './scheduler.js';
export { checkTrackedSymbol } from './symbol-check.js';
export * from './tracked-series.js';
