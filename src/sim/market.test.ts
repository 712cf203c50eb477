import { describe, expect, it } from 'vitest';
import { SimMarket } from './market.js';

const DAY = 86_400_000;
const START = Date.UTC(2023, 4, 10);
const NOW = START + 3 * DAY + 30_000;

describe('SimMarket', () => {
  it('is deterministic and random-access', () => {
    const a = new SimMarket({ seed: 9 });
    const b = new SimMarket({ seed: 9 });
    const whole = a.candles('BTC/USDT', '1m', { startMs: START, endMs: START + DAY }, NOW);
    expect(whole).toHaveLength(1440);
    expect(b.candles('BTC/USDT', '1m', { startMs: START, endMs: START + DAY }, NOW)).toEqual(whole);
    // Any slice equals the same bars computed as part of a larger range.
    const slice = b.candles(
      'BTC/USDT',
      '1m',
      { startMs: START + 600_000, endMs: START + 900_000 },
      NOW,
    );
    expect(slice).toEqual(whole.slice(10, 15));
    expect(
      new SimMarket({ seed: 10 }).candles(
        'BTC/USDT',
        '1m',
        { startMs: START, endMs: START + 60_000 },
        NOW,
      ),
    ).not.toEqual(whole.slice(0, 1));
  });

  it('keeps high/low around open/close, volume positive, and prices decimal-exact', () => {
    const market = new SimMarket();
    for (const [g, days] of [
      ['1s', 0.05],
      ['1m', 3],
      ['1h', 60],
      ['1d', 900],
      ['1w', 3000],
    ] as const) {
      const range = { startMs: START - days * DAY, endMs: START };
      for (const c of market.candles('ETH/USDT', g, range, NOW)) {
        expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
        expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
        expect(c.low).toBeGreaterThan(0);
        expect(c.volume).toBeGreaterThan(0);
        for (const v of [c.open, c.high, c.low, c.close, c.volume])
          expect(Number(String(v))).toBe(v);
      }
    }
  });

  it('continues the path: each close is the next open', () => {
    const bars = new SimMarket().candles(
      'SOL/USDT',
      '5m',
      { startMs: START, endMs: START + DAY },
      NOW,
    );
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.open).toBe(bars[i - 1]!.close);
  });

  it('returns only closed bars, after genesis', () => {
    const market = new SimMarket({ genesisMs: START });
    const now = START + 10 * 60_000 + 59_999;
    const bars = market.candles(
      'BTC/USDT',
      '1m',
      { startMs: START - DAY, endMs: START + DAY },
      now,
    );
    expect(bars.map((b) => b.tsMs)).toEqual(
      Array.from({ length: 10 }, (_, i) => START + i * 60_000),
    );
    expect(
      market
        .trades('BTC/USDT', { startMs: START - DAY, endMs: START + DAY }, now)
        .every((t) => t.tsMs >= START && t.tsMs < now),
    ).toBe(true);
  });

  it('has no candles and no trades in maintenance', () => {
    const maintenance = { startMs: START + 3_600_000, endMs: START + 2 * 3_600_000 };
    const market = new SimMarket({ maintenance: [maintenance] });
    const range = { startMs: START, endMs: START + DAY };
    const bars = market.candles('BTC/USDT', '1m', range, NOW);
    expect(bars).toHaveLength(1440 - 60);
    const inside = (ts: number) => ts >= maintenance.startMs && ts < maintenance.endMs;
    expect(bars.some((b) => inside(b.tsMs))).toBe(false);
    const trades = market.trades('BTC/USDT', range, NOW);
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.some((t) => inside(t.tsMs))).toBe(false);
    expect(
      new SimMarket().candles('BTC/USDT', '1m', range, NOW).filter((b) => !inside(b.tsMs)),
    ).toEqual(bars);
  });

  it('makes trades sorted with ids increasing in time, some minutes empty', () => {
    const market = new SimMarket();
    const trades = market.trades('XRP/USDT', { startMs: START, endMs: START + 6 * 3_600_000 }, NOW);
    for (let i = 1; i < trades.length; i++) {
      expect(trades[i]!.tsMs).toBeGreaterThanOrEqual(trades[i - 1]!.tsMs);
      expect(Number(trades[i]!.tradeId)).toBeGreaterThan(Number(trades[i - 1]!.tradeId));
    }
    const minutes = new Set(trades.map((t) => Math.floor(t.tsMs / 60_000)));
    expect(minutes.size).toBeLessThan(360);
    expect(new Set(trades.map((t) => t.side))).toEqual(new Set(['buy', 'sell']));
    const part = market.trades(
      'XRP/USDT',
      { startMs: START + 3_600_000, endMs: START + 7_200_000 },
      NOW,
    );
    expect(part).toEqual(
      trades.filter((t) => t.tsMs >= START + 3_600_000 && t.tsMs < START + 7_200_000),
    );
  });

  it('lists its subjects and nothing else', () => {
    const market = new SimMarket({ subjects: ['AAA/USD'] });
    expect(market.subjects()).toEqual(['AAA/USD']);
    expect(market.has('BTC/USDT')).toBe(false);
    expect(market.candles('BTC/USDT', '1m', { startMs: START, endMs: START + DAY }, NOW)).toEqual(
      [],
    );
  });

  // Speed is measured in `npm run bench`, never asserted here: a timed test fails on a busy machine.
  it('makes a year of 1m candles, one per bar', () => {
    const bars = new SimMarket().candles(
      'BTC/USDT',
      '1m',
      { startMs: START - 365 * DAY, endMs: START },
      NOW,
    );
    expect(bars).toHaveLength(525_600);
    expect(bars[1]!.tsMs - bars[0]!.tsMs).toBe(60_000);
  });
});
