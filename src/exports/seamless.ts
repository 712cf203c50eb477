/**
 * `gapless/seamless`: the seamless provider (cache, storage, live, backfill by
 * strategy), conformance checks and the live tail.
 * @packageDocumentation
 */

export {
  createSeamlessProvider,
  type SeamlessDependencies,
} from '../app/create-seamless-provider.js';
export { checkConformance, goodPart } from '../conformance/pipeline.js';
export * from '../conformance/report.js';
export { ConformanceReportLog } from '../conformance/report-log.js';
export * from '../live/event-recorder.js';
export * from '../live/live-fetcher.js';
export * from '../live/stream-input.js';
export type { DataSource, SourceName } from '../seamless/data-source.js';
export * from '../seamless/errors.js';
export { LiveBarBuffer } from '../seamless/live-bar-buffer.js';
export type { LiveFeed } from '../seamless/live-source.js';
export * from '../seamless/seamless-provider.js';
export type { SlaPolicy, SlaReport } from '../seamless/sla.js';
