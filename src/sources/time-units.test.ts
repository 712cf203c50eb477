import { describe, expect, it } from 'vitest';
import { SourceError } from '../core/errors.js';
import { checkPagePlace, pageTimesToMs, timeUnitOf } from './time-units.js';

const T = Date.UTC(2024, 0, 1);
const what = 'candle:x:BTC/USDT:1m page';

describe('time units of a page', () => {
  it('tells s, ms, us and ns apart by magnitude against the request', () => {
    expect(timeUnitOf(T / 1000, T)).toBe('s');
    expect(timeUnitOf(T + 999 * 60_000, T)).toBe('ms');
    expect(timeUnitOf(T * 1000, T)).toBe('us');
    expect(timeUnitOf(T * 1e6, T)).toBe('ns');
    expect(timeUnitOf(T * 1e10, T)).toBeUndefined();
    expect(timeUnitOf(-1, T)).toBeUndefined();
    // Near 1970 magnitudes say nothing: milliseconds are trusted.
    expect(timeUnitOf(60_000, 0)).toBe('ms');
  });

  it.each([
    ['s', 1e-3],
    ['ms', 1],
    ['us', 1e3],
    ['ns', 1e6],
  ] as const)('converts a page in %s to milliseconds in place', (unit, perMs) => {
    const expected = [0, 1, 2, 999].map((i) => T + i * 60_000);
    const times = expected.map((t) => t * perMs);
    expect(pageTimesToMs(times, { referenceMs: T, what })).toBe(unit);
    expect(times).toEqual(expected);
  });

  it('rejects a page mixing units, or with times between milliseconds, as a retryable bad page', () => {
    const mixed = [T, (T + 60_000) * 1000];
    const error = (() => {
      try {
        pageTimesToMs(mixed, { referenceMs: T, what });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'SOURCE_BAD_PAGE', retryable: true });
    expect(() => pageTimesToMs([T * 1000 + 1], { referenceMs: T, what })).toThrow(/whole ms/);
    const trades = [T * 1000 + 1];
    pageTimesToMs(trades, { referenceMs: T, what, wholeMs: false });
    expect(trades).toEqual([T]);
  });

  it('calls a page entirely before the requested start a bad page, not an empty one', () => {
    expect(() => checkPagePlace([T - 120_000, T - 60_000], T, what)).toThrow(
      /before the requested start/,
    );
    expect(() => checkPagePlace([T - 60_000, T], T, what)).not.toThrow();
    expect(() => checkPagePlace([], T, what)).not.toThrow();
  });
});
