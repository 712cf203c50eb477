import type { Exchange } from 'ccxt';
import { describe, expect, it, vi } from 'vitest';
import { createCcxtExchange } from './ccxt-exchange.js';
import { useFastCandles } from './ccxt-fast-candles.js';

const MIN = 60_000;
const T0 = Date.UTC(2023, 0, 1);
// binance's parseOHLCV reads only market.inverse (volume at 5, or 7 when inverse).
const SPOT = {
  symbol: 'BTC/USDT',
  id: 'BTCUSDT',
  spot: true,
  linear: undefined,
  inverse: undefined,
};
const INVERSE = {
  symbol: 'BTC/USD:BTC',
  id: 'BTCUSD_PERP',
  spot: false,
  linear: false,
  inverse: true,
};

// A fast instance and a plain one to hold it to: ccxt's own answer is the reference.
function pair(id: string): { fast: Exchange; plain: Exchange } {
  const fast = createCcxtExchange({ exchange: id });
  useFastCandles(fast);
  return { fast, plain: createCcxtExchange({ exchange: id }) };
}

// Deterministic, distinct, realistic klines: every column differs from every other.
function klines(page: number, count: number, flat = false): unknown[][] {
  return Array.from({ length: count }, (_, i) => {
    const t = T0 + (page * count + i) * MIN;
    const o = 16_541.77 + page * 13.37 + i * 1.01;
    const [h, l, c] = flat ? [o, o, o] : [o + 2.5 + i / 100, o - 1.75 - i / 100, o + 0.33];
    const v = 3.12345678 + i + page / 10;
    const px = (x: number) => x.toFixed(8);
    const rest = [t + MIN - 1, px(v * o), 40 + i, px(v / 3), px((v * o) / 3), '0'];
    return [t, ...[o, h, l, c, v].map(px), ...rest];
  });
}

// Bitfinex candles: [ts, open, close, high, low, volume], bare numbers.
function bitfinexCandles(page: number, count: number): number[][] {
  return Array.from({ length: count }, (_, i) => {
    const o = 16_541 + page * 7 + i * 0.5;
    return [T0 + (page * count + i) * MIN, o, o + 0.25, o + 3, o - 2, 1.5 + i + page];
  });
}

type Args = [market: unknown, since?: number, limit?: number, tail?: boolean];

// Parses `text` as each instance would and checks both give the same candles.
function check(
  fast: Exchange,
  plain: Exchange,
  text: string,
  ...[market, since, limit, tail]: Args
) {
  const got = fast.parseOHLCVs(fast.parseJson(text), market, '1m', since, limit, tail);
  const want = plain.parseOHLCVs(JSON.parse(text), market, '1m', since, limit, tail);
  // The fast path may hand back the parsed rows whole, the exchange's extra fields
  // after the six included (documented in useFastCandles); the candle is the six.
  expect(got.map((candle) => candle.slice(0, 6))).toEqual(want);
  return got;
}

describe('useFastCandles', () => {
  it('learns the identity mapping on binance spot, then checks only the first row per page', () => {
    const { fast, plain } = pair('binance');
    const spy = vi.spyOn(fast, 'parseOHLCV');
    const first = klines(0, 6);
    const got = check(fast, plain, JSON.stringify(first), SPOT);
    expect(got[2]!.slice(0, 6)).toEqual([first[2]![0], ...first[2]!.slice(1, 6).map(Number)]);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(6); // the exchange's own parser ran
    for (let page = 1; page <= 3; page++) {
      spy.mockClear();
      check(fast, plain, JSON.stringify(klines(page, 6)), SPOT);
      expect(spy).toHaveBeenCalledTimes(1); // only the per-page check of the first row
    }
  });

  it('does not learn from flat bars, where columns cannot be told apart', () => {
    const { fast, plain } = pair('binance');
    const spy = vi.spyOn(fast, 'parseOHLCV');
    for (let page = 0; page < 3; page++) {
      spy.mockClear();
      check(fast, plain, JSON.stringify(klines(page, 5, true)), SPOT);
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(5);
    }
    // Once learned from distinct bars, flat bars take the fast path and stay right.
    check(fast, plain, JSON.stringify(klines(3, 5)), SPOT);
    spy.mockClear();
    check(fast, plain, JSON.stringify(klines(4, 5, true)), SPOT);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('leaves pages with -0 or a fractional time, past the first row, to the own parser', () => {
    const { fast, plain } = pair('binance');
    check(fast, plain, JSON.stringify(klines(0, 6)), SPOT);
    // ccxt turns a bare -0 into 0 and truncates a fractional time; only the first row is compared.
    const negativeZero = klines(1, 3);
    negativeZero[1]![5] = -0;
    const got = check(fast, plain, JSON.stringify(negativeZero).replace(',0,', ',-0,'), SPOT);
    expect(Object.is(got[1]![5], 0)).toBe(true);
    const fractional = klines(2, 3);
    fractional[2]![0] = (fractional[2]![0] as number) + 0.5;
    expect(check(fast, plain, JSON.stringify(fractional), SPOT)[2]![0]).toBe(
      (fractional[2]![0]! as number) - 0.5,
    );
  });

  it('keeps the own parser for binance inverse markets, whose volume is column 7', () => {
    const { fast, plain } = pair('binance');
    const spy = vi.spyOn(fast, 'parseOHLCV');
    for (let page = 0; page < 3; page++) {
      spy.mockClear();
      const rows = klines(page, 5);
      const got = check(fast, plain, JSON.stringify(rows), INVERSE);
      expect(got.map((c) => c[5])).toEqual(rows.map((r) => Number(r[7])));
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('falls back when a learned market starts mapping differently (per-page first-row check)', () => {
    const { fast, plain } = pair('binance');
    check(fast, plain, JSON.stringify(klines(0, 5)), SPOT);
    // Same symbol, now read as inverse: the first row disagrees, so ccxt's parser must answer.
    const got = check(fast, plain, JSON.stringify(klines(1, 5)), { ...SPOT, inverse: true });
    expect(got[0]![5]).toBe(Number(klines(1, 5)[0]![7]));
    check(fast, plain, JSON.stringify(klines(2, 5)), SPOT);
  });

  it('matches bitfinex, whose rows are [ts, open, close, high, low, volume]', () => {
    const { fast, plain } = pair('bitfinex');
    const market = { symbol: 'BTC/USD', id: 'tBTCUSD', spot: true };
    const spy = vi.spyOn(fast, 'parseOHLCV');
    for (let page = 0; page < 4; page++) {
      spy.mockClear();
      const rows = bitfinexCandles(page, 5);
      const got = check(fast, plain, JSON.stringify(rows), market);
      const [t, o, c, h, l, v] = rows[0]!;
      expect(got[0]).toEqual([t, o, h, l, c, v]);
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('refuses to learn a mapping any row contradicts, even if later first rows pass', () => {
    const { fast, plain } = pair('bitfinex');
    const market = { symbol: 'ETH/USD', id: 'tETHUSD', spot: true };
    check(fast, plain, JSON.stringify(bitfinexCandles(0, 5)), market);
    // A flat first row passes the per-page check under either mapping, so only the
    // first page having ruled out identity keeps the other rows right.
    const rows = bitfinexCandles(1, 5);
    rows[0]!.fill(rows[0]![1]!, 2, 5);
    check(fast, plain, JSON.stringify(rows), market);
  });

  it('sorts shuffled pages and cuts by since, limit and tail like ccxt, on both paths', () => {
    const { fast, plain } = pair('binance');
    const spy = vi.spyOn(fast, 'parseOHLCV');
    // A fixed shuffle with a duplicated row, as a faulty server sends.
    const shuffle = (rows: unknown[][]) => [5, 2, 7, 0, 3, 3, 6, 1, 4].map((i) => rows[i]!);
    const cuts: [number | undefined, number | undefined, boolean | undefined][] = [
      [T0 + 2 * MIN, 4, undefined],
      [T0 + 12 * MIN, undefined, undefined],
      [undefined, 3, undefined],
      [T0 + 11 * MIN, 3, true],
    ];
    for (let page = 0; page < 3; page++) {
      const text = JSON.stringify(shuffle(klines(page, 8)));
      for (const [since, limit, tail] of cuts) {
        spy.mockClear();
        const got = check(fast, plain, text, SPOT, since, limit, tail);
        if (page > 0) expect(spy).toHaveBeenCalledTimes(1); // learned on page 0
        expect(got.map((c) => c[0])).toEqual([...got.map((c) => c[0])].sort((a, b) => a! - b!));
      }
    }
    // The cuts really cut: page 1 (minutes 8-15, 11 twice) from minute 10, limit 4.
    const cut = check(fast, plain, JSON.stringify(shuffle(klines(1, 8))), SPOT, T0 + 10 * MIN, 4);
    expect(cut.map((c) => c[0])).toEqual([10, 11, 11, 12].map((i) => T0 + i * MIN));
  });

  it('gives bodies that are not numeric tables the same parseJson result as ccxt', () => {
    const { fast, plain } = pair('binance');
    for (const body of [
      '{"code":-1121,"msg":"Invalid symbol."}',
      '[{"t":1672531200000,"o":"45.25"}]',
      '[[1672531200000,"45.25",null]]',
      '[["a","b"]]',
      '[[12345678901234567890,1,2,3,4,5]]',
      '[[]]',
      '[]',
      'not json',
      '',
    ]) {
      expect(fast.parseJson(body), body).toEqual(plain.parseJson(body));
    }
  });

  it('turns quoteJsonNumbers off on the fast instance only', () => {
    const { fast, plain } = pair('binance');
    expect(fast.quoteJsonNumbers).toBe(false);
    expect(plain.quoteJsonNumbers).toBe(true);
  });
});
