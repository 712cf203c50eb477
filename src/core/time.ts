import { InvalidArgumentError } from './errors.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const MS_PER_DAY = 86_400_000;

/**
 * Parses a point in time to epoch milliseconds (UTC).
 *
 * Accepts `now`, ISO dates (`2024-01-31`, midnight UTC), ISO date-times
 * (UTC unless an offset is given), epoch milliseconds (11 to 13 digits)
 * and epoch seconds (up to 10 digits), as numbers or strings.
 * @param what names the argument in the error message (`--start`, `end`).
 */
export function parseTime(input: string | number, what = 'time', nowMs = Date.now()): number {
  const text = String(input).trim();
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`bad ${what} '${text}': ${why}`, 'BAD_TIME');
  };
  if (text === '') return fail('empty');
  if (text.toLowerCase() === 'now') return nowMs;
  if (/^\d+$/.test(text)) {
    // Ten digits of seconds reach 2286; eleven would be year 5138, so 11-13
    // digits are milliseconds (12 digits: 1973-2001, e.g. 1999-01-01 = 915148800000).
    if (text.length <= 10) return Number(text) * 1000;
    if (text.length <= 13) return Number(text);
    return fail('a number must be epoch seconds (up to 10 digits) or epoch milliseconds (11-13)');
  }
  let ms: number;
  if (DATE_RE.test(text)) ms = Date.parse(`${text}T00:00:00Z`);
  else if (DATETIME_RE.test(text)) {
    const iso = text.replace(' ', 'T');
    ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`);
  } else {
    return fail('expected an ISO date (2024-01-31), date-time, epoch seconds or milliseconds');
  }
  if (!Number.isFinite(ms) || !isCalendarDate(text)) return fail('no such date');
  return ms;
}

// Date.parse rolls 2024-02-31 over to March; a real calendar date round-trips.
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const back = new Date(Date.UTC(y, m - 1, d));
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d;
}

/** Formats epoch milliseconds as an ISO-8601 UTC string. */
export function formatTime(tsMs: number): string {
  return new Date(tsMs).toISOString();
}

/** The UTC day (`YYYY-MM-DD`) that contains `tsMs`. */
export function utcDay(tsMs: number): string {
  return new Date(Math.floor(tsMs / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Milliseconds in one UTC day. */
export const DAY_MS = MS_PER_DAY;
