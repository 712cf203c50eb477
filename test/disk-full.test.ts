import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/index.js';
import { runCli, simFeed, spawnCli, tempDir, writeConfig } from './helpers/cli.js';
import { freePort, type ServeProcess, startServe } from './helpers/serve.js';
import { getJson, postJson, waitForJob } from './helpers/server-harness.js';
import { mountTmpfs, resizeTmpfs, tmpfsAvailable, unmountTmpfs } from './helpers/tmpfs.js';

// Half a year of 1m candles is about 5 MB of day files: a 3 MB disk fills
// midway, whoever writes (the CLI, a job of `serve`).
const canMount = tmpfsAvailable();
const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 6, 1);
const RANGE = ['--start', '2024-01-01', '--end', '2024-07-01'];
const SERIES = parseSeries('candle:simx:BTC/USDT:1m');
const DISK_FULL = (dataDir: string) =>
  `disk full: no space left on device writing data dir ${dataDir} (ENOSPC)`;

/** A config dir with `data/` on a fresh 3 MB tmpfs, fed by the sim server through ccxt. */
function fullDiskDir(simUrl: string): { dir: string; dataDir: string; cleanup: () => void } {
  const tmp = tempDir('gapless-disk-full-');
  const dataDir = resolve(tmp.dir, 'data');
  mkdirSync(dataDir);
  mountTmpfs(dataDir, '3m');
  writeConfig(tmp.dir, {
    data_dir: './data',
    feeds: [
      {
        source: 'simx',
        exchange: 'sim',
        api_url: simUrl,
        subjects: ['BTC/USDT'],
        granularities: ['1m'],
        concurrency: 4,
      },
    ],
    jobs: { poll_ms: 100, heartbeat_ms: 300 },
  });
  return {
    dir: tmp.dir,
    dataDir,
    cleanup: () => {
      unmountTmpfs(dataDir);
      tmp.cleanup();
    },
  };
}

/** Temp files and lock files anywhere under the data dir: none may outlive a failed write. */
function leftovers(dataDir: string): string[] {
  return readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.(tmp|lock)$/.test(f),
  );
}

/** Writes `file` until the disk it is on has not a byte left. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * What is stored equals the sim market: the covered range exactly, and any
 * row past it (a day file whose coverage could not be written) a bar of the
 * market too. Returns the rows stored.
 */
async function expectExact(sim: SimServer, dataDir: string, coveredTo?: number): Promise<number> {
  const store = await openEmbeddedStore({ dataDir });
  try {
    const coverage = await store.coverage(SERIES);
    const end = coveredTo ?? coverage[0]?.endMs ?? START;
    expect(coverage).toEqual(end > START ? [{ startMs: START, endMs: end }] : []);
    const frame = await store.read(SERIES, { startMs: START, endMs: END });
    const last = frame.length === 0 ? START : frame.tsMs[frame.length - 1]! + 60_000;
    expect(last).toBeGreaterThanOrEqual(end);
    const expected = sim.market.candles('BTC/USDT', '1m', { startMs: START, endMs: last });
    const rows = [...frameRows(frame)].map(({ meta: _meta, ...row }) => row);
    expect(rows).toEqual(expected.map(({ meta: _meta, ...row }) => row));
    return (await store.read(SERIES, { startMs: START, endMs: end })).length;
  } finally {
    await store.close();
  }
}

describe.skipIf(!canMount)('a full disk (3 MB tmpfs)', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('backfill: the summary with the rows stored, one line naming the data dir and the cause, exit 5; a re-run with room completes exactly', {
    timeout: 120_000,
  }, async () => {
    const disk = fullDiskDir(sim.url);
    try {
      const run = await runCli(['backfill', ...RANGE], disk.dir);
      expect(run.stderr).toBe(
        `error: backfill of candle:simx:BTC/USDT:1m failed: ${DISK_FULL(disk.dataDir)}\n`,
      );
      expect(run.code).toBe(5);
      const row = /candle:simx:BTC\/USDT:1m\s*│\s*([\d,]+)\s*│.*│\s*failed\s*│/.exec(run.stdout);
      expect(row, run.stdout).not.toBeNull();
      const reported = Number(row![1]!.replaceAll(',', ''));
      expect(reported).toBeGreaterThan(0);
      expect(leftovers(disk.dataDir)).toEqual([]);
      // Nothing damaged, coverage honest, and the summary counted what is covered.
      expect(await expectExact(sim, disk.dataDir)).toBe(reported);

      resizeTmpfs(disk.dataDir, '64m');
      const again = await runCli(['backfill', ...RANGE], disk.dir);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      await expectExact(sim, disk.dataDir, END);
      expect(leftovers(disk.dataDir)).toEqual([]);
    } finally {
      disk.cleanup();
    }
  });

  it('serve: the job fails with the reason, the API answers, a restart does not crash-loop, a full job repo is an error; with room it completes exactly', {
    timeout: 180_000,
  }, async () => {
    const disk = fullDiskDir(sim.url);
    let serve: ServeProcess | undefined;
    const body = { ...SERIES, start: START, end: END };
    const expectAnswering = async () => {
      expect(serve!.child.exitCode, serve!.stderr()).toBeNull();
      expect((await getJson(`${serve!.url}/api/v1/status`)).status).toBe(200);
      expect((await getJson(`${serve!.url}/reports/backfill/jobs`)).status).toBe(200);
    };
    try {
      serve = await startServe(disk.dir);
      const created = await postJson(`${serve.url}/reports/backfill`, body);
      expect(created.status).toBe(201);
      const id = (created.body as { id: string }).id;
      const failed = await waitForJob(serve.url, id, 60_000);
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe(`DISK_FULL: ${DISK_FULL(disk.dataDir)}`);
      expect(failed.records_written).toBeGreaterThan(0);
      await expectAnswering();
      expect(leftovers(disk.dataDir)).toEqual([]);
      await expectExact(sim, disk.dataDir);

      // A process killed mid-job leaves it running under a dead pid: the
      // restarted service takes it up, fails it again, and stays up.
      await serve.kill();
      const jobFile = join(disk.dataDir, '.gapless', 'jobs', `${id}.json`);
      const job = JSON.parse(readFileSync(jobFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(
        jobFile,
        JSON.stringify({
          ...job,
          status: 'running',
          error: null,
          leaseOwner: 'a-dead-worker',
          leaseExpiresAt: Date.now() + 600_000,
          leasePid: 2 ** 22 + 12_345,
        }),
      );
      serve = await startServe(disk.dir);
      const again = await waitForJob(serve.url, id, 60_000);
      expect(again.status).toBe('failed');
      expect(again.error).toBe(`DISK_FULL: ${DISK_FULL(disk.dataDir)}`);
      await expectAnswering();

      // Not a byte left, not even for a job record: an error answer, not a dead server.
      const filler = join(disk.dataDir, 'filler');
      fillDisk(filler);
      const refused = await postJson(`${serve.url}/reports/backfill`, body);
      expect(refused.status).toBe(507);
      expect(refused.body).toEqual({
        error: {
          code: 'DISK_FULL',
          message: 'the server is out of disk space; see the server log',
        },
      });
      await expectAnswering();
      expect(leftovers(disk.dataDir)).toEqual([]);

      // Room again: a new job fetches what is missing and the data is exact.
      unlinkSync(filler);
      resizeTmpfs(disk.dataDir, '64m');
      const retry = await postJson(`${serve.url}/reports/backfill`, body);
      expect(retry.status).toBe(201);
      const done = await waitForJob(serve.url, (retry.body as { id: string }).id, 60_000);
      expect(done.status, String(done.error)).toBe('completed');
      await expectExact(sim, disk.dataDir, END);
    } finally {
      await serve?.kill();
      disk.cleanup();
    }
  });

  it('serve whose log goes to the full disk keeps answering, and logs again once there is room', {
    timeout: 60_000,
  }, async () => {
    const disk = fullDiskDir(sim.url);
    const log = join(disk.dataDir, 'serve.log');
    const filler = join(disk.dataDir, 'filler');
    const fd = openSync(log, 'w');
    fillDisk(filler);
    const port = await freePort();
    const child = spawnCli(['serve', '--port', String(port), '--no-scheduler'], disk.dir, {
      env: { GAPLESS_LOG_LEVEL: 'info' },
      stdio: ['ignore', fd, fd],
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    try {
      const url = `http://127.0.0.1:${port}`;
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = await getJson(`${url}/api/v1/status`).then(
          (r) => r.status,
          () => 0,
        );
      }
      expect(status).toBe(200);
      for (let i = 0; i < 5; i++) {
        expect((await getJson(`${url}/reports/backfill/jobs`)).status).toBe(200);
      }
      expect(child.exitCode).toBeNull();
      expect(readFileSync(log, 'utf8')).toBe('');
      unlinkSync(filler);
      expect((await getJson(`${url}/api/v1/status`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(readFileSync(log, 'utf8')).toContain('"route":"/api/v1/status"');
    } finally {
      child.kill('SIGKILL');
      await exited;
      closeSync(fd);
      disk.cleanup();
    }
  });

  it('read --output onto a full disk: one line naming the file, exit 5, for CSV and Parquet', {
    timeout: 60_000,
  }, async () => {
    const tmp = tempDir('gapless-read-full-');
    const outDir = join(tmp.dir, 'out');
    mkdirSync(outDir);
    mountTmpfs(outDir, '64k');
    try {
      writeConfig(tmp.dir, { data_dir: './data', feeds: [simFeed(sim.url)] });
      const week = ['--start', '2024-01-01', '--end', '2024-01-08'];
      expect((await runCli(['backfill', ...week], tmp.dir)).code).toBe(0);
      const csv = join(outDir, 'week.csv');
      const read = await runCli(['read', 'candle:simx:BTC/USDT:1m', ...week, '-o', csv], tmp.dir);
      expect(read.stderr).toMatch(
        /^error: cannot write \S+week\.csv: ENOSPC: no space left on device[^\n]*\n$/,
      );
      expect(read.code).toBe(5);
      const parquet = join(outDir, 'week.parquet');
      const args = [
        'read',
        'candle:simx:BTC/USDT:1m',
        ...week,
        '--format',
        'parquet',
        '-o',
        parquet,
      ];
      const exported = await runCli(args, tmp.dir);
      expect(exported.stderr).toBe(
        `error: cannot export candle:simx:BTC/USDT:1m to ${parquet}: disk full (ENOSPC)\n`,
      );
      expect(exported.code).toBe(5);
      expect(readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      unmountTmpfs(outDir);
      tmp.cleanup();
    }
  });
});
