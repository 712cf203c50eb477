import { describe, expect, it } from 'vitest';
import type { Candle, Trade } from '../core/rows.js';
import { parseSeries } from '../core/series.js';
import { frameFromRows } from '../seamless/frame-ops.js';
import { checkConformance, goodPart } from './pipeline.js';

const M = 60_000;
const candle = (i: number, over: Partial<Candle> = {}): Candle => ({
  tsMs: i * M,
  open: 10,
  high: 12,
  low: 9,
  close: 11,
  volume: 1,
  ...over,
});

describe('checkConformance', () => {
  const series = parseSeries('candle:sim:BTC/USDT:1m');
  const window = { startMs: 0, endMs: 10 * M };

  it('passes clean candles and reports gaps as warnings only', () => {
    const report = checkConformance(series, [candle(0), candle(1), candle(4)], { window });
    expect(report.ok).toBe(true);
    expect(report.stats.gapBars).toBe(2 + 5);
    expect(report.violations).toEqual([
      expect.objectContaining({ rule: 'gap', severity: 'warning', index: 2 }),
    ]);
  });

  it('flags schema and temporal errors by row index', () => {
    const rows = [
      candle(0, { low: 10.5 }),
      candle(1, { open: Number.NaN }),
      candle(2, { close: -1, low: -2 }),
      candle(5),
      candle(3),
      candle(20),
    ];
    const report = checkConformance(series, rows, { window });
    const errors = report.violations.filter((v) => v.severity === 'error');
    expect(errors.map((v) => [v.index, v.rule])).toEqual([
      [0, 'low_above_open_close'],
      [1, 'not_finite'],
      [2, 'negative_price'],
      [2, 'negative_price'],
      [4, 'out_of_order'],
      [5, 'outside_range'],
    ]);
    const good = goodPart(series, rows, report);
    expect(good.rows.map((r) => r.tsMs / M)).toEqual([5]);
    // Bars 0-3 held bad rows (bar 3 the out-of-order one), bar 20 lies outside.
    expect(good.ranges).toEqual([{ startMs: 4 * M, endMs: 10 * M }]);
  });

  it('reports which fields changed against stored rows', () => {
    const previous = frameFromRows(series, [candle(0), candle(1)]);
    const report = checkConformance(series, [candle(0), candle(1, { close: 11.5 })], {
      window: { startMs: 0, endMs: 2 * M },
      previous,
    });
    expect(report.ok).toBe(true);
    expect(report.stats.changedRows).toBe(1);
    expect(report.violations).toEqual([
      expect.objectContaining({ rule: 'changed', index: 1, detail: 'close 11 -> 11.5' }),
    ]);
  });

  it('checks trades: ids, sides, prices, repeats', () => {
    const trades = parseSeries('trade:sim:BTC/USDT');
    const t = (ts: number, id: string, over: Partial<Trade> = {}): Trade => ({
      tsMs: ts,
      tradeId: id,
      price: 1,
      amount: 1,
      side: 'buy',
      ...over,
    });
    const report = checkConformance(
      trades,
      [t(1, 'a'), t(2, 'a'), t(3, '', { side: 'x' as Trade['side'] }), t(4, 'b', { amount: -1 })],
      { window: { startMs: 0, endMs: 10 } },
    );
    expect(report.violations.map((v) => [v.index, v.rule])).toEqual([
      [1, 'duplicate'],
      [2, 'bad_trade_id'],
      [2, 'bad_side'],
      [3, 'negative_volume'],
    ]);
  });

  it('rejects bad arguments', () => {
    expect(() => checkConformance('nope', [], { window })).toThrow(/bad series id/);
    expect(() => checkConformance(series, [], { window: { startMs: 5, endMs: 1 } })).toThrow(
      /must be after start/,
    );
  });
});
