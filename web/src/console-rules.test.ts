import { describe, expect, it } from 'vitest';
import { chooseBar } from '../../src/server/routes/chart';
import { ApiError } from './api';
import { parseRoute } from './app';
import { fieldOf } from './components/backfill-form';
import { barFor, chartPoints } from './components/candle-chart';
import { stretchAround } from './components/coverage-map';
import type { ChartBars, DayStatus } from './types';

describe('console rules', () => {
  it('asks for the bar the server will answer with, for any span', () => {
    for (const nativeS of [60, 300, 3600]) {
      for (const days of [0.5, 1, 3, 3.5, 10, 17, 30, 104, 105, 208, 365, 3650]) {
        const spanS = days * 86_400;
        expect(barFor(nativeS, spanS) * 1000, `${nativeS}s over ${days} days`).toBe(
          chooseBar(nativeS * 1000, spanS * 1000, 5_000),
        );
      }
    }
  });

  it('draws a gap as whitespace bars, not closed up', () => {
    const bars = {
      bar_s: 60,
      time: [0, 60, 300],
      open: [1, 2, 3],
      high: [1, 2, 3],
      low: [1, 2, 3],
      close: [1, 2, 3],
    } as unknown as ChartBars;
    expect(chartPoints(bars).map((p) => [p.time, 'open' in p])).toEqual([
      [0, true],
      [60, true],
      [120, false],
      [180, false],
      [240, false],
      [300, true],
    ]);
  });

  it('fills the form with the whole hole around a clicked day', () => {
    const row: DayStatus[] = ['covered', 'missing', 'partial', 'missing', 'empty', 'missing'];
    expect(stretchAround(row, 2)).toEqual([1, 3]);
    expect(stretchAround(row, 5)).toEqual([5, 5]);
  });

  it('puts an API error next to the field it is about', () => {
    const e = (code: string, message: string) => new ApiError(400, code, message);
    expect(fieldOf(e('UNKNOWN_FEED', "unknown feed 'x'"))).toBe('source');
    expect(fieldOf(e('UNKNOWN_SUBJECT', 'subject'))).toBe('subject');
    expect(fieldOf(e('BAD_TIME', "end: cannot parse 'x'"))).toBe('end');
    expect(fieldOf(e('BAD_TIME', "start: cannot parse 'x'"))).toBe('start');
    expect(fieldOf(e('JOB_RUNNING', 'a backfill job is already running'))).toBeUndefined();
  });

  it('reads routes from the hash', () => {
    expect(parseRoute('#/jobs/0b7e4b4c-1f7e-4c36-9d0e-3b1d3a2f9a10').jobId).toBe(
      '0b7e4b4c-1f7e-4c36-9d0e-3b1d3a2f9a10',
    );
    expect(parseRoute('#/?source=sim&start=2024-01-01&evil=1').prefill).toEqual({
      source: 'sim',
      start: '2024-01-01',
    });
    expect(parseRoute('#main')).toEqual({ jobId: undefined, prefill: {} });
  });
});
