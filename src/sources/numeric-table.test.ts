import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNumericTable } from './numeric-table.js';

// JSON whitespace only: anything else (NBSP, BOM) must be rejected like JSON.parse does.
const wsArb = fc
  .array(fc.constantFrom(' ', '\t', '\r', '\n'), { maxLength: 3 })
  .map((a) => a.join(''));

// The JSON number grammar, with long mantissas (17+ significant digits, the slow
// path) and exponents large enough to overflow to Infinity or underflow to 0.
const decimalArb = fc.stringMatching(/^-?(0|[1-9]\d{0,21})(\.\d{1,22})?([eE][+-]?\d{1,3})?$/);
const numberTextArb = fc.oneof(
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((x) => (Object.is(x, -0) ? '-0' : String(x))),
  fc.integer().map(String),
  fc.maxSafeInteger().map(String),
  fc.constantFrom(
    '16541.77000000',
    '-0.00000001',
    '1e-8',
    '2.5E+3',
    '0.1234567890123456789',
    '9007199254740991',
    '-0',
    '-0.0',
    '0',
  ),
  decimalArb,
);

const cellArb = fc.record({ text: numberTextArb, quoted: fc.boolean(), pre: wsArb, post: wsArb });
type Cell = { text: string; quoted: boolean; pre: string; post: string };
const rowArb = fc.record({
  cells: fc.array(cellArb, { minLength: 1, maxLength: 8 }),
  pre: wsArb,
  post: wsArb,
});
const tableArb = fc.record({
  rows: fc.array(rowArb, { maxLength: 6 }),
  pre: wsArb,
  inner: wsArb,
  post: wsArb,
});
type Table = {
  rows: { cells: Cell[]; pre: string; post: string }[];
  pre: string;
  inner: string;
  post: string;
};

function render(t: Table): string {
  const cell = (c: Cell) => `${c.pre}${c.quoted ? `"${c.text}"` : c.text}${c.post}`;
  const rows = t.rows.map((r) => `${r.pre}[${r.cells.map(cell).join(',')}]${r.post}`);
  return `${t.pre}[${rows.length > 0 ? rows.join(',') : t.inner}]${t.post}`;
}

// A bare integer literal beyond the safe range would lose digits, so it must be refused.
function hasUnsafeBareInteger(t: Table): boolean {
  return t.rows.some((r) =>
    r.cells.some(
      (c) => !c.quoted && /^-?\d+$/.test(c.text) && !Number.isSafeInteger(Number(c.text)),
    ),
  );
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

// The reference: JSON.parse, then Number() per cell. Throws if the text is not such a table.
function reference(text: string): number[][] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('not an array');
  return parsed.map((row: unknown) => {
    if (!Array.isArray(row) || row.length === 0) throw new Error('not a non-empty row');
    return row.map((v: unknown) => {
      if (typeof v === 'number' || (typeof v === 'string' && JSON_NUMBER.test(v))) return Number(v);
      throw new Error(`not a number: ${JSON.stringify(v)}`);
    });
  });
}

// toEqual gives the readable diff; Object.is per value states the exactness (-0, last ulp).
function expectExact(actual: number[][] | undefined, expected: number[][]): void {
  expect(actual).toEqual(expected);
  const exact = expected.every(
    (row, i) =>
      actual![i]!.length === row.length && row.every((v, j) => Object.is(actual![i]![j], v)),
  );
  expect(exact).toBe(true);
}

describe('parseNumericTable', () => {
  it('reads generated tables exactly as JSON.parse + Number, bare or quoted, any JSON spacing', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        const text = render(table);
        const result = parseNumericTable(text);
        if (hasUnsafeBareInteger(table)) expect(result).toBeUndefined();
        else expectExact(result, reference(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('never accepts what JSON.parse rejects, nor disagrees with it (fuzz and mutations)', () => {
    // An alphabet of the table's own tokens, so fuzzed strings come close to valid.
    const near = fc.string({ unit: fc.constantFrom(...'[]",-+.eE0123456789 \t\r\n'.split('')) });
    const mutated = fc
      .tuple(tableArb.map(render), fc.nat(), fc.nat(2), fc.oneof(fc.string({ maxLength: 2 }), near))
      .map(([text, at, kind, piece]) => {
        const i = at % (text.length + 1);
        if (kind === 0) return text.slice(0, i); // truncated
        if (kind === 1) return text.slice(0, i) + piece + text.slice(i); // inserted
        return text.slice(0, i) + piece + text.slice(i + 1); // one char replaced
      });
    fc.assert(
      fc.property(fc.oneof(fc.string(), near, mutated), (text) => {
        const result = parseNumericTable(text);
        // If accepted, JSON.parse must agree it is such a table, with the same values.
        if (result !== undefined) expectExact(result, reference(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads a real Binance klines row, quoted prices as numbers', () => {
    const text =
      '[[1672531200000,"45.25","45.28","45.2","45.25","5.2912",1672531259999,"239.4268",68,"2.6456","119.7134","0"]]';
    expectExact(parseNumericTable(text), [
      [
        1672531200000, 45.25, 45.28, 45.2, 45.25, 5.2912, 1672531259999, 239.4268, 68, 2.6456,
        119.7134, 0,
      ],
    ]);
  });

  it('accepts empty outer arrays, JSON whitespace everywhere, -0 and big quoted integers', () => {
    expect(parseNumericTable('[]')).toEqual([]);
    expect(parseNumericTable(' \r\n[\t]\n')).toEqual([]);
    expectExact(parseNumericTable('\t[\r\n[ 1 ,\t"2" ]\n,[-0,"-0.0"]]\r\n'), [
      [1, 2],
      [-0, -0],
    ]);
    // Quoted, the digits are the exchange's string: Number() of it is the contract.
    expectExact(parseNumericTable('[["12345678901234567890"]]'), [
      [Number('12345678901234567890')],
    ]);
    expectExact(parseNumericTable('[[9007199254740991,-9007199254740991]]'), [
      [9007199254740991, -9007199254740991],
    ]);
  });

  it.each([
    ['an object', '{"code":-1121,"msg":"Invalid symbol."}'],
    ['null', 'null'],
    ['a null row', '[null]'],
    ['a null cell', '[[1,null]]'],
    ['a boolean cell', '[[true]]'],
    ['an array of objects', '[{"t":1}]'],
    ['a flat array', '[1,2]'],
    ['a word in quotes', '[["abc"]]'],
    ['an empty string', '[[""]]'],
    ['spaces inside quotes', '[[" 1"],["1 "]]'],
    ['a hex string', '[["0x10"]]'],
    ['NaN and Infinity', '[["NaN"],[Infinity]]'],
    ['nesting deeper', '[[[1]]]'],
    ['an empty row', '[[]]'],
    ['a trailing comma in a row', '[[1,]]'],
    ['a trailing comma in the table', '[[1],]'],
    ['trailing garbage', '[[1]]x'],
    ['an extra bracket', '[[1]]]'],
    ['truncated text', '[[1,"2"],[3'],
    ['an unterminated quote', '[["1]]'],
    ['empty text', ''],
    ['a leading zero', '[[01]]'],
    ['a quoted leading zero', '[["01"]]'],
    ['a bare dot at the end', '[[1.]]'],
    ['a bare dot at the start', '[[".5"]]'],
    ['a plus sign', '[[+1]]'],
    ['a quoted plus sign', '[["+1"]]'],
    ['an empty exponent', '[[1e],[1e+]]'],
    ['a lone minus', '[[-]]'],
    ['a bare integer beyond 2^53', '[[12345678901234567890]]'],
    ['a bare 2^53 + 1', '[[9007199254740993]]'],
    ['a non-JSON space (NBSP)', '[\u00a0[1]]'],
    ['a byte order mark', '\ufeff[[1]]'],
  ])('rejects %s', (_, text) => {
    expect(parseNumericTable(text)).toBeUndefined();
  });
});
