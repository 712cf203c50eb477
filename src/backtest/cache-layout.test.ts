import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSeries } from '../core/series.js';
import { encodeSegment as serverEncode } from '../storage/parquet/layout.js';
import { cachedPath, dayFileKey, dayOfFileName, encodeSegment } from './cache-layout.js';

describe('the cache layout', () => {
  it('encodes segments exactly as the server data dir does', () => {
    for (const text of ['BTC/USDT', 'a%b', '.hidden', "it's (x)~*!", 'ÄÖ €', 'SPY']) {
      expect(encodeSegment(text)).toBe(serverEncode(text));
    }
  });

  it('puts a day file where the manifest path says', () => {
    const series = makeSeries({
      source: 'sim',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1m',
    });
    const key = dayFileKey(series, '2024-01-02');
    expect(key).toBe('sim/BTC%2FUSDT/candle/1m/2024-01-02.parquet');
    expect(cachedPath('/c', key)).toBe(
      join('/c', 'sim', 'BTC%2FUSDT', 'candle', '1m', '2024-01-02.parquet'),
    );
    expect(
      dayFileKey(makeSeries({ source: 'sim', subject: 'X', kind: 'trade' }), '2024-01-02'),
    ).toBe('sim/X/trade/tick/2024-01-02.parquet');
  });

  it('knows day file names from temp files and others', () => {
    expect(dayOfFileName('2024-01-02.parquet')).toBe('2024-01-02');
    expect(dayOfFileName('.2024-01-02.parquet.1.abc.tmp')).toBeUndefined();
    expect(dayOfFileName('notes.txt')).toBeUndefined();
  });
});
