import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { ceilToBar, floorToBar, granularityMs, parseGranularity } from './granularity.js';
import { parseSeries, seriesId } from './series.js';
import { parseTime } from './time.js';

describe('parseTime', () => {
  it('reads ISO dates, date-times, epoch seconds and milliseconds', () => {
    expect(parseTime('2024-01-31')).toBe(Date.UTC(2024, 0, 31));
    expect(parseTime('2024-01-31T12:30:00Z')).toBe(Date.UTC(2024, 0, 31, 12, 30));
    expect(parseTime('2024-01-31T12:30')).toBe(Date.UTC(2024, 0, 31, 12, 30));
    expect(parseTime('2024-01-31T12:30:00+02:00')).toBe(Date.UTC(2024, 0, 31, 10, 30));
    expect(parseTime(1_706_659_200)).toBe(1_706_659_200_000);
    expect(parseTime('1706659200000')).toBe(1_706_659_200_000);
    expect(parseTime('now', 'end', 5)).toBe(5);
    expect(parseTime(915_148_800_000)).toBe(Date.UTC(1999, 0, 1));
    expect(parseTime('0')).toBe(0);
  });

  it.each(['2024-02-31', '2024-13-01', 'yesterday', '', '12345678901234', '2024/01/01'])(
    'rejects %j with a message naming the argument',
    (bad) => {
      expect(() => parseTime(bad, '--start')).toThrow(InvalidArgumentError);
      expect(() => parseTime(bad, '--start')).toThrow(/bad --start/);
    },
  );
});

describe('granularity', () => {
  it('canonicalises equivalent spellings and rejects unknown ones', () => {
    expect(parseGranularity('60s')).toBe('1m');
    expect(parseGranularity('240m')).toBe('4h');
    expect(granularityMs('1w')).toBe(604_800_000);
    for (const bad of ['7x', '0m', '7m', 'abc', '']) {
      expect(() => parseGranularity(bad)).toThrow(/unknown granularity/);
    }
  });

  it('aligns bars, weeks on Mondays', () => {
    const step = granularityMs('1m');
    expect(floorToBar(119_999, step)).toBe(60_000);
    expect(ceilToBar(60_001, step)).toBe(120_000);
    expect(ceilToBar(60_000, step)).toBe(60_000);
    const week = floorToBar(Date.UTC(2024, 0, 3), granularityMs('1w'));
    expect(new Date(week).toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });
});

describe('series ids', () => {
  it('round-trips both forms', () => {
    const candle = parseSeries('candle:binance:BTC/USDT:60s');
    expect(candle).toEqual({
      source: 'binance',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1m',
    });
    expect(seriesId(candle)).toBe('candle:binance:BTC/USDT:1m');
    expect(seriesId(parseSeries('trade:binance:BTC/USDT'))).toBe('trade:binance:BTC/USDT');
    expect(parseSeries({ source: 'sim', subject: 'ETH/USDT', kind: 'trade' })).toEqual({
      source: 'sim',
      subject: 'ETH/USDT',
      kind: 'trade',
    });
  });

  it.each([
    'candle:binance:BTC/USDT',
    'bar:binance:BTC/USDT:1m',
    'candle:bin ance:BTC/USDT:1m',
    'candle:binance:..:1m',
    'candle:binance:BTC/USDT:9q',
    'trade:binance:BTC/USDT:1m',
  ])('rejects %j', (bad) => {
    expect(() => parseSeries(bad)).toThrow(InvalidArgumentError);
  });
});
