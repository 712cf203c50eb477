import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { klineCsv } from './binance-format.js';
import { CsvWriter } from './csv-writer.js';
import { SimMarket } from './market.js';

const written = (write: (csv: CsvWriter) => void) => {
  const csv = new CsvWriter(1);
  write(csv);
  return csv.bytes().toString();
};

describe('CsvWriter', () => {
  it('writes every double as String does, whatever its decimals', () => {
    const places = fc.integer({ min: 0, max: 8 });
    fc.assert(
      fc.property(fc.double(), places, (value, p) => {
        expect(written((csv) => csv.number(value, p))).toBe(String(value));
      }),
      { numRuns: 20_000 },
    );
    // Decimals of a few digits, the case written digit by digit.
    const decimal = fc
      .tuple(fc.double({ min: -1e12, max: 1e12, noNaN: true }), places)
      .map(([x, p]) => [Math.round(x * 10 ** p) / 10 ** p, p] as const);
    fc.assert(
      fc.property(decimal, ([value, p]) => {
        expect(written((csv) => csv.number(value, p))).toBe(String(value));
      }),
      { numRuns: 20_000 },
    );
    for (const value of [
      0, -0, 0.1, 0.29, 1e-6, 9.5e-7, 1e11, 99_999_999_999.99, 0.30000000000000004,
    ]) {
      expect(written((csv) => csv.number(value, 2))).toBe(String(value));
    }
  });

  it('writes whole numbers as String does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.double()), (n) => {
        expect(written((csv) => csv.int(n))).toBe(String(n));
      }),
      { numRuns: 20_000 },
    );
    expect(written((csv) => csv.int(Number.MAX_SAFE_INTEGER).comma().int(0))).toBe(
      '9007199254740991,0',
    );
  });

  it('writes the sim archive kline rows as their template strings would', () => {
    const market = new SimMarket();
    const start = Date.UTC(2024, 11, 1);
    const candles = market.candles('ETH/USDT', '1m', { startMs: start, endMs: start + 86_400_000 });
    for (const scale of [1, 1000]) {
      for (const c of candles) {
        const quote = Math.round(c.volume * c.close * 1e4) / 1e4;
        expect(klineCsv(c, 60_000, scale)).toBe(
          `${c.tsMs * scale},${c.open},${c.high},${c.low},${c.close},${c.volume},${(c.tsMs + 60_000) * scale - 1},${quote},${1 + ((c.tsMs / 1000) % 97)},${Math.round(c.volume * 5e3) / 1e4},${Math.round(quote * 5e3) / 1e4},0\n`,
        );
      }
    }
  });
});
