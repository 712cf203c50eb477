/** @module Names of temp files: hidden, ending in `.tmp`, naming their writer's pid, unique per call. */

// `.{final name}.{pid}.{12 hex digits}.tmp`: no `*.parquet` (or `*.json`) glob ever
// matches a half-written file, and the pid tells a crashed writer's leftovers.
const TEMP_RE = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;
const SUFFIX_SPACE = 2 ** 48;

// A random start per process, then a counter: unique within the process without
// asking the system for randomness per file (~25 µs each when a day file costs ~250 µs).
let next = Math.floor(Math.random() * SUFFIX_SPACE);

/** A fresh temp file name (no folder) for the file named `name`. */
export function tempNameFor(name: string): string {
  next = (next + 1) % SUFFIX_SPACE;
  return `.${name}.${process.pid}.${next.toString(16).padStart(12, '0')}.tmp`;
}

/** The pid of the process that made temp file name `name`, or undefined when it is not one. */
export function tempNameOwner(name: string): number | undefined {
  const match = TEMP_RE.exec(name);
  return match === null ? undefined : Number(match[1]);
}
