import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { parseConfig } from '../../src/config/load-config.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { freshDatabase } from './postgres.js';

/** The two job backends every server suite runs over. */
export const MODES = ['embedded', 'postgres'] as const;

/** A job backend. */
export type Mode = (typeof MODES)[number];

/** The admin key of test servers. */
export const API_KEY = 'test-admin-key-0123456789';

/** A backfill job body: one day of 1m BTC/USDT candles from the sim feed. */
export const DAY_JOB = {
  source: 'sim',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
  start: '2024-01-01',
  end: '2024-01-02',
} as const;

/** A running test server over a temp data dir (and a fresh database in postgres mode). */
export interface TestServer {
  readonly url: string;
  readonly service: Runtime;
  readonly server: RunningServer;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Run a job worker (default true); without one, submitted jobs stay pending. */
  readonly worker?: boolean;
  /** Config overrides merged over the defaults at the top level. */
  readonly config?: Record<string, unknown>;
}

/**
 * Starts `openRuntime` + `startServer` on 127.0.0.1:0 with the in-process sim
 * feed (`BTC/USDT`, `ETH/USDT`; 1m and 1h candles) and admin key {@link API_KEY}.
 */
export async function startTestServer(
  mode: Mode,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gapless-server-'));
  const db = mode === 'postgres' ? await freshDatabase() : undefined;
  const config = parseConfig({
    data_dir: dataDir,
    ...(db ? { database_url: db.url } : {}),
    feeds: [
      {
        source: 'sim',
        exchange: 'sim',
        subjects: ['BTC/USDT', 'ETH/USDT'],
        kinds: ['candle'],
        granularities: ['1m', '1h'],
      },
    ],
    server: { api_keys: [API_KEY], max_range_days: 400 },
    jobs: { poll_ms: 50, heartbeat_ms: 200 },
    scheduler: { initial_lookback_days: 1 },
    ...options.config,
  });
  const service = await openRuntime(config, {
    worker: options.worker ?? true,
    onError: () => undefined,
  });
  const server = await startServer(service, { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    service,
    server,
    dataDir,
    async close() {
      await server.close();
      await service.close();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fetches JSON: status, headers and the parsed body. */
export async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the caller asserts on the text.
  }
  return { status: res.status, headers: res.headers, body };
}

/** POSTs a JSON body. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return getJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Polls a job until it leaves pending/running; fails after `timeoutMs`. */
export async function waitForJob(
  url: string,
  id: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson(`${url}/reports/backfill/jobs/${id}`);
    const view = body as Record<string, unknown>;
    if (view.status !== 'pending' && view.status !== 'running') return view;
    if (Date.now() > deadline)
      throw new Error(`job ${id} still ${String(view.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
