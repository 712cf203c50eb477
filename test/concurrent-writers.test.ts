import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCandles } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { SimMarket } from '../src/sim/market.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/index.js';
import { runCli, simFeed, tempDir, writeConfig } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';
import { postJson, waitForJob } from './helpers/server-harness.js';

// Several `gapless backfill` processes on one data dir, one series, overlapping
// ranges, started together: every day-file merge and coverage update is a
// read-modify-write, so without a lock that holds across processes rows of the
// shared days go missing while coverage claims them.
const ROUNDS = 4;
const RANGES = [
  ['2024-01-01', '2024-01-09'],
  ['2024-01-01T07:30Z', '2024-01-07'],
  ['2024-01-02T13:00Z', '2024-01-10'],
] as const;
const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 0, 10);
const series = parseSeries('candle:simx:BTC/USDT:1m');
const market = new SimMarket();

describe('concurrent writers on one data dir', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer({ latencyMs: 5 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it(`${RANGES.length} CLI backfills at once end exact, ${ROUNDS} rounds out of ${ROUNDS}`, {
    timeout: 240_000,
  }, async () => {
    const expected = market.candles('BTC/USDT', '1m', { startMs: START, endMs: END });
    for (let round = 0; round < ROUNDS; round++) {
      const tmp = tempDir();
      try {
        writeConfig(tmp.dir, {
          data_dir: './data',
          feeds: [simFeed(sim.url, { concurrency: 4 })],
        });
        const runs = await Promise.all(
          RANGES.map(([start, end]) =>
            runCli(['backfill', '--start', start, '--end', end], tmp.dir),
          ),
        );
        for (const r of runs) expect(r.stderr).toBe('');
        expect(runs.map((r) => r.code)).toEqual(RANGES.map(() => 0));
        const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
        try {
          const frame = await store.read(series, { startMs: START, endMs: END });
          expect(frame.length, `round ${round}`).toBe(expected.length);
          expect(Array.from(frame.tsMs)).toEqual(expected.map((c) => c.tsMs));
          expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
        } finally {
          await store.close();
        }
      } finally {
        tmp.cleanup();
      }
    }
  });

  it('4 processes merging into the same day files lose nothing, and crashed locks are taken over', {
    timeout: 120_000,
  }, async () => {
    const tmp = tempDir();
    try {
      const storage = resolve('dist/src/storage/index.js');
      const day = Date.UTC(2024, 0, 1);
      // Process k writes the minutes m with m % 4 == k, hour by hour, each hour a
      // write of its own: every write merges into the same day file.
      const script = `
        const { openEmbeddedStore } = await import(${JSON.stringify(storage)});
        const k = Number(process.argv[1]);
        const store = await openEmbeddedStore({ dataDir: ${JSON.stringify(tmp.dir)} });
        const series = { source: 'sim', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' };
        for (let h = 0; h < 24; h++) {
          const startMs = ${day} + h * 3600000;
          const rows = [];
          for (let m = k; m < 60; m += 4) {
            rows.push({ tsMs: startMs + m * 60000, open: 1, high: 2, low: 0.5, close: 1.5, volume: k });
          }
          await store.write(series, { startMs, endMs: startMs + 3600000 }, rows);
        }
        await store.close();`;
      const run = promisify(execFile);
      // A lock left by a process that died (pid gone) must not block anyone.
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const lockDir = resolve(tmp.dir, '.gapless', 'locks', 'sim', 'BTC%2FUSDT', 'candle');
      mkdirSync(lockDir, { recursive: true });
      writeFileSync(
        resolve(lockDir, '1m.lock'),
        JSON.stringify({
          pid: 2 ** 22 + 12_345,
          host: (await import('node:os')).hostname(),
          atMs: 0,
        }),
      );
      // Every writer runs to its end before anything is judged (or the folder removed).
      const writers = await Promise.allSettled(
        [0, 1, 2, 3].map((k) =>
          run(process.execPath, ['--input-type=module', '-e', script, String(k)]),
        ),
      );
      expect(
        writers.map((w) => (w.status === 'fulfilled' ? 'ok' : String(w.reason).split('\n')[0])),
      ).toEqual(['ok', 'ok', 'ok', 'ok']);
      const store = await openEmbeddedStore({ dataDir: tmp.dir });
      try {
        const s = parseSeries('candle:sim:BTC/USDT:1m');
        const frame = await store.read(s, { startMs: day, endMs: day + 86_400_000 });
        expect(frame.length).toBe(1440);
        expect(Array.from(frame.tsMs)).toEqual(
          Array.from({ length: 1440 }, (_, i) => day + i * 60_000),
        );
        expect(await store.coverage(s)).toEqual([{ startMs: day, endMs: day + 86_400_000 }]);
      } finally {
        await store.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('a `serve` job and three CLI backfills on overlapping ranges end exact, 20 rounds out of 20', {
    timeout: 400_000,
  }, async () => {
    const tmp = tempDir();
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [simFeed(sim.url, { concurrency: 4 })],
      jobs: { poll_ms: 50 },
    });
    const server = await startServe(tmp.dir);
    const iso = (ms: number) => new Date(ms).toISOString();
    const H = 3_600_000;
    try {
      // Each round takes its own 10 days of the series, so one server serves every round.
      for (let round = 0; round < 20; round++) {
        const base = START + round * 10 * 24 * H;
        const job = await postJson(`${server.url}/reports/backfill`, {
          ...{ source: 'simx', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' },
          start: base,
          end: base + 8 * 24 * H,
        });
        expect(job.status).toBe(201);
        const clis = [
          [base + 7.5 * H, base + 6 * 24 * H],
          [base + 37 * H, base + 9 * 24 * H],
          [base + 3 * 24 * H, base + 10 * 24 * H],
        ].map(([from, to]) =>
          runCli(['backfill', '--start', iso(from!), '--end', iso(to!)], tmp.dir),
        );
        const view = await waitForJob(server.url, (job.body as { id: string }).id, 120_000);
        const runs = await Promise.all(clis);
        expect(view.status, `round ${round}: ${String(view.error)}`).toBe('completed');
        expect(runs.map((r) => [r.code, r.stderr])).toEqual(runs.map(() => [0, '']));
        const range = { startMs: base, endMs: base + 10 * 24 * H };
        const expected = market.candles('BTC/USDT', '1m', range);
        const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
        try {
          const frame = asCandles(await store.read(series, range));
          expect(frame.length, `round ${round}`).toBe(expected.length);
          expect(Array.from(frame.tsMs), `round ${round}`).toEqual(expected.map((c) => c.tsMs));
          expect(Array.from(frame.close), `round ${round}`).toEqual(expected.map((c) => c.close));
          expect(Array.from(frame.volume), `round ${round}`).toEqual(expected.map((c) => c.volume));
          expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: range.endMs }]);
        } finally {
          await store.close();
        }
      }
    } finally {
      await server.kill();
      tmp.cleanup();
    }
  });
});
