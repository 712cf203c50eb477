import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BacktestRunner, type Model, type TickData } from '../src/backtest/index.js';
import { writeCachedDays } from './helpers/backtest-files.js';

// Two days of 1m candles whose every value encodes its row: ts = row time,
// open/high/low/close/volume = row number (+ a per-column offset), so any
// value a model reads tells which row it came from.
const JAN1_S = Date.UTC(2024, 0, 1) / 1000;
const N = 2 * 1440;
const WINDOW = 50;
const rowOf = (price: number) => Math.floor(price / 10);

let cacheDir = '';
beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'gapless-bt-probe-'));
  await writeCachedDays(
    cacheDir,
    'BTC/USDT',
    Array.from({ length: N }, (_, i) => ({
      tsMs: (JAN1_S + i * 60) * 1000,
      open: i * 10 + 1,
      high: i * 10 + 2,
      low: i * 10 + 3,
      close: i * 10 + 4,
      volume: i * 10 + 5,
    })),
  );
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** The latest row a model could read through any handle of `data`, tried every way we know. */
function latestReachableRow(data: TickData): number {
  let latest = -1;
  const see = (row: number) => {
    latest = Math.max(latest, row);
  };
  const { columns } = data;
  for (const [name, array] of Object.entries(columns) as [string, Float64Array][]) {
    // Past the end of the view, through the whole buffer, and any byte of it.
    expect(array[array.length]).toBeUndefined();
    const whole = new Float64Array(array.buffer);
    expect(array.byteOffset).toBe(0);
    expect(array.buffer.byteLength).toBe(WINDOW * 8);
    for (const v of whole) see(name === 'ts' ? (v - JAN1_S) / 60 : rowOf(v));
    const bytes = new Uint8Array(array.buffer);
    expect(bytes.length).toBe(WINDOW * 8);
  }
  for (const candle of data.candles_1m) {
    see((candle.ts - JAN1_S) / 60);
    for (const v of [candle.open, candle.high, candle.low, candle.close, candle.volume]) {
      see(rowOf(v));
    }
  }
  // No own keys at all (the fields are getters over private state), and nothing can be added.
  expect(Reflect.ownKeys(data)).toEqual([]);
  expect(Object.isFrozen(data)).toBe(true);
  return latest;
}

describe('a look-ahead probe model', () => {
  it('never reaches a row after the current one, and its window is exactly rows i-w+1..i', async () => {
    let ticks = 0;
    let stale: TickData | undefined;
    const probe: Model = {
      tick(data) {
        const i = (data.asof_ts - JAN1_S) / 60;
        expect(latestReachableRow(data)).toBe(i);
        expect(Array.from(data.columns.close)).toEqual(
          Array.from({ length: WINDOW }, (_, k) => (i - WINDOW + 1 + k) * 10 + 4),
        );
        // One object per subject, pointed at each new row.
        if (stale !== undefined) expect(data).toBe(stale);
        stale = data;
        // Writing into the window changes nothing the runner uses.
        data.columns.close.fill(1e12);
        ticks++;
      },
      predict: () => 0,
    };
    const result = await new BacktestRunner({ model: probe, cacheDir }).run({
      source: 'sim',
      subject: 'BTC/USDT',
      start: '2024-01-01',
      end: '2024-01-02',
      windowSize: WINDOW,
    });
    expect(ticks).toBe(N - WINDOW);
    // A kept window is not readable after its tick: its rows may be gone by then.
    expect(() => stale!.columns).toThrow(/only readable during/);
    // Entries and outcomes come from the data, not from the window the model scribbled on.
    const first = result.toRows()[0]!;
    expect(first).toMatchObject({
      entry_price: WINDOW * 10 + 4,
      resolved_price: (WINDOW + 1) * 10 + 4,
    });
  });
});
