import { describe, expect, it } from 'vitest';
import { daysOf, inDayRange, parseDayRange } from './day-range.js';

describe('parseDayRange', () => {
  it('takes whole UTC days, both included, from dates, date-times, epochs and Dates', () => {
    expect(parseDayRange('2024-01-01', '2024-01-31')).toEqual({
      startDay: '2024-01-01',
      endDay: '2024-01-31',
    });
    expect(parseDayRange('2024-01-01T23:59:00Z', new Date(Date.UTC(2024, 0, 2, 5)))).toEqual({
      startDay: '2024-01-01',
      endDay: '2024-01-02',
    });
    expect(parseDayRange(1_704_067_200, 1_704_067_200_000)).toEqual({
      startDay: '2024-01-01',
      endDay: '2024-01-01',
    });
  });

  it('refuses an end before the start and bad dates, naming them', () => {
    expect(() => parseDayRange('2024-02-01', '2024-01-01')).toThrow(
      'end 2024-01-01 is before start 2024-02-01 (both days are included)',
    );
    expect(() => parseDayRange('2024-02-30', '2024-03-01')).toThrow("bad start '2024-02-30'");
    expect(() => parseDayRange('2024-01-01', new Date(Number.NaN))).toThrow(
      'bad end: invalid Date',
    );
  });
});

describe('daysOf and inDayRange', () => {
  it('list every day across a month and a leap day', () => {
    expect(daysOf({ startDay: '2024-02-28', endDay: '2024-03-01' })).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
    expect(inDayRange({ startDay: '2024-02-28', endDay: '2024-03-01' }, '2024-03-01')).toBe(true);
    expect(inDayRange({ startDay: '2024-02-28', endDay: '2024-03-01' }, '2024-03-02')).toBe(false);
  });
});
