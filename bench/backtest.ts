/**
 * Backtest harness benchmarks: `pull` of a year of 1m day files from a local
 * service (MB/s), and the replay of that year (525,600 rows, window 120, a
 * prediction every 60 s, a model that does nothing) for time, rows per second
 * and peak RSS, beside one month to show memory stays flat. Each measurement
 * runs in its own process. The pull's baselines, measured in the same run:
 * this machine's loopback HTTP throughput (one large body from memory) and
 * its disk's floor for the same files (written atomically from memory), since
 * on a shared machine either can bound a pull far below its target. Beside
 * it, the same pull repeated in the warmed-up child (`warm_pull_mb_per_s`):
 * the first pull of a process also pays its start-up.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  readonly pull: {
    pull_mb_per_s: number;
    warm_pull_mb_per_s: number;
    files: number;
    year_mb: number;
    repull_s: number;
    disk_floor_mb_per_s: number;
    loopback_mb_per_s: number;
    pull_to_disk_floor: number;
  };
}

interface Pulled {
  files: number;
  bytes: number;
  seconds: number;
  repull_seconds: number;
  warm_seconds: number;
  unchanged: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

// GETs of one body of `bytes` from a bare node:http server, from another process, for a second.
async function loopbackMbPerS(bytes: number): Promise<number> {
  const body = Buffer.alloc(bytes, 1);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const { port } = server.address() as AddressInfo;
    const { stdout } = await run(process.execPath, [
      resolve('dist/bench/download-child.js'),
      `http://127.0.0.1:${port}/`,
      '1',
      '1',
    ]);
    const got = JSON.parse(stdout) as { bytes: number; seconds: number };
    return got.bytes / got.seconds / 1e6;
  } finally {
    server.close();
  }
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
  // Three pulls into fresh caches (the last one kept for the replays), each beside the
  // disk's floor for the same files, so a busy machine shows as a low floor too.
  const pulls: Pulled[] = [];
  const floors: number[] = [];
  try {
    const server = await startServer(service, {
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
    });
    try {
      // Warm the manifest (row counts and hashes are cached per file, as on a running service).
      await fetch(`${server.url}/data/backfill/index`).then((r) => r.arrayBuffer());
      for (let i = 0; i < 3; i++) {
        const into = i === 2 ? cacheDir : join(dir, `cache-${i}`);
        // What the backfill (or the last floor) wrote goes to disk first: the kernel's
        // writeback of it would otherwise land inside the pull measured next.
        await run('sync');
        pulls.push(await child<Pulled>('pull', server.url, into, YEAR.start, YEAR.end));
        const floor = await child<{ bytes: number; seconds: number }>(
          'disk',
          join(into, 'sim', 'BTC%2FUSDT', 'candle', '1m'),
          join(dir, `floor-${i}`),
        );
        floors.push(floor.bytes / floor.seconds / 1e6);
      }
    } finally {
      await server.close();
    }
  } finally {
    await service.close();
  }
  for (const pulled of pulls) {
    if (pulled.files !== 365 || pulled.unchanged !== 365) {
      throw new Error(
        `pulled ${pulled.files} files, ${pulled.unchanged} unchanged on the second pull`,
      );
    }
  }
  const pulled = pulls[0]!;
  const pullMbPerS = median(pulls.map((p) => p.bytes / p.seconds / 1e6));
  const loopback = await loopbackMbPerS(pulled.bytes);
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
      pull_mb_per_s: round1(pullMbPerS),
      warm_pull_mb_per_s: round1(median(pulls.map((p) => p.bytes / p.warm_seconds / 1e6))),
      files: pulled.files,
      year_mb: round1(pulled.bytes / 1e6),
      repull_s: median(pulls.map((p) => p.repull_seconds)),
      disk_floor_mb_per_s: round1(median(floors)),
      loopback_mb_per_s: round1(loopback),
      pull_to_disk_floor: Math.round((pullMbPerS / median(floors)) * 100) / 100,
    },
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
