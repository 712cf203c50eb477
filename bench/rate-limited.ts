import { join } from 'node:path';
import { createCcxtExchange } from '../src/sources/ccxt-exchange.js';
import { backfillInChild } from './child.js';
import { startSimProcess } from './sim-process.js';

const START = Date.UTC(2023, 0, 1);
const END = Date.UTC(2024, 0, 1);
const SUBJECTS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const WEIGHT_PER_MINUTE = 6000;
const KLINES_WEIGHT = 2;
const SIM_FLAGS = ['--latency-ms', '100', '--weight-per-minute', String(WEIGHT_PER_MINUTE)];

/**
 * A year of 1m candles for 3 subjects against 100 ms latency and a weight
 * limit, next to the sequential `fetchOHLCV` loop a typical script runs.
 */
export async function runRateLimited(dir: string): Promise<Record<string, number>> {
  const sim = await startSimProcess(SIM_FLAGS);
  let report: Awaited<ReturnType<typeof backfillInChild>>;
  let stats: Awaited<ReturnType<typeof sim.stats>>;
  try {
    report = await backfillInChild({
      dataDir: join(dir, 'data'),
      startMs: START,
      endMs: END,
      feed: {
        source: 'bench',
        exchange: 'binance',
        api_url: sim.url,
        subjects: SUBJECTS,
        granularities: ['1m'],
        concurrency: 8,
        rate_limit: {
          tokens_per_interval: WEIGHT_PER_MINUTE,
          interval_ms: 60_000,
          request_weight: KLINES_WEIGHT,
          max_concurrency: 16,
        },
      },
    });
    stats = await sim.stats();
  } finally {
    await sim.stop();
  }
  const naive = await naiveLoop();
  const rowsPerS = report.rows / report.seconds;
  const ceiling = (WEIGHT_PER_MINUTE / KLINES_WEIGHT / 60) * 1000;
  return {
    rows: report.rows,
    seconds: report.seconds,
    rows_per_s: Math.round(rowsPerS),
    ceiling_rows_per_s: ceiling,
    efficiency: rowsPerS / ceiling,
    http_429: stats.http429 + stats.http418,
    naive_rows_per_s: Math.round(naive),
    ratio_to_naive: rowsPerS / naive,
  };
}

/** What a typical script does: one `fetchOHLCV` after another, ccxt's own throttle on. */
async function naiveLoop(): Promise<number> {
  const sim = await startSimProcess(SIM_FLAGS);
  try {
    const exchange = createCcxtExchange({ exchange: 'binance', apiUrl: sim.url });
    exchange.enableRateLimit = true;
    await exchange.loadMarkets();
    const began = performance.now();
    let rows = 0;
    let since = START;
    for (let page = 0; page < 30; page++) {
      const candles = await exchange.fetchOHLCV('BTC/USDT', '1m', since, 1000);
      rows += candles.length;
      since = Number(candles[candles.length - 1]![0]) + 60_000;
    }
    return rows / ((performance.now() - began) / 1000);
  } finally {
    await sim.stop();
  }
}
