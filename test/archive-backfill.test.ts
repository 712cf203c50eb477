import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import type { ArchiveFaults } from '../src/sim/archive-routes.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';
import { type ServeProcess, startServe } from './helpers/serve.js';
import { postJson, waitForJob } from './helpers/server-harness.js';

const DAY_MS = 86_400_000;
const START = Date.UTC(2024, 11, 1);
const END = Date.UTC(2025, 1, 1); // two monthly archives, the second in microseconds
const MONTHS = ['--start', '2024-12-01', '--end', '2025-02-01'];

interface CoverageJson {
  series: string;
  gaps: unknown[];
  origins: { start_ms: number; end_ms: number; via: string; note?: string }[];
}

async function setUp(faults: ArchiveFaults, subjects: string[], kinds = ['candle']) {
  const server = await startSimServer({ archive: { faults } });
  const tmp = tempDir();
  writeConfig(tmp.dir, {
    feeds: [
      {
        source: 'simx',
        exchange: 'sim',
        api_url: server.url,
        archive: {},
        subjects,
        kinds,
        granularities: ['1m'],
        settle_ms: 0,
        rate_limit: { tokens_per_interval: 60_000, interval_ms: 60_000 },
      },
    ],
  });
  return { server, tmp };
}

/** The stored candles of `range` equal the sim market's, and coverage has no gap. */
async function expectExact(
  server: SimServer,
  dataDir: string,
  subjects: string[],
  startMs: number,
  endMs: number,
) {
  const store = await openEmbeddedStore({ dataDir });
  try {
    for (const subject of subjects) {
      const series = parseSeries({ source: 'simx', subject, kind: 'candle', granularity: '1m' });
      const covered = await store.coverage(series);
      const last = covered.find((r) => r.startMs <= startMs && startMs < r.endMs);
      expect(last, `${subject} covered from ${startMs}`).toBeDefined();
      const to = Math.min(endMs, last!.endMs);
      expect(endMs - to).toBeLessThan(5 * 60_000);
      const expected = server.market.candles(subject, '1m', { startMs, endMs: to });
      const frame = await store.read(series, { startMs, endMs: to });
      expect(frame.length).toBe(expected.length);
      const rows = [...frameRows(frame)].map(({ meta: _m, ...row }) => row);
      expect(rows).toEqual(expected.map(({ meta: _m, ...row }) => row));
    }
  } finally {
    await store.close();
  }
}

async function coverageJson(dir: string): Promise<CoverageJson[]> {
  const run = await runCli(['coverage', '--json'], dir);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as CoverageJson[];
}

describe('archive-backed backfill against the sim archive', () => {
  const SUBJECTS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    ({ server, tmp } = await setUp({}, SUBJECTS));
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('stores exactly the market from monthly archives across the microsecond switch, REST only for samples', {
    timeout: 120_000,
  }, async () => {
    const run = await runCli(['backfill', ...MONTHS], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('archive:');
    await expectExact(server, `${tmp.dir}/data`, SUBJECTS, START, END);
    const stats = server.stats();
    expect(stats.archiveFiles).toBe(6);
    // One cross-check request per monthly file, nothing else over REST.
    expect(stats.byPath['/api/v3/klines']).toBe(6);
    for (const r of await coverageJson(tmp.dir)) {
      expect(r.gaps).toEqual([]);
      expect(r.origins).toEqual([
        expect.objectContaining({ start_ms: START, end_ms: END, via: 'archive' }),
      ]);
    }
  });

  it('fills the last 10 days from daily archives and today over REST, exactly', {
    timeout: 120_000,
  }, async () => {
    const now = Date.now();
    const start = Math.floor((now - 10 * DAY_MS) / 60_000) * 60_000 + 17 * 60_000;
    server.resetStats();
    const run = await runCli(['backfill', '--start', String(start), '--end', 'now'], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expectExact(
      server,
      `${tmp.dir}/data`,
      SUBJECTS,
      start,
      Math.floor(now / 60_000) * 60_000,
    );
    expect(server.stats().archiveFiles).toBeGreaterThanOrEqual(3 * 9);
    const [btc] = await coverageJson(tmp.dir);
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const vias = btc!.origins.filter((o) => o.start_ms >= start - DAY_MS);
    // The part-day at the start and today over REST, the days between from daily files.
    expect(vias[0]).toMatchObject({ start_ms: start, via: 'rest' });
    expect(vias.find((o) => o.via === 'archive')).toMatchObject({
      start_ms: Math.ceil(start / DAY_MS) * DAY_MS,
      end_ms: today,
    });
    expect(vias[vias.length - 1]).toMatchObject({ start_ms: today, via: 'rest' });
  });
});

// What stood in for the bad month: REST, or the month's daily files when only its monthly file is missing.
const FAULTS: [string, ArchiveFaults, string, 'rest' | 'archive'][] = [
  ['a wrong checksum', { badChecksum: ['2024-12'] }, 'ARCHIVE_CHECKSUM_MISMATCH', 'rest'],
  ['a missing month', { missing: ['2025-01'] }, 'ARCHIVE_NOT_FOUND', 'archive'],
  [
    'a missing month whose days are missing too',
    {
      missing: [
        '2025-01',
        ...Array.from({ length: 31 }, (_, d) => `2025-01-${String(d + 1).padStart(2, '0')}`),
      ],
    },
    'ARCHIVE_NOT_FOUND',
    'rest',
  ],
  ['a truncated zip', { truncated: ['2024-12'] }, 'ARCHIVE_CHECKSUM_MISMATCH', 'rest'],
  [
    'values that disagree with REST',
    { wrongValues: ['2025-01'] },
    'ARCHIVE_CROSS_CHECK_FAILED',
    'rest',
  ],
];

describe.each(FAULTS)('an archive with %s', (_name, faults, code, via) => {
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    ({ server, tmp } = await setUp(faults, ['BTC/USDT']));
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it(`ends exact, the bad month filled from ${via} and reported`, {
    timeout: 120_000,
  }, async () => {
    const run = await runCli(['backfill', ...MONTHS], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(code);
    // One line for the bad file, however many chunks (or daily files) stored it.
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('archive:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      via === 'rest' ? / fetched over REST$/ : / taken from daily archive files$/,
    );
    expect(server.stats().archiveFaults).toBeGreaterThan(0);
    await expectExact(server, `${tmp.dir}/data`, ['BTC/USDT'], START, END);
    const [btc] = await coverageJson(tmp.dir);
    const noted = btc!.origins.filter((o) => o.note !== undefined);
    expect(noted).toHaveLength(1);
    expect(noted[0]).toMatchObject({ via });
    expect(noted[0]!.note).toContain(code);
    expect(noted[0]!.end_ms - noted[0]!.start_ms).toBeGreaterThanOrEqual(28 * DAY_MS);
    // The month's own file is named, whatever stood in for it.
    expect(noted[0]!.note).toMatch(/^BTCUSDT-1m-20\d\d-\d\d\.zip: /);
    // Daily files in the month's place: REST only for the other month's cross-check sample.
    if (via === 'archive') expect(server.stats().byPath['/api/v3/klines']).toBeLessThanOrEqual(2);
  });
});

describe('a job in `gapless serve` meeting a bad archive', () => {
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    ({ server, tmp } = await setUp({ badChecksum: ['2024-12'] }, ['BTC/USDT']));
  });
  afterAll(async () => {
    await serve?.kill();
    await server.close();
    tmp.cleanup();
  });

  it('completes exact and notes the file and the range REST filled in its record', {
    timeout: 120_000,
  }, async () => {
    serve = await startServe(tmp.dir, { env: { GAPLESS_LOG_LEVEL: 'warn' } });
    const created = await postJson(`${serve.url}/reports/backfill`, {
      ...{ source: 'simx', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' },
      start: START,
      end: END,
    });
    expect(created.status).toBe(201);
    const job = await waitForJob(serve.url, (created.body as { id: string }).id, 100_000);
    expect(job.status).toBe('completed');
    // The December file twice (the retry), then its month over REST: one note, naming both.
    expect(job.notes).toEqual([
      expect.stringMatching(
        /^BTCUSDT-1m-2024-12\.zip: SHA-256 .*\(ARCHIVE_CHECKSUM_MISMATCH\); 2024-12-01T00:00:00\.000Z \.\. 2025-01-01T00:00:00\.000Z fetched over REST$/,
      ),
    ]);
    await expectExact(server, `${tmp.dir}/data`, ['BTC/USDT'], START, END);
  });
});

describe('the preview of an archive-backed job', () => {
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    ({ server, tmp } = await setUp({}, ['BTC/USDT']));
  });
  afterAll(async () => {
    await serve?.kill();
    await server.close();
    tmp.cleanup();
  });

  it('counts the archive files and REST pages the job then fetches', {
    timeout: 120_000,
  }, async () => {
    serve = await startServe(tmp.dir, { env: { GAPLESS_LOG_LEVEL: 'warn' } });
    // 17 hours over REST (2 pages of 1,000), 15 daily files, 2 monthly files.
    const start = Date.UTC(2024, 10, 15, 7);
    const body = {
      ...{ source: 'simx', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' },
      ...{ start, end: END },
    };
    const preview = (await postJson(`${serve.url}/reports/backfill/preview`, body)).body as {
      pages: number;
      archive_files: number;
      request_weight: number;
      rate_limit: { request_weight: number };
    };
    expect(preview).toMatchObject({ pages: 19, archive_files: 17 });
    // The REST pages and one cross-check request per monthly file; archive files cost none.
    expect(preview.request_weight).toBe(4 * preview.rate_limit.request_weight);
    const created = await postJson(`${serve.url}/reports/backfill`, body);
    const job = await waitForJob(serve.url, (created.body as { id: string }).id, 100_000);
    expect(job).toMatchObject({ status: 'completed', pages_fetched: 19, notes: [] });
    await expectExact(server, `${tmp.dir}/data`, ['BTC/USDT'], start, END);
  });
});

describe('a late daily archive', () => {
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    ({ server, tmp } = await setUp({ lateDaily: true }, ['BTC/USDT']));
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('takes yesterday over REST, exactly, and says so', { timeout: 120_000 }, async () => {
    const now = Date.now();
    const start = Math.floor(now / DAY_MS) * DAY_MS - 3 * DAY_MS;
    const run = await runCli(['backfill', '--start', String(start), '--end', 'now'], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ARCHIVE_NOT_FOUND');
    await expectExact(
      server,
      `${tmp.dir}/data`,
      ['BTC/USDT'],
      start,
      Math.floor(now / 60_000) * 60_000,
    );
    const [btc] = await coverageJson(tmp.dir);
    const noted = btc!.origins.filter((o) => o.note !== undefined);
    expect(noted.map((o) => o.start_ms)).toEqual([Math.floor(now / DAY_MS) * DAY_MS - DAY_MS]);
  });
});

describe('trades from aggTrades archives', () => {
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    ({ server, tmp } = await setUp({}, ['ETH/USDT'], ['trade']));
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('stores exactly the market, a month in milliseconds and days in microseconds', {
    timeout: 120_000,
  }, async () => {
    const end = Date.UTC(2025, 0, 3);
    const run = await runCli(['backfill', '--start', '2024-12-01', '--end', '2025-01-03'], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(server.stats().archiveFiles).toBe(3);
    expect(server.stats().byPath['/api/v3/aggTrades'] ?? 0).toBe(0);
    const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
    try {
      const series = parseSeries('trade:simx:ETH/USDT');
      const frame = await store.read(series, { startMs: START, endMs: end });
      const rows = [...frameRows(frame)].map(({ meta: _m, ...row }) => row);
      expect(rows).toEqual(server.market.trades('ETH/USDT', { startMs: START, endMs: end }));
    } finally {
      await store.close();
    }
  });
});

describe('a day missing inside a monthly archive', () => {
  let server: SimServer;
  let tmp: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    ({ server, tmp } = await setUp({ holes: ['2024-12-15'] }, ['BTC/USDT']));
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('is taken over REST, exactly, and reported', { timeout: 120_000 }, async () => {
    const run = await runCli(['backfill', ...MONTHS], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'no rows from 2024-12-15T00:00:00.000Z to 2024-12-16T00:00:00.000Z',
    );
    await expectExact(server, `${tmp.dir}/data`, ['BTC/USDT'], START, END);
    const [btc] = await coverageJson(tmp.dir);
    expect(btc!.origins.filter((o) => o.note !== undefined)).toEqual([
      expect.objectContaining({
        start_ms: Date.UTC(2024, 11, 15),
        end_ms: Date.UTC(2024, 11, 16),
        via: 'rest',
      }),
    ]);
  });
});
