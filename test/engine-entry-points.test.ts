import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../src/app/runtime.js';
import { parseConfig } from '../src/config/load-config.js';
import { asCandles } from '../src/core/rows.js';
import { makeSeries, type Series } from '../src/core/series.js';
import { HistoryProvider } from '../src/seamless/history-provider.js';
import { SimMarket } from '../src/sim/market.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { createCcxtFetcher } from '../src/sources/ccxt-fetcher.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';
import { postJson, startTestServer, waitForJob } from './helpers/server-harness.js';

// Every entry point fills through the one engine: the same conformance checks,
// the same time parsing. Each test goes through the real CLI, HTTP API or SDK
// and the real ccxt code path against the sim server.

const MIN = 60_000;
const DAY = 86_400_000;
const BAD_EVERY = 97;
// A market that reaches back to 1995, so a 1999 backfill has rows to compare.
const market = new SimMarket({ genesisMs: Date.UTC(1995, 0, 1) });
const series = (source: string): Series =>
  makeSeries({ source, subject: 'BTC/USDT', kind: 'candle', granularity: '1m' });
const isBad = (tsMs: number) => Math.floor(tsMs / MIN) % BAD_EVERY === 0;

const feed = (source: string, url: string) => ({
  source,
  exchange: 'sim',
  api_url: url,
  subjects: ['BTC/USDT'],
  granularities: ['1m'],
  retry: { max_attempts: 2, retry_backoff_ms: 10 },
});

async function stored(dataDir: string, s: Series, startMs: number, endMs: number) {
  const store = await openEmbeddedStore({ dataDir });
  try {
    const frame = await store.read(s, { startMs, endMs });
    return {
      ts: Array.from(frame.tsMs),
      close: Array.from(asCandles(frame).close),
      coverage: await store.coverage(s),
    };
  } finally {
    await store.close();
  }
}

/** What the store must hold after filling `[startMs, endMs)` from a sim serving bad rows. */
function expectedGood(startMs: number, endMs: number) {
  const all = market.candles('BTC/USDT', '1m', { startMs, endMs });
  return {
    good: all.filter((c) => !isBad(c.tsMs)),
    bad: all.filter((c) => isBad(c.tsMs)),
  };
}

describe('one engine: conformance on every write path', () => {
  let sim: SimServer;
  const START = Date.UTC(2024, 0, 1);
  const END = START + DAY;

  beforeAll(async () => {
    sim = await startSimServer({ market, badRowsEvery: BAD_EVERY });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const checkStore = async (dataDir: string, s: Series) => {
    const { good, bad } = expectedGood(START, END);
    const got = await stored(dataDir, s, START, END);
    expect(got.ts).toEqual(good.map((c) => c.tsMs));
    expect(got.close).toEqual(good.map((c) => c.close));
    // The refused bars stay missing, so a later run fetches them again.
    const holes = bad.map((c) => ({ startMs: c.tsMs, endMs: c.tsMs + MIN }));
    const covered = got.coverage.reduce(
      (n, r) => n + Math.max(0, Math.min(r.endMs, END) - Math.max(r.startMs, START)),
      0,
    );
    expect(covered).toBe(DAY - holes.length * MIN);
    for (const h of holes) {
      expect(got.coverage.some((r) => r.startMs < h.endMs && h.startMs < r.endMs)).toBe(false);
    }
    return bad.length;
  };

  it('the CLI refuses the bad rows, names them, stores the good ones exactly, exits 4', async () => {
    const tmp = tempDir();
    try {
      writeConfig(tmp.dir, { data_dir: './data', feeds: [feed('bad', sim.url)] });
      const run = await runCli(
        ['backfill', '--start', '2024-01-01', '--end', '2024-01-02'],
        tmp.dir,
      );
      const badCount = await checkStore(`${tmp.dir}/data`, series('bad'));
      expect(badCount).toBeGreaterThan(10);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain(
        `rejected: candle:bad:BTC/USDT:1m: ${badCount} row(s) refused by conformance (high_below_open_close)`,
      );
      expect(run.stdout).toContain(`rejected ${badCount}`);
    } finally {
      tmp.cleanup();
    }
  });

  it('an HTTP job refuses them too and its record says so', async () => {
    const server = await startTestServer('embedded', {
      config: { feeds: [feed('bad', sim.url)] },
    });
    try {
      const { status, body } = await postJson(`${server.url}/reports/backfill`, {
        source: 'bad',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: '2024-01-01',
        end: '2024-01-02',
      });
      expect(status).toBe(201);
      const view = await waitForJob(server.url, (body as { id: string }).id);
      const badCount = await checkStore(server.dataDir, series('bad'));
      expect(view.status).toBe('failed');
      expect(String(view.error)).toContain(
        `CONFORMANCE_REJECTED: ${badCount} row(s) refused by conformance`,
      );
    } finally {
      await server.close();
    }
  });

  it('a scheduled run enqueues a job per series, which refuses them the same way', async () => {
    const tmp = tempDir();
    const now = END + 2 * 3_600_000;
    const runtime = await openRuntime(
      parseConfig({
        data_dir: tmp.dir,
        feeds: [{ ...feed('bad', sim.url), asset_class: 'crypto' }],
        jobs: { poll_ms: 20, heartbeat_ms: 200 },
        scheduler: { initial_lookback_days: 1 },
      }),
      { scheduler: false, nowMs: () => now, onError: () => undefined },
    );
    try {
      // Coverage up to START, so the run continues from there to `now`.
      await runtime.store.write(series('bad'), { startMs: START - MIN, endMs: START }, []);
      await runtime.repos.symbols.add('BTC/USDT', 'crypto');
      const { Scheduler } = await import('../src/jobs/scheduler.js');
      const scheduler = new Scheduler({
        config: runtime.config,
        repos: runtime.repos,
        store: runtime.store,
        pollMs: 20,
        now: () => now,
        onEnqueued: () => runtime.worker?.wake(),
        onError: () => undefined,
      });
      const summary = await scheduler.runNow();
      const { jobs } = await runtime.jobs.list({});
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        startTs: START,
        endTs: now,
        status: 'failed',
        requestedBy: 'scheduler',
      });
      const badCount = await checkStore(tmp.dir, series('bad'));
      const { good } = expectedGood(START, now);
      expect(summary).toMatchObject({ successful_symbols: 0, failed_symbols: 1 });
      expect(summary?.total_records_imported).toBe(good.length);
      expect(jobs[0]!.error).toContain(`row(s) refused by conformance`);
      expect(badCount).toBeGreaterThan(10);
      const [entry] = await runtime.repos.history.list({ limit: 5 });
      expect(entry).toMatchObject({ symbol: 'BTC/USDT', success: false });
      expect(entry?.errorDetails).toContain('CONFORMANCE_REJECTED');
    } finally {
      await runtime.close();
      tmp.cleanup();
    }
  });
});

describe('any date from 1970 on, through every entry point', () => {
  let sim: SimServer;
  const START = Date.UTC(1999, 0, 1);
  const END = Date.UTC(1999, 0, 3);
  const expected = market.candles('BTC/USDT', '1m', { startMs: START, endMs: END });

  beforeAll(async () => {
    sim = await startSimServer({ market });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('CLI: gapless backfill --start 1999-01-01 --end 1999-01-03 is exact', async () => {
    const tmp = tempDir();
    try {
      writeConfig(tmp.dir, { data_dir: './data', feeds: [feed('old', sim.url)] });
      const run = await runCli(
        ['backfill', '--start', '1999-01-01', '--end', '1999-01-03'],
        tmp.dir,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const got = await stored(`${tmp.dir}/data`, series('old'), START, END);
      expect(expected.length).toBe(2 * 1440);
      expect(got.ts).toEqual(expected.map((c) => c.tsMs));
      expect(got.close).toEqual(expected.map((c) => c.close));
      expect(got.coverage).toEqual([{ startMs: START, endMs: END }]);
    } finally {
      tmp.cleanup();
    }
  });

  it('HTTP job: POST /reports/backfill from 1999 is exact', async () => {
    const server = await startTestServer('embedded', {
      config: { feeds: [feed('old', sim.url)], server: { max_range_days: 20_000 } },
    });
    try {
      const { status, body } = await postJson(`${server.url}/reports/backfill`, {
        source: 'old',
        subject: 'BTC/USDT',
        kind: 'candle',
        granularity: '1m',
        start: '1999-01-01',
        end: String(END),
      });
      expect(status).toBe(201);
      const view = await waitForJob(server.url, (body as { id: string }).id);
      expect(view.status).toBe('completed');
      const got = await stored(server.dataDir, series('old'), START, END);
      expect(got.ts).toEqual(expected.map((c) => c.tsMs));
      expect(got.coverage).toEqual([{ startMs: START, endMs: END }]);
    } finally {
      await server.close();
    }
  });

  it('SDK: HistoryProvider.fillMissing from 1999 (ISO, epoch s and 12-digit epoch ms) is exact', async () => {
    const tmp = tempDir();
    const store = await openEmbeddedStore({ dataDir: tmp.dir });
    const fetcher = createCcxtFetcher({ source: 'old', exchange: 'binance', apiUrl: sim.url });
    try {
      const provider = new HistoryProvider({ store, fetcher });
      const s = 'candle:old:BTC/USDT:1m';
      const first = await provider.fillMissing('1999-01-01', START / 1000 + DAY / 1000, {
        series: s,
      });
      expect(first.rowsWritten).toBe(1440);
      const second = await provider.fillMissing(START + DAY, END, { series: s });
      expect(second.rowsWritten).toBe(1440);
      expect(second.gapsLeft).toEqual([]);
      const frame = await provider.fetch(START, '1999-01-03', { series: s });
      expect(Array.from(frame.tsMs)).toEqual(expected.map((c) => c.tsMs));
      expect(Array.from(asCandles(frame).volume)).toEqual(expected.map((c) => c.volume));
    } finally {
      await fetcher.close?.();
      await store.close();
      tmp.cleanup();
    }
  });
});
