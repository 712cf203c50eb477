/** @module The gapless version, a constant (no I/O in core); a test holds it equal to package.json. */

/** The version of this build, as in package.json (`created_by` of Parquet files, OpenAPI, `--version`). */
export const GAPLESS_VERSION = '0.1.0';
