/**
 * @module The storage face: the one module of `storage/` that others import.
 * The on-disk layout (`parquet/`) and the engine (`duckdb/`) stay inside.
 */

export { writeFileAtomic } from './atomic-file.js';
export { DamagedFileError } from './damaged-file-error.js';
export { asDiskFull, DiskFullError, diskFullCode } from './disk-full-error.js';
export {
  type EmbeddedStore,
  type EmbeddedStoreOptions,
  openEmbeddedStore,
} from './embedded-store.js';
export { KeyedMutex } from './keyed-mutex.js';
export { makeDir } from './make-dir.js';
export { readFillOrigins, recordFillOrigins } from './origin-file.js';
export type {
  BarColumns,
  DayFileFinding,
  DayFileSegments,
  FileStore,
  ManifestFile,
  QuarantinedFile,
  ServedDayFile,
  Store,
  VerifyOptions,
  VerifyReport,
  WriteOptions,
  WriteResult,
} from './store.js';
