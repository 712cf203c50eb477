import { InvalidArgumentError } from './errors.js';
import { ceilToBar, floorToBar } from './granularity.js';

/** A half-open time range `[startMs, endMs)` in epoch milliseconds. */
export interface Range {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Checks a range and returns it: finite integers, `end` after `start`.
 * @param what names the range in the error message.
 */
export function makeRange(startMs: number, endMs: number, what = 'range'): Range {
  if (!Number.isSafeInteger(startMs) || !Number.isSafeInteger(endMs)) {
    throw new InvalidArgumentError(
      `${what}: start and end must be whole milliseconds`,
      'BAD_RANGE',
    );
  }
  if (endMs <= startMs) {
    throw new InvalidArgumentError(
      `${what}: end (${new Date(endMs).toISOString()}) must be after start (${new Date(startMs).toISOString()})`,
      'BAD_RANGE',
    );
  }
  return { startMs, endMs };
}

/**
 * Widens a range outward to whole bars of `stepMs`.
 * @example alignRange({ startMs: 30_000, endMs: 90_000 }, 60_000) // [0, 120000)
 */
export function alignRange(range: Range, stepMs: number): Range {
  return { startMs: floorToBar(range.startMs, stepMs), endMs: ceilToBar(range.endMs, stepMs) };
}

/**
 * Sorts ranges and merges those that overlap or touch, after widening each to
 * whole bars of `stepMs` (1 = no alignment). Empty ranges are dropped.
 */
export function mergeRanges(ranges: readonly Range[], stepMs = 1): Range[] {
  const sorted = ranges
    .filter((r) => r.endMs > r.startMs)
    .map((r) => (stepMs > 1 ? alignRange(r, stepMs) : r))
    .sort((a, b) => a.startMs - b.startMs);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.startMs <= last.endMs) {
      if (r.endMs > last.endMs) out[out.length - 1] = { startMs: last.startMs, endMs: r.endMs };
    } else {
      out.push({ startMs: r.startMs, endMs: r.endMs });
    }
  }
  return out;
}

/** The parts of `a` (merged) that are not in `b`. */
export function subtractRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const cut = mergeRanges(b);
  const out: Range[] = [];
  for (const r of mergeRanges(a)) {
    let start = r.startMs;
    for (const c of cut) {
      if (c.endMs <= start) continue;
      if (c.startMs >= r.endMs) break;
      if (c.startMs > start) out.push({ startMs: start, endMs: c.startMs });
      start = Math.max(start, c.endMs);
      if (start >= r.endMs) break;
    }
    if (start < r.endMs) out.push({ startMs: start, endMs: r.endMs });
  }
  return out;
}

/** The parts common to `a` and `b`, merged. */
export function intersectRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const left = mergeRanges(a);
  const right = mergeRanges(b);
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const l = left[i]!;
    const r = right[j]!;
    const startMs = Math.max(l.startMs, r.startMs);
    const endMs = Math.min(l.endMs, r.endMs);
    if (startMs < endMs) out.push({ startMs, endMs });
    if (l.endMs < r.endMs) i++;
    else j++;
  }
  return out;
}

/** The parts of `window` that `covered` lacks: what a backfill must fetch. */
export function missingRanges(window: Range, covered: readonly Range[]): Range[] {
  return subtractRanges([window], covered);
}

/** Total length of merged ranges in milliseconds. */
export function totalMs(ranges: readonly Range[]): number {
  return mergeRanges(ranges).reduce((sum, r) => sum + (r.endMs - r.startMs), 0);
}

/** Splits a range into consecutive pieces of at most `pieceMs`. */
export function splitRange(range: Range, pieceMs: number): Range[] {
  const out: Range[] = [];
  for (let s = range.startMs; s < range.endMs; s += pieceMs) {
    out.push({ startMs: s, endMs: Math.min(range.endMs, s + pieceMs) });
  }
  return out;
}
