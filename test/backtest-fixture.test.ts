import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BacktestRunner,
  type Model,
  type PredictScope,
  type TickData,
} from '../src/backtest/index.js';
import { type FixtureCandle, writeCachedDays } from './helpers/backtest-files.js';

// Ten days, 2024-03-01..10, 30 one-minute rows each at 12:00..12:29 UTC: 300
// rows. Row i (day d = i div 30, minute m = i mod 30) closes at 100 + i, so
// prices only rise, and a later row always closes higher.
const DAYS = 10;
const PER_DAY = 30;
const MAR1_NOON_S = Date.UTC(2024, 2, 1, 12) / 1000;
const tsOf = (i: number) => MAR1_NOON_S + Math.floor(i / PER_DAY) * 86_400 + (i % PER_DAY) * 60;
const rows: FixtureCandle[] = Array.from({ length: DAYS * PER_DAY }, (_, i) => ({
  tsMs: tsOf(i) * 1000,
  open: 100 + i - 0.5,
  high: 100 + i + 1,
  low: 100 + i - 1,
  close: 100 + i,
  volume: i + 1,
}));

// Predicts +1 on even days of March (1st = day 0) and -1 on odd ones; throws
// at 12:15 on March 1st.
class DayParityModel implements Model {
  asof = 0;
  tick(data: TickData): void {
    this.asof = data.asof_ts;
  }
  predict(_scope: PredictScope): number {
    const day = Math.floor((this.asof - MAR1_NOON_S) / 86_400);
    if (this.asof === MAR1_NOON_S + 15 * 60) throw new Error('no idea');
    return day % 2 === 0 ? 1 : -1;
  }
}

let cacheDir = '';
const base = {
  source: 'sim',
  subject: 'BTC/USDT',
  start: '2024-03-01',
  end: '2024-03-10',
  windowSize: 5,
  predictionIntervalSeconds: 60,
  resolveHorizonSeconds: 120,
} as const;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'gapless-bt-fixture-'));
  await writeCachedDays(cacheDir, 'BTC/USDT', rows);
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('BacktestRunner on a hand-checked fixture', () => {
  it('predicts from row windowSize on, resolves by the first row at or after ts + horizon, scores', async () => {
    const result = await new BacktestRunner({ model: new DayParityModel(), cacheDir }).run(base);
    const table = result.toRows();
    // Rows 5..299 each predict (one a minute, and every day gap is more than a minute).
    expect(table.length).toBe(295);
    expect(result.config.rows).toBe(300);
    expect(result.config.files).toBe(10);
    for (const [k, row] of table.entries()) {
      const i = k + 5;
      const d = Math.floor(i / PER_DAY);
      const m = i % PER_DAY;
      // Minutes 0..27 resolve two rows later; 28 and 29 by the next day's first row.
      const j = m <= 27 ? i + 2 : (d + 1) * PER_DAY;
      const resolved = j < 300;
      const errored = i === 15;
      const value = errored ? 0 : d % 2 === 0 ? 1 : -1;
      expect(row).toEqual({
        ts: tsOf(i),
        subject: 'BTC/USDT',
        value,
        _error: errored ? 'Error: no idea' : null,
        entry_price: 100 + i,
        resolved_price: resolved ? 100 + j : null,
        profit: resolved ? (j - i) / (100 + i) : null,
        direction_up: resolved ? true : null,
        // Prices only rise: +1 for a positive (or zero) prediction, -1 for a negative one.
        score: resolved ? (value >= 0 ? 1 : -1) : null,
        score_success: resolved ? true : null,
      });
    }
    // Spot checks by hand: row 5, row 28 (resolved across the night), row 299 (never).
    expect(table[0]).toMatchObject({ entry_price: 105, resolved_price: 107, profit: 2 / 105 });
    expect(table[23]).toMatchObject({ entry_price: 128, resolved_price: 130, profit: 2 / 128 });
    expect(table[24]).toMatchObject({ entry_price: 129, resolved_price: 130, profit: 1 / 129 });
    expect(table[294]).toMatchObject({ entry_price: 399, resolved_price: null, score: null });
  });

  it('gives the three window means, hit rate, return, drawdown and ic computed by hand', async () => {
    const { metrics } = await new BacktestRunner({ model: new DayParityModel(), cacheDir }).run(
      base,
    );
    // Scored: rows 5..297. Now = row 297 = March 10 12:27.
    // 24 h: March 9 12:27..29 (+1 x 3) and March 10 12:00..12:27 (-1 x 28).
    // 72 h: March 7 12:27..29 (+3), March 8 (-30), March 9 (+30), March 10 (-28).
    // 168 h: March 3 12:27..29 (+3), then 4..9 (-30 +30 -30 +30 -30 +30), March 10 (-28).
    expect(metrics.predictions).toBe(295);
    expect(metrics.scored).toBe(293);
    expect(metrics.score_recent).toBe((3 - 28) / 31);
    expect(metrics.score_steady).toBe((3 - 30 + 30 - 28) / 91);
    expect(metrics.score_anchor).toBe((3 - 30 + 30 - 30 + 30 - 30 + 30 - 28) / (3 + 6 * 30 + 28));
    // Positive scores: March 1 (25 rows, 5..29, the errored one scored 0 -> +1), 3, 5, 7, 9 (30 each).
    expect(metrics.hit_rate).toBe((25 + 4 * 30) / 293);
    // The cumulative score climbs to 25 on March 1; every odd day takes 30 back and the next
    // even day restores it (March 10 takes 28): the deepest fall is 30.
    expect(metrics.max_drawdown).toBe(30);
    expect(metrics.mean_return).toBeCloseTo(
      meanOf(293, (k) => {
        const i = k + 5;
        const d = Math.floor(i / PER_DAY);
        const m = i % PER_DAY;
        const j = m <= 27 ? i + 2 : (d + 1) * PER_DAY;
        const sign = i === 15 ? 0 : d % 2 === 0 ? 1 : -1;
        return (sign * (j - i)) / (100 + i);
      }),
      15,
    );
    expect(metrics.ic).not.toBeNull();
  });

  it('predicts only when predictionIntervalSeconds of data time passed', async () => {
    const result = await new BacktestRunner({ model: new DayParityModel(), cacheDir }).run({
      ...base,
      predictionIntervalSeconds: 180,
    });
    // March 1: rows 5, 8, ..., 29 (9); every later day: minutes 0, 3, ..., 27 (10).
    expect(result.metrics.predictions).toBe(9 + 9 * 10);
    const ts = result.toRows().map((r) => r.ts as number);
    expect(ts.slice(0, 10)).toEqual([5, 8, 11, 14, 17, 20, 23, 26, 29, 30].map(tsOf));
  });

  it('records { value } for a number, the default output plus _error for a throw, and async models work', async () => {
    const model: Model = {
      async tick() {
        await new Promise((r) => setImmediate(r));
      },
      async predict() {
        return { value: -2, confidence: 0.5 };
      },
    };
    const result = await new BacktestRunner({
      model,
      cacheDir,
      scoringFn: (output, actual) => ({ value: (output.value as number) * actual.profit }),
    }).run({ ...base, end: '2024-03-01' });
    expect(result.predictions.names).toEqual([
      'ts',
      'subject',
      'value',
      'confidence',
      'entry_price',
      'resolved_price',
      'profit',
      'direction_up',
      'score',
      'score_success',
    ]);
    const first = result.toRows()[0]!;
    expect(first).toMatchObject({ value: -2, confidence: 0.5, score: (-2 * 2) / 105 });
  });

  it('marks a row score_success false when the scorer throws', async () => {
    const result = await new BacktestRunner({
      model: new DayParityModel(),
      cacheDir,
      scoringFn: () => {
        throw new Error('bad scorer');
      },
    }).run({ ...base, end: '2024-03-01' });
    const rows = result.toRows();
    // March 1 alone: rows 5..29, the last two unresolved.
    expect(rows.map((r) => r.score_success)).toEqual([...new Array(23).fill(false), null, null]);
    expect(result.metrics.scored).toBe(0);
    expect(result.metrics.score_recent).toBe(0);
  });

  it('ends the run with a clear error when tick throws', async () => {
    const model: Model = {
      tick(data) {
        if (data.asof_ts === tsOf(7)) throw new Error('boom');
      },
      predict: () => 1,
    };
    await expect(new BacktestRunner({ model, cacheDir }).run(base)).rejects.toThrow(
      "the model's tick failed at BTC/USDT 2024-03-01T12:07:00.000Z: boom",
    );
  });

  it('interleaves several subjects by time', async () => {
    const eth = rows.map((c) => ({ ...c, tsMs: c.tsMs + 30_000, close: c.close * 10 }));
    await writeCachedDays(cacheDir, 'ETH/USDT', eth);
    const seen: string[] = [];
    const model: Model = {
      tick(data) {
        seen.push(`${data.symbol}@${data.asof_ts}`);
      },
      predict: () => 1,
    };
    const result = await new BacktestRunner({ model, cacheDir }).run({
      ...base,
      subject: undefined,
      subjects: ['BTC/USDT', 'ETH/USDT'],
      end: '2024-03-02',
    });
    const expected: string[] = [];
    for (let i = 5; i < 60; i++) {
      expected.push(`BTC/USDT@${tsOf(i)}`, `ETH/USDT@${tsOf(i) + 30}`);
    }
    expect(seen).toEqual(expected);
    const ethRow = result.toRows().find((r) => r.subject === 'ETH/USDT')!;
    expect(ethRow).toMatchObject({ ts: tsOf(5) + 30, entry_price: 1050, resolved_price: 1070 });
  });
});

function meanOf(n: number, f: (k: number) => number): number {
  let sum = 0;
  for (let k = 0; k < n; k++) sum += f(k);
  return sum / n;
}
