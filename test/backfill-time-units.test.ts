import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Candle, frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';

const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 0, 11);
const FEEDS = [
  { source: 'viaccxt', exchange: 'binance', subject: 'BTC/USDT' },
  { source: 'viaklines', exchange: 'binance-klines', subject: 'ETH/USDT' },
] as const;

describe('backfill when some klines pages come in microseconds', () => {
  let server: SimServer;
  const tmp = tempDir();

  beforeAll(async () => {
    server = await startSimServer({ microsRate: 0.3, faultSeed: 4 });
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: FEEDS.map((f) => ({
        source: f.source,
        exchange: f.exchange,
        api_url: server.url,
        subjects: [f.subject],
        granularities: ['1m'],
        retry: { max_attempts: 6, retry_backoff_ms: 10, jitter_ratio: 0 },
      })),
    });
  });

  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('converts each page to milliseconds and stores exactly the market, never an empty window', {
    timeout: 60_000,
  }, async () => {
    const run = await runCli(['backfill', '--start', '2024-01-01', '--end', '2024-01-11'], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(server.stats().micros).toBeGreaterThan(2);

    const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
    try {
      for (const f of FEEDS) {
        const series = parseSeries({
          source: f.source,
          subject: f.subject,
          kind: 'candle',
          granularity: '1m',
        });
        const expected = server.market.candles(f.subject, '1m', { startMs: START, endMs: END });
        const frame = await store.read(series, { startMs: START, endMs: END });
        expect(frame.length).toBe(10 * 1440);
        const rows = ([...frameRows(frame)] as Candle[]).map((c) => [c.tsMs, c.open, c.volume]);
        expect(rows).toEqual(expected.map((c) => [c.tsMs, c.open, c.volume]));
        expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
      }
    } finally {
      await store.close();
    }
  });
});
