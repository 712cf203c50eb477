import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCandles } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/index.js';
import { simFeed, tempDir, writeConfig } from './helpers/cli.js';
import { type ServeProcess, startServe } from './helpers/serve.js';
import { getJson, postJson, waitForJob } from './helpers/server-harness.js';

const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 3, 1);
const series = parseSeries('candle:simx:BTC/USDT:1m');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file under `dir` (recursively) with its mtime and size. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const s = statSync(file);
    out[file] = `${s.mtimeMs}:${s.size}`;
  }
  return out;
}

// A worker paused past its lease (a stopped VM, a long GC, SIGSTOP) wakes up
// with fetched rows in hand while another worker has taken the job over and
// finished it: it must not commit them.
describe('a worker that lost its job lease', () => {
  let sim: SimServer;
  const tmp = tempDir();
  const servers: ServeProcess[] = [];

  beforeAll(async () => {
    sim = await startSimServer({ latencyMs: 20 });
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [simFeed(sim.url, { concurrency: 2 })],
      jobs: { lease_ttl_ms: 1_500, heartbeat_ms: 300, poll_ms: 100 },
    });
  });

  afterAll(async () => {
    for (const s of servers) {
      s.child.kill('SIGCONT');
      await s.kill();
    }
    await sim?.close();
    tmp.cleanup();
  });

  it('commits nothing after its successor finished, and the data stays exact', {
    timeout: 120_000,
  }, async () => {
    const first = await startServe(tmp.dir, { env: { GAPLESS_LOG_LEVEL: 'warn' } });
    servers.push(first);
    const created = await postJson(`${first.url}/reports/backfill`, {
      ...{ source: 'simx', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' },
      start: START,
      end: END,
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    // Pause it mid-job, outside a commit: a paused process holding the series
    // lock would (rightly) hold every other writer too.
    const lock = join(
      tmp.dir,
      'data',
      '.gapless',
      'locks',
      'simx',
      'BTC%2FUSDT',
      'candle',
      '1m.lock',
    );
    for (;;) {
      const view = (await getJson(`${first.url}/reports/backfill/jobs/${id}`)).body as {
        cursor_ms: number | null;
        status: string;
      };
      expect(['pending', 'running']).toContain(view.status);
      if (view.cursor_ms !== null && view.cursor_ms > START) {
        first.child.kill('SIGSTOP');
        await sleep(50);
        if (!existsSync(lock)) break;
        first.child.kill('SIGCONT');
      }
      await sleep(30);
    }
    const second = await startServe(tmp.dir, { env: { GAPLESS_LOG_LEVEL: 'warn' } });
    servers.push(second);
    const done = await waitForJob(second.url, id, 90_000);
    expect(done.status).toBe('completed');
    const before = snapshot(join(tmp.dir, 'data'));

    first.child.kill('SIGCONT');
    // Its timers and buffered responses run now; give them time to try a commit.
    for (let i = 0; i < 50 && !first.output().includes('job lease lost'); i++) await sleep(100);
    await sleep(500);
    expect(first.output()).toContain('job lease lost; stopped writing');
    expect(snapshot(join(tmp.dir, 'data'))).toEqual(before);
    expect(
      ((await getJson(`${first.url}/reports/backfill/jobs/${id}`)).body as { status: string })
        .status,
    ).toBe('completed');

    const store = await openEmbeddedStore({ dataDir: join(tmp.dir, 'data') });
    try {
      const frame = asCandles(await store.read(series, { startMs: START, endMs: END }));
      const expected = sim.market.candles('BTC/USDT', '1m', { startMs: START, endMs: END });
      expect(frame.length).toBe(expected.length);
      expect(Array.from(frame.tsMs)).toEqual(expected.map((c) => c.tsMs));
      expect(Array.from(frame.close)).toEqual(expected.map((c) => c.close));
      expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
    } finally {
      await store.close();
    }
  });
});
