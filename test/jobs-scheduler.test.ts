import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { parseSeries } from '../src/core/series.js';
import { type LastBackfill, Scheduler } from '../src/jobs/scheduler.js';
import { openService, type Service } from '../src/jobs/service.js';
import { SimMarket } from '../src/sim/market.js';
import { tempDir } from './helpers/cli.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAY0 = Date.UTC(2024, 2, 10);
const DUE = DAY0 + 2 * HOUR + 15 * 60_000;
const market = new SimMarket();

/** A clock and a timer the test moves by hand. */
function fakeTime(startMs: number) {
  let nowMs = startMs;
  const timers: { fn: () => void; atMs: number; cancelled: boolean }[] = [];
  return {
    now: () => nowMs,
    set: (ms: number) => {
      nowMs = ms;
    },
    setTimer: (fn: () => void, ms: number) => {
      const timer = { fn, atMs: nowMs + ms, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    /** Live timers, soonest first. */
    pending: () => timers.filter((t) => !t.cancelled).sort((a, b) => a.atMs - b.atMs),
    /** Moves the clock to the next timer and fires it. */
    fireNext() {
      const next = this.pending()[0];
      if (next === undefined) throw new Error('no timer armed');
      next.cancelled = true;
      nowMs = next.atMs;
      next.fn();
    },
  };
}

describe('Scheduler', () => {
  const tmp = tempDir();
  let service: Service;
  const time = fakeTime(DAY0);
  const runs: LastBackfill[] = [];
  const errors: unknown[] = [];
  let scheduler: Scheduler;

  beforeAll(async () => {
    const config = parseConfig({
      data_dir: tmp.dir,
      // No settle grace: the run at DUE may take the bar that closed at DUE.
      feeds: [{ source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'], settle_ms: 0 }],
      scheduler: { hour: 2, minute: 15, initial_lookback_days: 2 },
    });
    service = await openService(config, { worker: false, scheduler: false, nowMs: time.now });
    scheduler = new Scheduler({
      config,
      repos: service.repos,
      providers: service.providers,
      now: time.now,
      setTimer: time.setTimer,
      onError: (e) => errors.push(e),
      onRun: (s) => runs.push(s),
    });
    await service.repos.symbols.add('BTC/USDT', 'crypto');
    await service.repos.symbols.add('ETH/USDT', 'crypto');
    await service.repos.symbols.add('AAPL', 'equity');
    await service.repos.symbols.add('GONE/USDT', 'crypto');
    await service.repos.symbols.remove('GONE/USDT');
  });
  afterAll(async () => {
    await scheduler?.stop();
    await service?.close();
    tmp.cleanup();
  });

  it('computes the next run at the configured UTC time', () => {
    expect(scheduler.nextRunAt(DAY0)).toBe(DUE);
    expect(scheduler.nextRunAt(DUE - 1)).toBe(DUE);
    expect(scheduler.nextRunAt(DUE)).toBe(DUE + DAY);
    expect(scheduler.nextRunAt(DAY0 + 23 * HOUR)).toBe(DUE + DAY);
  });

  it('fires at hour:minute UTC and backfills each active symbol from its coverage', async () => {
    const btc = parseSeries('candle:sim:BTC/USDT:1m');
    // BTC already has yesterday's first half; ETH has nothing and starts 2 days back.
    await service.providers
      .providerFor(btc)
      .fillMissing(DAY0 - DAY, DAY0 - 12 * HOUR, { series: btc });

    expect(scheduler.running).toBe(false);
    scheduler.start();
    expect(scheduler.running).toBe(true);
    expect(time.pending().map((t) => t.atMs)).toEqual([DUE]);
    time.fireNext();
    expect(scheduler.busy).toBe(true);
    // Re-armed for tomorrow at once, even while today's run is going.
    expect(time.pending().map((t) => t.atMs)).toEqual([DUE + DAY]);
    while (scheduler.busy) await new Promise((r) => setTimeout(r, 10));

    const btcRows = market.candles('BTC/USDT', '1m', { startMs: DAY0 - 12 * HOUR, endMs: DUE });
    const ethRows = market.candles('ETH/USDT', '1m', { startMs: DUE - 2 * DAY, endMs: DUE });
    expect(runs).toEqual([
      {
        time: new Date(DUE).toISOString(),
        successful_symbols: 2,
        failed_symbols: 1,
        total_records_imported: btcRows.length + ethRows.length,
      },
    ]);
    expect(scheduler.lastBackfill).toEqual(runs[0]);
    const history = await service.repos.history.list({ limit: 10 });
    expect(history.map((h) => [h.symbol, h.success, h.recordsImported]).sort()).toEqual([
      ['AAPL', false, 0],
      ['BTC/USDT', true, btcRows.length],
      ['ETH/USDT', true, ethRows.length],
    ]);
    expect(history.find((h) => h.symbol === 'AAPL')?.errorDetails).toContain(
      "asset_class 'equity'",
    );
    expect(history.every((h) => h.backfillTimestamp === DUE)).toBe(true);
    expect(await service.providers.store.coverage(btc)).toEqual([
      { startMs: DAY0 - DAY, endMs: DUE },
    ]);
    expect(errors).toEqual([]);
  });

  it('never overlaps: a run due while one is going is skipped and counted', async () => {
    time.set(DUE + DAY);
    const first = scheduler.runNow();
    expect(await scheduler.runNow()).toBeUndefined();
    time.fireNext();
    expect(scheduler.skippedRuns).toBe(2);
    const summary = await first;
    expect(summary?.successful_symbols).toBe(2);
    expect(scheduler.completedRuns).toBe(2);
    // Only the bars after the previous run were imported (one day, per symbol).
    const next = market.candles('BTC/USDT', '1m', { startMs: DUE, endMs: DUE + DAY });
    expect(summary?.total_records_imported).toBe(2 * next.length);
  });

  it('stops: no timer left armed', async () => {
    await scheduler.stop();
    expect(scheduler.running).toBe(false);
    expect(time.pending()).toEqual([]);
  });
});
