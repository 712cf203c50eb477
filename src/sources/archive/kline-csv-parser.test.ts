import { describe, expect, it } from 'vitest';
import { KLINE_CSV_HEADER, klineCsv } from '../../sim/binance-format.js';
import { SimMarket } from '../../sim/market.js';
import { ArchiveError } from './archive-error.js';
import { KlineCsvParser } from './kline-csv-parser.js';

const market = new SimMarket();
const DAY = { startMs: Date.UTC(2025, 0, 2), endMs: Date.UTC(2025, 0, 3) };

function parse(text: string, chunkBytes = text.length, period = DAY) {
  const parser = new KlineCsvParser(period, 60_000, 'test.zip');
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkBytes) parser.push(bytes.subarray(i, i + chunkBytes));
  return parser.end();
}

const candles = market.candles('BTC/USDT', '1m', DAY);
const csv = (scale: number) => candles.map((c) => klineCsv(c, 60_000, scale)).join('');

describe('KlineCsvParser', () => {
  it('reads every candle exactly, however the bytes are cut', () => {
    for (const chunk of [1, 7, 4096, 1 << 20]) {
      const parsed = parse(csv(1), chunk);
      expect(parsed.length).toBe(1440);
      for (let i = 0; i < parsed.length; i++) {
        const c = candles[i]!;
        expect([parsed.rows.tsMs[i], parsed.rows.open[i], parsed.rows.high[i]]).toEqual([
          c.tsMs,
          c.open,
          c.high,
        ]);
        expect([parsed.rows.low[i], parsed.rows.close[i], parsed.rows.volume[i]]).toEqual([
          c.low,
          c.close,
          c.volume,
        ]);
      }
    }
  });

  it('tells microseconds per file, skips a header, and takes CRLF lines', () => {
    const micros = parse(csv(1000));
    expect(micros.unit).toBe('us');
    expect(Array.from(micros.rows.tsMs)).toEqual(candles.map((c) => c.tsMs));
    const futures = parse(KLINE_CSV_HEADER + csv(1).replaceAll('\n', '\r\n'));
    expect(futures.unit).toBe('ms');
    expect(futures.length).toBe(1440);
  });

  it("drops repeats and the neighbours' rows at the edges", () => {
    const before = market.candles('BTC/USDT', '1m', {
      startMs: DAY.startMs - 120_000,
      endMs: DAY.startMs,
    });
    const text =
      before.map((c) => klineCsv(c, 60_000)).join('') +
      csv(1) +
      klineCsv(candles[candles.length - 1]!, 60_000);
    const parsed = parse(text);
    expect(parsed.length).toBe(1440);
    expect(parsed.dropped).toBe(3);
  });

  it('refuses rows it cannot trust as ARCHIVE_CORRUPT', () => {
    const rows = csv(1).split('\n');
    const cases = [
      [rows[1], rows[0]].join('\n'), // out of order
      `${rows[0]}\nnot,a,row\n`,
      `${rows[0]!.replace(/^\d+/, '1735776000001')}\n`, // not on a bar
      `${rows[0]!.replace(/^\d+/, '1635776000000')}\n`, // a year away
      `${rows[0]!.split(',').slice(0, 4).join(',')}\n`, // short
      `${rows[0]}\n${rows[1]!.replace(/^(\d+)/, '$1000')}\n`, // units mixed
    ];
    for (const text of cases) {
      expect(() => parse(text), text).toThrow(ArchiveError);
      try {
        parse(text);
      } catch (error) {
        expect((error as ArchiveError).code).toBe('ARCHIVE_CORRUPT');
      }
    }
  });
});
