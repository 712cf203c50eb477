import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { startSimServer } from '../src/sim/server.js';
import type { WorkerCommand, WorkerReport } from './cluster-limit-worker.js';

const WORKER = resolve('dist/bench/cluster-limit-worker.js');
const WORKER_HEADER = 'x-gapless-worker';

/** Options of {@link runClusterLimit}. */
export interface ClusterLimitOptions {
  /** Redis shared by the workers. */
  redisUrl: string;
  /**
   * Worker processes.
   * @default 3
   */
  processes?: number;
  /** Requests per second all workers together may start. */
  limitPerS: number;
  /** How long the workers hammer, from the moment all are told to go. */
  durationMs: number;
  /**
   * The limiter's bucket capacity.
   * @default 1
   */
  burstTokens?: number;
  /** Answer one klines request 429 (`Retry-After: 1`) this long after the start. */
  throttleAtMs?: number;
  /**
   * The limiter's `penalty_backoff_ms`.
   * @default 2000
   */
  penaltyBackoffMs?: number;
}

/** One request as the server saw it. */
export interface SeenRequest {
  /** Arrival, ms after the workers were told to go. */
  atMs: number;
  /** Which worker sent it (`0`, `1`, ...). */
  worker: string;
  path: string;
  status: number;
}

/** What {@link runClusterLimit} observed. */
export interface ClusterLimitRun {
  requests: SeenRequest[];
  /** When the 429 was answered, ms after go; undefined without `throttleAtMs`. */
  throttledAtMs: number | undefined;
  /** Pages each worker completed and the error it ended with, if any. */
  workers: { pages: number; error?: string }[];
}

/**
 * Starts the sim server behind a small counting proxy, and `processes`
 * workers that share one cluster-scope limiter in Redis (each a ccxt fetcher
 * built from a feed config) and page through klines as fast as it allows.
 * Needs `npm run build` first (the workers run from `dist/`).
 */
export async function runClusterLimit(options: ClusterLimitOptions): Promise<ClusterLimitRun> {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` first`);
  const processes = options.processes ?? 3;
  const sim = await startSimServer();
  // Stamped on the wall clock, made relative to the go once it is known: warm-up requests count too.
  const requests: SeenRequest[] = [];
  let goAt = 0;
  let throttledAtMs: number | undefined;
  const wallMs = () => performance.timeOrigin + performance.now();
  const proxy = createServer((req, res) => {
    const atMs = wallMs();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const seen: SeenRequest = { atMs, worker: String(req.headers[WORKER_HEADER]), path, status: 0 };
    requests.push(seen);
    if (
      options.throttleAtMs !== undefined &&
      throttledAtMs === undefined &&
      goAt > 0 &&
      atMs - goAt >= options.throttleAtMs &&
      path === '/api/v3/klines'
    ) {
      throttledAtMs = atMs - goAt;
      seen.status = 429;
      const body = '{"code":-1003,"msg":"Too much request weight used."}';
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(body);
      return;
    }
    const upstream = httpRequest(
      `${sim.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        seen.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const keySuffix = randomBytes(6).toString('hex');
  const children: ChildProcess[] = [];
  try {
    const reports: Promise<{ pages: number; error?: string }>[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < processes; i++) {
      const child = fork(WORKER, [JSON.stringify(workerJob(options, proxyUrl, keySuffix, i))], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      ready.push(waitFor(child, 'ready').then(() => undefined));
      reports.push(
        waitFor(child, 'done').then((r) =>
          r.type !== 'done'
            ? { pages: 0 }
            : { pages: r.pages, ...(r.error === undefined ? {} : { error: r.error }) },
        ),
      );
    }
    await Promise.all(ready);
    goAt = wallMs();
    const go: WorkerCommand = { type: 'go', durationMs: options.durationMs };
    for (const child of children) child.send(go);
    const workers = await Promise.all(reports);
    for (const seen of requests) seen.atMs -= goAt;
    requests.sort((a, b) => a.atMs - b.atMs);
    return { requests, throttledAtMs, workers };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
    proxy.closeAllConnections();
    await new Promise<void>((done) => proxy.close(() => done()));
    await sim.close();
  }
}

function workerJob(options: ClusterLimitOptions, proxyUrl: string, keySuffix: string, i: number) {
  return {
    series: 'candle:bench:BTC/USDT:1h',
    startMs: Date.UTC(2021, 0, 1),
    parallel: 8,
    feed: {
      source: 'bench',
      exchange: 'sim',
      api_url: proxyUrl,
      subjects: ['BTC/USDT'],
      granularities: ['1h'],
      concurrency: 8,
      options: { headers: { [WORKER_HEADER]: String(i) } },
      rate_limit: {
        scope: 'cluster',
        redis_dsn: options.redisUrl,
        key_template: 'bench:{exchange}:{key_suffix}',
        key_suffix: keySuffix,
        tokens_per_interval: options.limitPerS,
        interval_ms: 1_000,
        burst_tokens: options.burstTokens ?? 1,
        request_weight: 1,
        max_concurrency: 12,
        local_semaphore: 6,
        penalty_backoff_ms: options.penaltyBackoffMs ?? 2_000,
      },
      retry: { max_attempts: 8, retry_backoff_ms: 100, jitter_ratio: 0.2 },
    },
  };
}

function waitFor(child: ChildProcess, type: WorkerReport['type']): Promise<WorkerReport> {
  return new Promise((done, fail) => {
    const onMessage = (message: WorkerReport) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      done(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => fail(new Error(`worker exited with ${code} before '${type}'`)));
  });
}

/** Sliding-window figures of a run. */
export interface WindowStats {
  /** Most requests that arrived in any window of `windowMs`. */
  maxInWindow: number;
  /** Windows (one starting at each request) that held more than `limit`. */
  windowsOverLimit: number;
  /** Requests in `[fromMs, toMs)` over what the limit allows there. */
  utilisation: number;
}

/**
 * Counts requests in every window `[t, t + windowMs)` starting at a request
 * (the fullest windows start at one), and the share of the limit used in
 * `[fromMs, toMs)`.
 */
export function windowStats(
  timesMs: readonly number[],
  range: { limit: number; windowMs: number; fromMs: number; toMs: number },
): WindowStats {
  const times = [...timesMs].sort((a, b) => a - b);
  let maxInWindow = 0;
  let windowsOverLimit = 0;
  let end = 0;
  for (let start = 0; start < times.length; start++) {
    while (end < times.length && times[end]! < times[start]! + range.windowMs) end++;
    const count = end - start;
    maxInWindow = Math.max(maxInWindow, count);
    if (count > range.limit) windowsOverLimit++;
  }
  const used = times.filter((t) => t >= range.fromMs && t < range.toMs).length;
  const allowed = (range.limit * (range.toMs - range.fromMs)) / range.windowMs;
  return { maxInWindow, windowsOverLimit, utilisation: used / allowed };
}

/**
 * The `cluster_limit_utilisation` benchmark: 3 processes share a Redis limit
 * of 40 requests/s for 10 s; the first and last second are left out of the
 * utilisation. Uses `REDIS_URL` or the local Redis.
 */
export async function runClusterLimitBench(): Promise<{
  cluster_limit_utilisation: number;
  windows_over_limit: number;
  limit_per_s: number;
  processes: number;
}> {
  const limitPerS = 40;
  const processes = 3;
  const durationMs = 10_000;
  const run = await runClusterLimit({
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    processes,
    limitPerS,
    durationMs,
  });
  const failed = run.workers.find((w) => w.error !== undefined);
  if (failed) throw new Error(`cluster-limit worker failed: ${failed.error}`);
  const stats = windowStats(
    run.requests.map((r) => r.atMs),
    { limit: limitPerS, windowMs: 1_000, fromMs: 1_000, toMs: durationMs - 1_000 },
  );
  return {
    cluster_limit_utilisation: Math.round(stats.utilisation * 1000) / 1000,
    windows_over_limit: stats.windowsOverLimit,
    limit_per_s: limitPerS,
    processes,
  };
}
