import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCandles } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { seededRandom } from '../src/sim/hash.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/index.js';
import { runCli, spawnCli, tempDir, writeConfig } from './helpers/cli.js';
import { freePort, killed, type ServeProcess, startServe } from './helpers/serve.js';
import { postJson } from './helpers/server-harness.js';

// A bounded soak: every fault of the sim at once, two CLI writers and a `serve`
// worker on one data dir, processes killed at random; then a final run must
// leave exactly the market's rows, and `gapless verify` finds nothing.
const SOAK_MS = Number(process.env.GAPLESS_SOAK_MS ?? 35_000);
const SEED = Number(process.env.GAPLESS_SOAK_SEED ?? Date.now() % 100_000);
const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 6, 1);
const DAY = 86_400_000;
const series = parseSeries('candle:soak:BTC/USDT:1m');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`soak: every fault at once, random kills, concurrent writers (seed ${SEED})`, () => {
  let sim: SimServer;
  const tmp = tempDir();
  let server: ServeProcess | undefined;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    sim = await startSimServer({
      latencyMs: 3,
      errorRate: 0.04,
      truncateRate: 0.03,
      stallRate: 0.02,
      retryAfterRate: 0.02,
      retryAfterS: 1,
      microsRate: 0.1,
      duplicateRows: true,
      shuffleRows: true,
      clockOffsetMs: -5_500,
      faultSeed: SEED,
    });
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [
        {
          source: 'soak',
          exchange: 'binance',
          api_url: sim.url,
          subjects: ['BTC/USDT'],
          granularities: ['1m'],
          concurrency: 3,
          timeout_ms: 400,
          retry: { max_attempts: 12, retry_backoff_ms: 10, max_delay_ms: 100, jitter_ratio: 0 },
        },
      ],
      jobs: { lease_ttl_ms: 1_500, heartbeat_ms: 300, poll_ms: 100 },
    });
  });

  afterAll(async () => {
    for (const child of children) await killed(child);
    await server?.kill();
    await sim?.close();
    tmp.cleanup();
  });

  it('ends with exactly the market and a clean verify, after repairing a damaged file', {
    timeout: SOAK_MS + 180_000,
  }, async () => {
    const rand = seededRandom(SEED);
    const port = await freePort();
    const someRange = () => {
      const from = START + Math.floor(rand() * 170) * DAY + Math.floor(rand() * 24) * 3_600_000;
      const to = Math.min(END, from + (2 + Math.floor(rand() * 30)) * DAY);
      return { from, to };
    };
    const iso = (ms: number) => new Date(ms).toISOString();
    server = await startServe(tmp.dir, { port });
    const ends = { clisKilled: 0, serveKilled: 0, jobs: 0, clisDone: 0 };
    const deadline = Date.now() + SOAK_MS;
    // Two CLI writers, each started again when it ends or is killed.
    const writer = async () => {
      while (Date.now() < deadline) {
        const { from, to } = someRange();
        const child = spawnCli(['backfill', '--start', iso(from), '--end', iso(to)], tmp.dir);
        children.add(child);
        const exited = new Promise((done) => child.once('exit', done));
        const killAfter = rand() < 0.5 ? 200 + rand() * 2_500 : Number.POSITIVE_INFINITY;
        const timer = Number.isFinite(killAfter)
          ? setTimeout(() => {
              ends.clisKilled++;
              child.kill('SIGKILL');
            }, killAfter)
          : undefined;
        await exited;
        clearTimeout(timer);
        children.delete(child);
        ends.clisDone++;
      }
    };
    // The service: jobs submitted now and then, the process killed and restarted at random.
    const service = async () => {
      while (Date.now() < deadline) {
        const { from, to } = someRange();
        const created = await postJson(`${server!.url}/reports/backfill`, {
          ...{ source: 'soak', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' },
          start: from,
          end: to,
        }).catch(() => undefined);
        if (created?.status === 201) ends.jobs++;
        await sleep(300 + rand() * 2_000);
        if (rand() < 0.5) {
          ends.serveKilled++;
          await server!.kill();
          server = await startServe(tmp.dir, { port });
        }
      }
    };
    await Promise.all([writer(), writer(), service()]);
    await server.kill();
    server = undefined;
    console.info(`soak seed ${SEED}: ${JSON.stringify(ends)}, sim ${JSON.stringify(sim.stats())}`);
    expect(ends.clisKilled + ends.serveKilled).toBeGreaterThan(0);

    // The machine's fault: one day file cut to half (the disk's doing, not a writer's).
    const dir = join(tmp.dir, 'data', 'soak', 'BTC%2FUSDT', 'candle', '1m');
    const days = readdirSync(dir).filter((n) => n.endsWith('.parquet'));
    expect(days.length).toBeGreaterThan(0);
    const damaged = days[Math.floor(rand() * days.length)]!;
    truncateSync(join(dir, damaged), Math.floor(statSync(join(dir, damaged)).size / 2));
    const repair = await runCli(['verify', '--repair'], tmp.dir);
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toContain(`quarantined data/soak/BTC%2FUSDT/candle/1m/${damaged}`);
    expect(existsSync(join(dir, damaged))).toBe(false);

    // The final run, faults still on: a user re-runs until it says ok.
    let final = await runCli(['backfill', '--start', iso(START), '--end', iso(END)], tmp.dir);
    for (let i = 0; i < 2 && final.code !== 0; i++) {
      final = await runCli(['backfill', '--start', iso(START), '--end', iso(END)], tmp.dir);
    }
    expect(final.code, final.stderr).toBe(0);

    const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
    try {
      const frame = asCandles(await store.read(series, { startMs: START, endMs: END }));
      const expected = sim.market.candles('BTC/USDT', '1m', { startMs: START, endMs: END });
      expect(frame.length).toBe(expected.length);
      expect(Array.from(frame.tsMs)).toEqual(expected.map((c) => c.tsMs));
      expect(Array.from(frame.open)).toEqual(expected.map((c) => c.open));
      expect(Array.from(frame.close)).toEqual(expected.map((c) => c.close));
      expect(Array.from(frame.volume)).toEqual(expected.map((c) => c.volume));
      expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
    } finally {
      await store.close();
    }
    // Every file whole, every day's rows as coverage recorded them.
    const verify = await runCli(['verify'], tmp.dir);
    expect(verify.stdout).toMatch(/^checked 182 day files of 1 series in \d+\.\d s: no damage\n$/);
    expect(verify.code).toBe(0);
  });
});
