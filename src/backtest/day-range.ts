/** @module Whole UTC days, both ends inclusive: how a backtest names its range. */
import { InvalidArgumentError } from '../core/errors.js';
import { DAY_MS, parseTime, utcDay } from '../core/time.js';

/** A point in time as users give it: ISO date or date-time, epoch s or ms, or a `Date`. */
export type TimeInput = string | number | Date;

/** UTC days `startDay..endDay`, both included (`YYYY-MM-DD`). */
export interface DayRange {
  readonly startDay: string;
  readonly endDay: string;
}

/**
 * Parses a start and an end into whole UTC days: a date-time counts as the
 * day it falls in, and both days are included (`2024-01-01`..`2024-01-31` is
 * January). Throws `InvalidArgumentError` naming the bad argument.
 */
export function parseDayRange(start: TimeInput, end: TimeInput): DayRange {
  const startDay = utcDay(toMs(start, 'start'));
  const endDay = utcDay(toMs(end, 'end'));
  if (endDay < startDay) {
    throw new InvalidArgumentError(
      `end ${endDay} is before start ${startDay} (both days are included)`,
      'BAD_RANGE',
    );
  }
  return { startDay, endDay };
}

/** Every day of `range`, in order. */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  const endMs = Date.parse(`${range.endDay}T00:00:00Z`);
  for (let ms = Date.parse(`${range.startDay}T00:00:00Z`); ms <= endMs; ms += DAY_MS) {
    days.push(utcDay(ms));
  }
  return days;
}

/** Whether `day` lies in `range`. */
export function inDayRange(range: DayRange, day: string): boolean {
  return day >= range.startDay && day <= range.endDay;
}

function toMs(input: TimeInput, what: string): number {
  if (input instanceof Date) {
    const ms = input.getTime();
    if (!Number.isFinite(ms))
      throw new InvalidArgumentError(`bad ${what}: invalid Date`, 'BAD_TIME');
    return ms;
  }
  return parseTime(input, what);
}
