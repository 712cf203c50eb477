import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../core/errors.js';
import { makeSeries } from '../../core/series.js';
import {
  dayFilePath,
  decodeSegment,
  encodeSegment,
  insideDataDir,
  parseDayFilePath,
  seriesDir,
} from './layout.js';

const root = path.resolve('/tmp/gapless-layout-root');

describe('parquet layout', () => {
  it('encodes subjects reversibly', () => {
    expect(encodeSegment('BTC/USDT')).toBe('BTC%2FUSDT');
    expect(encodeSegment('50%')).toBe('50%25');
    expect(encodeSegment('..')).toBe('%2E.');
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (s) => {
        const encoded = encodeSegment(s);
        expect(decodeSegment(encoded)).toBe(s);
        expect(encoded).not.toMatch(/[/\\\0*?[\]]/);
        expect(['.', '..']).not.toContain(encoded);
        expect(encoded.startsWith('.')).toBe(false);
      }),
    );
  });

  it('builds the documented layout', () => {
    const candles = makeSeries({
      source: 'binance',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1m',
    });
    expect(dayFilePath(root, candles, '2024-01-02')).toBe(
      path.join(root, 'binance', 'BTC%2FUSDT', 'candle', '1m', '2024-01-02.parquet'),
    );
    const trades = makeSeries({ source: 'binance', subject: 'BTC/USDT', kind: 'trade' });
    expect(seriesDir(root, trades)).toBe(path.join(root, 'binance', 'BTC%2FUSDT', 'trade', 'tick'));
    expect(parseDayFilePath(root, 'binance/BTC%2FUSDT/candle/1m/2024-01-02.parquet')).toEqual({
      series: candles,
      day: '2024-01-02',
    });
  });

  it('keeps every path inside the data dir, whatever the subject', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(
            '..',
            '.',
            '%2e%2e',
            '../x',
            '..\\x',
            'a/../../b',
            'x\0y',
            '/etc/passwd',
            '%2F',
          ),
          fc.string({ minLength: 1 }),
        ),
        (subject) => {
          const series = { source: 'src', subject, kind: 'candle', granularity: '1m' } as const;
          try {
            const file = dayFilePath(root, series, '2024-01-01');
            expect(file.startsWith(root + path.sep)).toBe(true);
            expect(path.relative(root, file).split(path.sep)).toHaveLength(5);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidArgumentError);
          }
        },
      ),
    );
  });

  it('rejects raw traversal segments and bad file names', () => {
    for (const part of ['..', '.', '', 'a/b', 'a\\b', 'a\0b']) {
      expect(() => insideDataDir(root, part)).toThrow(InvalidArgumentError);
    }
    expect(() =>
      dayFilePath(root, makeSeries({ source: 's', subject: 'x', kind: 'trade' }), '../../etc'),
    ).toThrow(InvalidArgumentError);
    for (const file of [
      '../outside/x/candle/1m/2024-01-01.parquet',
      's/%2e%2e/candle/1m/2024-01-01.parquet',
      's/BTC%2fUSDT/candle/1m/2024-01-01.parquet',
      's/x/candle/60s/2024-01-01.parquet',
      's/x/candle/1m/notes.parquet',
      's/x/candle/1m/.2024-01-01.parquet.1.abcdefabcdef.tmp',
      's/x/candle/2024-01-01.parquet',
    ]) {
      expect(() => parseDayFilePath(root, file), file).toThrow(InvalidArgumentError);
    }
  });
});
