import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/index.js';
import { runCli, simFeed, tempDir, writeConfig } from './helpers/cli.js';
import { getJson, startTestServer } from './helpers/server-harness.js';
import { mountTmpfs, tmpfsAvailable, unmountTmpfs } from './helpers/tmpfs.js';

// Damaged day files (truncated, garbage, a flipped bit, gone while coverage
// claims them) must never be invisible: `read` and `backfill` name the file
// and exit 5, `coverage` and `verify` report it, `verify --repair` moves it
// aside and a backfill then fetches exactly what the market has.
const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 0, 4);
const RANGE = ['--start', '2024-01-01', '--end', '2024-01-04'];
const SERIES = 'candle:simx:BTC/USDT:1m';
const series = parseSeries(SERIES);
const DIR = 'data/simx/BTC%2FUSDT/candle/1m';
const QUARANTINE = 'data/.gapless/quarantine/simx/BTC%2FUSDT/candle/1m';
const HINT = 'run `gapless verify --repair`';

describe('damaged day files through the CLI', () => {
  let sim: SimServer;
  let tmp: { dir: string; cleanup: () => void };
  const file = (day: string) => join(tmp.dir, DIR, `${day}.parquet`);

  beforeAll(async () => {
    sim = await startSimServer();
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    tmp = tempDir();
    writeConfig(tmp.dir, { data_dir: './data', feeds: [simFeed(sim.url)] });
    const filled = await runCli(['backfill', ...RANGE], tmp.dir);
    expect(filled.stderr).toBe('');
    expect(filled.code).toBe(0);
  });
  afterEach(() => tmp.cleanup());

  /** The stored rows equal the sim market's, every field, and coverage is whole. */
  async function expectExact(): Promise<void> {
    const store = await openEmbeddedStore({ dataDir: join(tmp.dir, 'data') });
    try {
      const frame = await store.read(series, { startMs: START, endMs: END });
      const rows = [...frameRows(frame)].map(({ meta: _meta, ...row }) => row);
      const expected = sim.market.candles('BTC/USDT', '1m', { startMs: START, endMs: END });
      expect(rows.length).toBe(3 * 1440);
      expect(rows).toEqual(expected.map(({ meta: _meta, ...row }) => row));
      expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
    } finally {
      await store.close();
    }
  }

  it('a file truncated to half: read, backfill, coverage and verify name it; repair and backfill restore it exactly', {
    timeout: 120_000,
  }, async () => {
    const damaged = file('2024-01-02');
    const bytes = readFileSync(damaged);
    truncateSync(damaged, Math.floor(bytes.length / 2));
    const named = `error: damaged day file ${DIR}/2024-01-02.parquet: footer missing (truncated?); ${HINT}\n`;

    const read = await runCli(['read', SERIES, ...RANGE], tmp.dir);
    expect(read.stderr).toBe(named);
    expect(read.code).toBe(5);

    const backfill = await runCli(['backfill', ...RANGE], tmp.dir);
    expect(backfill.code).toBe(5);
    expect(backfill.stderr).toBe(
      `error: backfill of ${SERIES} failed: damaged day file ${DIR}/2024-01-02.parquet: footer missing (truncated?); ${HINT}\n`,
    );
    expect(backfill.stdout).toMatch(/failed/);
    expect(backfill.stdout).not.toMatch(/\bok\b/);

    const coverage = await runCli(['coverage', '--json'], tmp.dir);
    expect(coverage.code).toBe(0);
    expect(JSON.parse(coverage.stdout)).toEqual([
      expect.objectContaining({
        series: SERIES,
        damaged: [
          {
            day: '2024-01-02',
            file: `${DIR}/2024-01-02.parquet`,
            problem: 'damaged',
            cause: 'footer missing (truncated?)',
          },
        ],
      }),
    ]);
    const table = await runCli(['coverage'], tmp.dir);
    expect(table.stdout).toMatch(/2024-01-02: footer missing \(truncated\?\)/);

    const verify = await runCli(['verify'], tmp.dir);
    expect(verify.code).toBe(5);
    expect(verify.stderr).toBe('');
    const lines = verify.stdout.trim().split('\n');
    expect(lines[0]).toBe(`damaged ${DIR}/2024-01-02.parquet: footer missing (truncated?)`);
    expect(lines[1]).toMatch(
      /^checked 3 day files of 1 series in \d+\.\d s: 1 damaged, 0 missing; run `gapless verify --repair`/,
    );

    const json = await runCli(['verify', '--json'], tmp.dir);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toEqual({
      files_checked: 3,
      series: [
        {
          series: SERIES,
          files_checked: 3,
          findings: [
            {
              day: '2024-01-02',
              file: `${DIR}/2024-01-02.parquet`,
              problem: 'damaged',
              cause: 'footer missing (truncated?)',
            },
          ],
          quarantined: [],
        },
      ],
    });

    const repair = await runCli(['verify', '--repair'], tmp.dir);
    expect(repair.stderr).toBe('');
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain(
      `quarantined ${DIR}/2024-01-02.parquet -> ${QUARANTINE}/2024-01-02.parquet (footer missing (truncated?)); 2024-01-02 dropped from coverage`,
    );
    expect(existsSync(damaged)).toBe(false);
    expect(readFileSync(join(tmp.dir, QUARANTINE, '2024-01-02.parquet'))).toEqual(
      bytes.subarray(0, Math.floor(bytes.length / 2)),
    );

    const clean = await runCli(['verify'], tmp.dir);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^checked 2 day files of 1 series in \d+\.\d s: no damage\n$/);
    const selected = await runCli(['verify', '-s', 'BTC/USDT', '-g', '1m', '--quick'], tmp.dir);
    expect(selected.code).toBe(0);
    expect(selected.stdout).toMatch(/^checked 2 day files of 1 series in \d+\.\d s: no damage\n$/);

    const refill = await runCli(['backfill', ...RANGE], tmp.dir);
    expect(refill.stderr).toBe('');
    expect(refill.code).toBe(0);
    expect(refill.stdout).toMatch(/1,440/);
    await expectExact();
    expect((await runCli(['verify'], tmp.dir)).code).toBe(0);
  });

  it('a garbage file and a flipped bit are found, quarantined and fetched again', {
    timeout: 120_000,
  }, async () => {
    writeFileSync(file('2024-01-01'), 'this is not parquet at all, just some text\n'.repeat(50));
    // One bit in the middle of the file: inside a GZIP page of a price column.
    const flipped = readFileSync(file('2024-01-03'));
    const at = Math.floor(flipped.length / 2);
    flipped[at] = flipped[at]! ^ 0x10;
    writeFileSync(file('2024-01-03'), flipped);

    const read = await runCli(['read', SERIES, ...RANGE], tmp.dir);
    expect(read.code).toBe(5);
    expect(read.stderr).toBe(
      `error: damaged day file ${DIR}/2024-01-01.parquet: not a Parquet file (no PAR1 magic); ${HINT}\n`,
    );

    const verify = await runCli(['verify', '--json'], tmp.dir);
    expect(verify.code).toBe(5);
    const findings = JSON.parse(verify.stdout).series[0].findings;
    expect(findings.map((f: { day: string }) => f.day)).toEqual(['2024-01-01', '2024-01-03']);
    expect(findings[0].cause).toBe('not a Parquet file (no PAR1 magic)');
    expect(findings[1].cause).toMatch(/^cannot decode column \w+: /);

    const repair = await runCli(['verify', '--repair'], tmp.dir);
    expect(repair.code).toBe(0);
    expect(repair.stdout.match(/^quarantined /gm)).toHaveLength(2);
    const refill = await runCli(['backfill', ...RANGE], tmp.dir);
    expect(refill.code).toBe(0);
    await expectExact();
  });

  it('a day coverage claims whose file is gone is a finding; repair drops it and backfill fetches it', {
    timeout: 120_000,
  }, async () => {
    rmSync(file('2024-01-03'));
    const verify = await runCli(['verify'], tmp.dir);
    expect(verify.code).toBe(5);
    expect(verify.stdout.split('\n')[0]).toBe(
      `missing ${DIR}/2024-01-03.parquet: coverage claims 1440 rows of 2024-01-03, the file is gone`,
    );
    const repair = await runCli(['verify', '--repair'], tmp.dir);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain(
      `2024-01-03 dropped from coverage (coverage claims 1440 rows of 2024-01-03, the file is gone)`,
    );
    const coverage = JSON.parse((await runCli(['coverage', '--json'], tmp.dir)).stdout);
    expect(coverage[0].covered.map((r: { end: string }) => r.end)).toEqual([
      '2024-01-03T00:00:00.000Z',
    ]);
    const refill = await runCli(['backfill', ...RANGE], tmp.dir);
    expect(refill.code).toBe(0);
    await expectExact();
  });
});

describe('GET /api/v1/status counts damaged files', () => {
  it('counts them, and none after a repair', { timeout: 60_000 }, async () => {
    const server = await startTestServer('embedded', { worker: false });
    try {
      const s = parseSeries('candle:sim:BTC/USDT:1m');
      const { store } = server.service;
      await server.service.engine.fill(s, { startMs: START, endMs: END });
      const status = async () =>
        (await getJson(`${server.url}/api/v1/status`)).body as Record<string, unknown>;
      expect(await status()).toMatchObject({ damaged_files: 0, total_records: 3 * 1440 });

      const dir = join(server.dataDir, 'sim', 'BTC%2FUSDT', 'candle', '1m');
      truncateSync(join(dir, '2024-01-02.parquet'), 100);
      writeFileSync(join(dir, '2024-01-03.parquet'), 'garbage');
      expect(await status()).toMatchObject({ damaged_files: 2, total_records: 1440 });
      // The data API names no path to clients, but says what kind of failure it is.
      const history = await getJson(
        `${server.url}/api/v1/historical/BTC-USDT?start=2024-01-01&end=2024-01-04`,
      );
      expect(history.status).toBe(500);
      expect(history.body).toEqual({
        error: { code: 'DAMAGED_FILE', message: 'storage failure; see the server log' },
      });

      const report = await store.verify(s, { repair: true });
      expect(report.quarantined.map((q) => q.day)).toEqual(['2024-01-02', '2024-01-03']);
      expect(await status()).toMatchObject({ damaged_files: 0, total_records: 1440 });
    } finally {
      await server.close();
    }
  });
});

// A backup or a snapshot mounted read-only: no writer can be halfway there, so
// damage is reported without the series lock (which needs a file written).
describe.skipIf(!tmpfsAvailable())('a damaged file in a read-only data dir', () => {
  let sim: SimServer;
  let tmp: { dir: string; cleanup: () => void };
  let data: string;

  beforeAll(async () => {
    sim = await startSimServer();
    tmp = tempDir();
    data = join(tmp.dir, 'data');
    mkdirSync(data);
    mountTmpfs(data, '16m');
    writeConfig(tmp.dir, { data_dir: './data', feeds: [simFeed(sim.url)] });
  });
  afterAll(async () => {
    unmountTmpfs(data);
    tmp.cleanup();
    await sim?.close();
  });

  it('is reported by verify and coverage; repair says why it cannot', {
    timeout: 60_000,
  }, async () => {
    expect((await runCli(['backfill', ...RANGE], tmp.dir)).code).toBe(0);
    const damaged = join(tmp.dir, DIR, '2024-01-02.parquet');
    truncateSync(damaged, Math.floor(readFileSync(damaged).length / 2));
    execFileSync('mount', ['-o', 'remount,ro', data], { stdio: 'pipe' });

    const verify = await runCli(['verify'], tmp.dir);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(5);
    expect(verify.stdout.split('\n')[0]).toBe(
      `damaged ${DIR}/2024-01-02.parquet: footer missing (truncated?)`,
    );
    const coverage = await runCli(['coverage', '--json'], tmp.dir);
    expect(coverage.stderr).toBe('');
    expect(coverage.code).toBe(0);
    expect(JSON.parse(coverage.stdout)).toEqual([
      expect.objectContaining({
        series: SERIES,
        damaged: [expect.objectContaining({ day: '2024-01-02', problem: 'damaged' })],
      }),
    ]);
    const repair = await runCli(['verify', '--repair'], tmp.dir);
    expect(repair.code).toBe(5);
    expect(repair.stderr).toMatch(/^error: .*EROFS.*\n$/);
    expect(existsSync(damaged)).toBe(true);
  });
});
