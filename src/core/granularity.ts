import { InvalidArgumentError } from './errors.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** The bar sizes gapless knows, in canonical spelling. */
export const GRANULARITIES = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '1w',
] as const;

/** A canonical granularity such as `1m` or `4h`. */
export type Granularity = (typeof GRANULARITIES)[number];

const BY_MS = new Map<number, Granularity>(GRANULARITIES.map((g) => [spanOf(g), g]));

function spanOf(text: string): number {
  const match = /^(\d+)([smhdw])$/.exec(text);
  if (!match) return Number.NaN;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * Parses a granularity, accepting equivalent spellings (`60s` is `1m`).
 * @example parseGranularity('60s') // '1m'
 */
export function parseGranularity(text: string): Granularity {
  const canonical = BY_MS.get(spanOf(String(text).trim()));
  if (canonical === undefined) {
    throw new InvalidArgumentError(
      `unknown granularity '${text}' (expected one of ${GRANULARITIES.join(', ')})`,
      'BAD_GRANULARITY',
    );
  }
  return canonical;
}

/** Length of one bar in milliseconds. */
export function granularityMs(granularity: string): number {
  return spanOf(parseGranularity(granularity));
}

// Weekly bars open on Monday 00:00 UTC, as exchanges do; 1970-01-01 was a Thursday.
const WEEK_OFFSET_MS = 4 * UNIT_MS.d;

/** Start of the bar that contains `tsMs`. */
export function floorToBar(tsMs: number, stepMs: number): number {
  const offset = stepMs === UNIT_MS.w ? WEEK_OFFSET_MS : 0;
  return Math.floor((tsMs - offset) / stepMs) * stepMs + offset;
}

/** The first bar start at or after `tsMs`. */
export function ceilToBar(tsMs: number, stepMs: number): number {
  const floor = floorToBar(tsMs, stepMs);
  return floor === tsMs ? tsMs : floor + stepMs;
}
