/**
 * Service benchmarks: history requests per second and p99 from a warm server,
 * Parquet download throughput, and the overhead of running a backfill as a
 * job through the HTTP API over the same backfill done directly.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { openDataRuntime, openRuntime, type Runtime } from '../src/app/runtime.js';
import { parseConfig } from '../src/config/load-config.js';
import { makeSeries } from '../src/core/series.js';
import { startServer } from '../src/server/server.js';

const run = promisify(execFile);
const DAY_START = Date.UTC(2024, 0, 1);
const DAY_END = Date.UTC(2024, 0, 2);
const YEAR_START = Date.UTC(2023, 0, 1);
const YEAR_END = Date.UTC(2024, 0, 1);

/** What {@link runServiceBench} measured. */
export interface ServiceBench {
  readonly history: { history_rps: number; p99_ms: number };
  readonly files: { file_mb_per_s: number; file_bytes: number };
  readonly job: { job_overhead: number; job_s: number; direct_s: number };
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
        granularities: ['1m', '1s'],
      },
    ],
    jobs: { poll_ms: 50 },
    scheduler: { enabled: false },
  });
}

/** What autocannon reports, in the parts the benches read. */
export interface CannonResult {
  requests: { average: number };
  latency: { p99: number };
  throughput: { average: number };
  non2xx: number;
  errors: number;
}

/** autocannon in its own process: sharing the server's event loop would halve both. */
export async function cannon(
  url: string,
  connections: number,
  seconds: number,
): Promise<CannonResult> {
  const bin = resolve('node_modules/autocannon/autocannon.js');
  const { stdout } = await run(
    process.execPath,
    [bin, '--json', '-c', String(connections), '-d', String(seconds), url],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as CannonResult;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`autocannon saw ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return result;
}

/** Repeated downloads from a separate process: bytes and seconds. */
async function downloadLoop(
  url: string,
  connections: number,
  seconds: number,
): Promise<{ bytes: number; seconds: number }> {
  const child = resolve('dist/bench/download-child.js');
  const { stdout } = await run(process.execPath, [
    child,
    url,
    String(connections),
    String(seconds),
  ]);
  return JSON.parse(stdout) as { bytes: number; seconds: number };
}

/** Seconds from submission to completion, as the job record has them. */
async function waitForJob(url: string, id: string): Promise<number> {
  for (;;) {
    const view = (await (await fetch(`${url}/reports/backfill/jobs/${id}`)).json()) as {
      status: string;
      error: string | null;
      created_at: string;
      updated_at: string;
    };
    if (view.status === 'completed') {
      return (Date.parse(view.updated_at) - Date.parse(view.created_at)) / 1000;
    }
    if (view.status !== 'pending' && view.status !== 'running')
      throw new Error(`job ${view.status}: ${view.error}`);
    // Polled as a dashboard would; the poll runs in the job's process, so a
    // tight loop would slow the job it measures.
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withServer<T>(service: Runtime, fn: (url: string) => Promise<T>): Promise<T> {
  const server = await startServer(service, {
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
  });
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

const YEAR_SERIES = makeSeries({
  source: 'sim',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
});

/** A year of 1m candles submitted through `POST /reports/backfill`, timed until the job completes. */
async function jobBackfill(dataDir: string): Promise<number> {
  mkdirSync(dataDir, { recursive: true });
  const service = await openRuntime(configFor(dataDir), { scheduler: false });
  try {
    return await withServer(service, async (url) => {
      const res = await fetch(`${url}/reports/backfill`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          source: 'sim',
          subject: 'BTC/USDT',
          kind: 'candle',
          granularity: '1m',
          start: YEAR_START,
          end: YEAR_END,
        }),
      });
      if (res.status !== 201)
        throw new Error(`POST /reports/backfill: ${res.status} ${await res.text()}`);
      return waitForJob(url, ((await res.json()) as { id: string }).id);
    });
  } finally {
    await service.close();
  }
}

/** The same year through the engine directly, no job around it. */
async function directBackfill(dataDir: string): Promise<number> {
  mkdirSync(dataDir, { recursive: true });
  const runtime = await openDataRuntime(configFor(dataDir));
  try {
    const began = performance.now();
    await runtime.engine.fill(YEAR_SERIES, { startMs: YEAR_START, endMs: YEAR_END });
    return (performance.now() - began) / 1000;
  } finally {
    await runtime.close();
  }
}

/** Runs the three service benchmarks under `dir` (fresh data dirs inside it). */
export async function runServiceBench(dir: string): Promise<ServiceBench> {
  const servedDir = join(dir, 'served');
  mkdirSync(servedDir, { recursive: true });
  const served = await openRuntime(configFor(servedDir), { worker: false, scheduler: false });
  let history: ServiceBench['history'];
  let files: ServiceBench['files'];
  try {
    const minute = makeSeries({
      source: 'sim',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1m',
    });
    const second = makeSeries({
      source: 'sim',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1s',
    });
    await served.engine.fill(minute, {
      startMs: DAY_START - 86_400_000,
      endMs: DAY_END + 86_400_000,
    });
    await served.engine.fill(second, { startMs: DAY_START, endMs: DAY_END });
    [history, files] = await withServer(served, async (url) => {
      const historyUrl = `${url}/api/v1/historical/BTC-USDT?start=2024-01-01&end=2024-01-02&granularity=1m`;
      await fetch(historyUrl).then((r) => r.arrayBuffer());
      const h = await cannon(historyUrl, 32, 10);
      // The largest day file: a day of 1s bars (86,400 rows).
      const fileUrl = `${url}/data/backfill/sim/BTC%2FUSDT/candle/1s/2024-01-01.parquet`;
      const bytes = (await (await fetch(fileUrl)).arrayBuffer()).byteLength;
      const f = await downloadLoop(fileUrl, 8, 5);
      return [
        { history_rps: Math.round(h.requests.average), p99_ms: h.latency.p99 },
        { file_mb_per_s: Math.round(f.bytes / f.seconds / 1e5) / 10, file_bytes: bytes },
      ] as const;
    });
  } finally {
    await served.close();
  }

  // Job and direct runs alternate on fresh data dirs; the best of each is kept,
  // so warm-up (JIT, DuckDB) does not land on one side only.
  const jobRuns: number[] = [];
  const directRuns: number[] = [];
  for (let round = 0; round < 2; round++) {
    directRuns.push(await directBackfill(join(dir, `direct-${round}`)));
    jobRuns.push(await jobBackfill(join(dir, `job-${round}`)));
  }
  const jobS = Math.min(...jobRuns);
  const directS = Math.min(...directRuns);
  return {
    history,
    files,
    job: {
      job_overhead: Math.round((jobS / directS) * 1000) / 1000,
      job_s: Math.round(jobS * 100) / 100,
      direct_s: Math.round(directS * 100) / 100,
    },
  };
}
