import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';

const SUBJECTS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 2, 1); // 60 days
const MAINTENANCE = { startMs: Date.UTC(2024, 0, 15, 10), endMs: Date.UTC(2024, 0, 15, 14) };

describe('backfill through ccxt against a faulty sim exchange', () => {
  let server: SimServer;
  const tmp = tempDir();

  beforeAll(async () => {
    server = await startSimServer({
      errorRate: 0.05,
      truncateRate: 0.03,
      duplicateRows: true,
      shuffleRows: true,
      maintenance: [MAINTENANCE],
      // 200 weight per 2 s window: 50 klines requests a second.
      weightPerMinute: 200,
      weightWindowMs: 2_000,
      faultSeed: 7,
    });
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [
        {
          source: 'simx',
          exchange: 'binance',
          api_url: server.url,
          subjects: SUBJECTS,
          kinds: ['candle'],
          granularities: ['1m'],
          concurrency: 6,
          // A little above the server's limit on purpose, so 429s happen and are honoured.
          rate_limit: {
            tokens_per_interval: 230,
            interval_ms: 2_000,
            request_weight: 2,
            burst_tokens: 10,
          },
          retry: { max_attempts: 10, retry_backoff_ms: 20, jitter_ratio: 0.5 },
        },
      ],
    });
  });

  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('stores exactly the candles the server has and leaves no gaps', {
    timeout: 180_000,
  }, async () => {
    const args = ['--start', '2024-01-01', '--end', '2024-03-01'];
    const run = await runCli(['backfill', ...args], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const stats = server.stats();
    // The faults really happened, and were survived.
    expect(stats.http5xx).toBeGreaterThan(0);
    expect(stats.truncated).toBeGreaterThan(0);
    expect(stats.http429).toBeGreaterThan(0);

    const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
    try {
      for (const subject of SUBJECTS) {
        const series = parseSeries({ source: 'simx', subject, kind: 'candle', granularity: '1m' });
        const expected = server.market.candles(subject, '1m', { startMs: START, endMs: END });
        const frame = await store.read(series, { startMs: START, endMs: END });
        expect(frame.length).toBe(expected.length);
        expect(frame.length).toBe(60 * 1440 - 240); // the maintenance window has no bars
        const rows = [...frameRows(frame)].map(({ meta: _meta, ...row }) => row);
        expect(rows).toEqual(expected.map(({ meta: _meta, ...row }) => row));
        for (let i = 1; i < frame.length; i++)
          expect(frame.tsMs[i]!).toBeGreaterThan(frame.tsMs[i - 1]!);
        // The empty maintenance window is covered: coverage is one range.
        expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
      }
    } finally {
      await store.close();
    }

    const coverage = await runCli(['coverage', '--json', ...args], tmp.dir);
    expect(coverage.code).toBe(0);
    const report = JSON.parse(coverage.stdout) as { series: string; gaps: unknown[] }[];
    expect(report.map((r) => r.series)).toEqual(SUBJECTS.map((s) => `candle:simx:${s}:1m`));
    for (const r of report) expect(r.gaps).toEqual([]);

    // A second run finds nothing missing and fetches nothing.
    server.resetStats();
    const again = await runCli(['backfill', ...args], tmp.dir);
    expect(again.code).toBe(0);
    expect(server.stats().dataRequests).toBe(0);
  });

  it('writes Parquet files DuckDB reads unchanged, with the documented schema', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const glob = `${tmp.dir}/data/**/*.parquet`;
    const schema = await conn.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`,
    );
    const columns = Object.fromEntries(
      schema.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]),
    );
    expect(columns).toEqual({
      ts_event: 'TIMESTAMP WITH TIME ZONE',
      source: 'VARCHAR',
      subject: 'VARCHAR',
      kind: 'VARCHAR',
      granularity: 'VARCHAR',
      open: 'DOUBLE',
      high: 'DOUBLE',
      low: 'DOUBLE',
      close: 'DOUBLE',
      volume: 'DOUBLE',
      meta: 'VARCHAR',
    });
    const counts = await conn.runAndReadAll(
      `SELECT subject, count(*) AS n, count(DISTINCT ts_event) AS d
       FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY subject ORDER BY subject`,
    );
    expect(counts.getRowObjects().map((r) => [r.subject, Number(r.n), Number(r.d)])).toEqual(
      [...SUBJECTS].sort().map((s) => [s, 60 * 1440 - 240, 60 * 1440 - 240]),
    );
    const files = await conn.runAndReadAll(
      `SELECT DISTINCT file_name FROM parquet_metadata('${glob}')`,
    );
    expect(files.getRows().length).toBe(3 * 60);
    conn.closeSync();
  });
});
