/**
 * Backtest harness benchmarks: `pull` of a year of 1m day files from a local
 * service (MB/s), and the replay of that year (525,600 rows, window 120, a
 * prediction every 60 s, a model that does nothing) for time, rows per second
 * and peak RSS, beside one month to show memory stays flat. Each measurement
 * runs in its own process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { openDataRuntime, openRuntime } from '../src/app/runtime.js';
import { parseConfig } from '../src/config/load-config.js';
import { makeSeries } from '../src/core/series.js';
import { startServer } from '../src/server/server.js';

const run = promisify(execFile);
const YEAR = { start: '2023-01-01', end: '2023-12-31' };
const MONTH = { start: '2023-01-01', end: '2023-01-31' };
const SERIES = makeSeries({
  source: 'sim',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
});

/** What {@link runBacktestBench} measured. */
export interface BacktestBench {
  readonly replay: {
    year_s: number;
    rows_per_s: number;
    year_peak_rss_mb: number;
    month_peak_rss_mb: number;
    rss_growth_ratio: number;
    metrics_s: number;
  };
  readonly pull: { pull_mb_per_s: number; files: number; year_mb: number; repull_s: number };
}

function configFor(dir: string) {
  return parseConfig({
    data_dir: dir,
    feeds: [
      {
        source: 'sim',
        exchange: 'sim',
        subjects: ['BTC/USDT'],
        kinds: ['candle'],
        granularities: ['1m'],
      },
    ],
    scheduler: { enabled: false },
  });
}

async function child<T>(...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [
    resolve('dist/bench/backtest-child.js'),
    ...args,
  ]);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}

interface Replay {
  rows: number;
  seconds: number;
  metrics_seconds: number;
  peak_rss_mb: number;
}

/** Best (fastest, and its RSS) of `n` replays, each in a fresh process. */
async function bestReplay(n: number, cacheDir: string, range: typeof YEAR): Promise<Replay> {
  let best: Replay | undefined;
  for (let i = 0; i < n; i++) {
    const r = await child<Replay>('replay', cacheDir, range.start, range.end);
    if (best === undefined || r.seconds < best.seconds) best = r;
  }
  return best!;
}

/** Backfills a year into a data dir, serves it, pulls it, replays it. */
export async function runBacktestBench(dir: string): Promise<BacktestBench> {
  const dataDir = join(dir, 'served');
  const cacheDir = join(dir, 'cache');
  mkdirSync(dataDir, { recursive: true });
  const data = await openDataRuntime(configFor(dataDir));
  try {
    await data.engine.fill(SERIES, {
      startMs: Date.parse(`${YEAR.start}T00:00:00Z`),
      endMs: Date.UTC(2024, 0, 1),
    });
  } finally {
    await data.close();
  }
  const service = await openRuntime(configFor(dataDir), { worker: false, scheduler: false });
  let pulled: {
    files: number;
    bytes: number;
    seconds: number;
    repull_seconds: number;
    unchanged: number;
  };
  try {
    const server = await startServer(service, {
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
    });
    try {
      // Warm the manifest (row counts and hashes are cached per file, as on a running service).
      await fetch(`${server.url}/data/backfill/index`).then((r) => r.arrayBuffer());
      pulled = await child('pull', server.url, cacheDir, YEAR.start, YEAR.end);
    } finally {
      await server.close();
    }
  } finally {
    await service.close();
  }
  if (pulled.files !== 365 || pulled.unchanged !== 365) {
    throw new Error(
      `pulled ${pulled.files} files, ${pulled.unchanged} unchanged on the second pull`,
    );
  }
  const month = await bestReplay(2, cacheDir, MONTH);
  const year = await bestReplay(3, cacheDir, YEAR);
  if (year.rows !== 525_600) throw new Error(`replayed ${year.rows} rows, expected 525600`);
  return {
    replay: {
      year_s: year.seconds,
      rows_per_s: Math.round(year.rows / year.seconds),
      year_peak_rss_mb: year.peak_rss_mb,
      month_peak_rss_mb: month.peak_rss_mb,
      rss_growth_ratio: year.peak_rss_mb / month.peak_rss_mb,
      metrics_s: year.metrics_seconds,
    },
    pull: {
      pull_mb_per_s: Math.round(pulled.bytes / pulled.seconds / 1e5) / 10,
      files: pulled.files,
      year_mb: Math.round(pulled.bytes / 1e5) / 10,
      repull_s: pulled.repull_seconds,
    },
  };
}
