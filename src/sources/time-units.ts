/** @module Per-page detection of the time unit of a source's timestamps (s, ms, us, ns). */
import { SourceError } from '../core/errors.js';

/** Units a source may stamp rows in. */
export const TIME_UNITS = ['s', 'ms', 'us', 'ns'] as const;

/** A timestamp unit. */
export type TimeUnit = (typeof TIME_UNITS)[number];

/** Units per millisecond: `us` is 1000. */
export const PER_MS: Readonly<Record<TimeUnit, number>> = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 };

// Below this reference (1973) magnitudes cannot tell units apart: trust milliseconds.
const MIN_REFERENCE_MS = 1e11;
// Units are three decades apart; a timestamp within 1.5 decades of the reference in a unit is in it.
const TOLERANCE_DECADES = 1.5;

/**
 * The unit of `ts`, judged from its magnitude against `referenceMs` (the
 * start of the window asked for): Binance's archives moved spot data to
 * microseconds in 2025, and vendors mix units, so a value 1000x the request's
 * time is microseconds, not a bar in the year 55,000. Undefined when the
 * magnitude fits no unit.
 * @example
 * timeUnitOf(1_704_067_200_000_000, Date.UTC(2024, 0, 1)); // 'us'
 */
export function timeUnitOf(ts: number, referenceMs: number): TimeUnit | undefined {
  if (!Number.isFinite(ts) || ts <= 0) return undefined;
  if (!(referenceMs >= MIN_REFERENCE_MS)) return 'ms';
  const decades = Math.log10(ts / referenceMs);
  return TIME_UNITS.find((u) => Math.abs(decades - Math.log10(PER_MS[u])) < TOLERANCE_DECADES);
}

/** Options of {@link pageTimesToMs}. */
export interface PageTimesOptions {
  /** Start of the window the request asked for: the magnitude every time is judged against. */
  readonly referenceMs: number;
  /** Names the request in errors. */
  readonly what: string;
  /**
   * Whether times must land on whole milliseconds (bars); trades keep the
   * millisecond of a finer time.
   * @default true
   */
  readonly wholeMs?: boolean;
}

/**
 * Converts, in place, the timestamps of one page to epoch milliseconds: the
 * unit is detected once per page from the magnitudes (see {@link timeUnitOf})
 * and every time of the page must share it. A page that mixes units, holds a
 * time no unit explains, or (with `wholeMs`) a time between milliseconds is
 * a bad page: a retryable `SourceError` (`SOURCE_BAD_PAGE`), never an empty
 * page. Returns the unit found (`ms` for an empty page).
 * @example
 * const unit = pageTimesToMs(times, { referenceMs: window.startMs, what });
 */
export function pageTimesToMs(times: number[], options: PageTimesOptions): TimeUnit {
  const first = times[0];
  if (first === undefined) return 'ms';
  const unit = timeUnitOf(first, options.referenceMs);
  if (unit === undefined) throw badPage(options.what, `timestamp ${first} fits no time unit`);
  const perMs = PER_MS[unit];
  const wholeMs = options.wholeMs ?? true;
  for (let i = 0; i < times.length; i++) {
    const ts = times[i]!;
    if (timeUnitOf(ts, options.referenceMs) !== unit) {
      throw badPage(options.what, `timestamps mix units (${first} and ${ts})`);
    }
    if (perMs === 1) continue;
    const ms = ts / perMs;
    // ns exceed double precision by a few hundred ns: round within half a microsecond.
    const rounded = Math.round(ms);
    if (Math.abs(ms - rounded) < 5e-4) times[i] = rounded;
    else if (wholeMs) throw badPage(options.what, `timestamp ${ts} (${unit}) is not a whole ms`);
    else times[i] = Math.floor(ms);
  }
  return unit;
}

/**
 * Checks that a non-empty page answered the window it was asked for: rows
 * all before `startMs` mean the source answered another request (or misread
 * its own clock), which is a bad page, not an empty window.
 */
export function checkPagePlace(times: readonly number[], startMs: number, what: string): void {
  if (times.length === 0) return;
  let newest = Number.NEGATIVE_INFINITY;
  for (const ts of times) if (ts > newest) newest = ts;
  if (newest < startMs) {
    throw badPage(
      what,
      `all ${times.length} rows are before the requested start (${newest} < ${startMs})`,
    );
  }
}

function badPage(what: string, detail: string): SourceError {
  return new SourceError(`${what}: bad page from the source: ${detail}`, {
    code: 'SOURCE_BAD_PAGE',
    retryable: true,
  });
}
