import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDecimalInto } from './decimal-bytes.js';

const read = (text: string) => {
  const bytes = Buffer.from(`${text},`);
  const out = new Float64Array(1);
  const end = readDecimalInto(bytes, 0, bytes.length, out, 0);
  return { value: out[0]!, end };
};

describe('readDecimalInto', () => {
  it('reads exactly what Number reads, for any double as JavaScript prints it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = String(x);
        const { value, end } = read(text);
        expect(Object.is(value, Number(text)) || (x === 0 && value === 0)).toBe(true);
        expect(end).toBe(text.length);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads prices and volumes as exchanges write them, and microsecond times', () => {
    for (const text of ['42123.45', '0.00001234', '1735689600000000', '10', '-3.5', '0.10000000']) {
      expect(read(text).value).toBe(Number(text));
    }
  });

  it('is NaN without a digit', () => {
    expect(read('').value).toBeNaN();
    expect(read('-').value).toBeNaN();
  });
});
