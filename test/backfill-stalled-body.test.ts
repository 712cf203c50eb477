import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Candle, frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { polygonSimMarket } from '../src/sim/polygon-routes.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';

const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 0, 8);
const RETRY = { max_attempts: 12, retry_backoff_ms: 10, max_delay_ms: 50, jitter_ratio: 0 };

// Each fetcher kind behind one feed: ccxt (real binance class), plain klines, Polygon.
const FEEDS = [
  { source: 'viaccxt', exchange: 'binance', subject: 'BTC/USDT', granularity: '1m' },
  { source: 'viaklines', exchange: 'binance-klines', subject: 'ETH/USDT', granularity: '1m' },
  { source: 'viapolygon', exchange: 'polygon', subject: 'AAPL', granularity: '5m' },
] as const;

describe('backfill when responses stall after half their body', () => {
  let server: SimServer;
  const tmp = tempDir();

  beforeAll(async () => {
    // A third of the answers stall: every fetcher meets several.
    server = await startSimServer({ stallRate: 0.3, faultSeed: 3, polygon: { maxResults: 500 } });
    process.env.GAPLESS_TEST_POLYGON_KEY = 'sim-key';
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: FEEDS.map((f) => ({
        source: f.source,
        exchange: f.exchange,
        api_url: server.url,
        subjects: [f.subject],
        granularities: [f.granularity],
        timeout_ms: 300,
        retry: RETRY,
        ...(f.exchange === 'polygon'
          ? {
              api_key_env: 'GAPLESS_TEST_POLYGON_KEY',
              rate_limit: { tokens_per_interval: 6000, interval_ms: 60_000 },
            }
          : {}),
      })),
    });
  });

  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('times out the stalled body through every fetcher, retries, and stores exactly the market', {
    timeout: 90_000,
  }, async () => {
    const run = await runCli(['backfill', '--start', '2024-01-01', '--end', '2024-01-08'], tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(server.stats().stalled).toBeGreaterThan(3);

    const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
    try {
      for (const f of FEEDS) {
        const series = parseSeries({
          source: f.source,
          subject: f.subject,
          kind: 'candle',
          granularity: f.granularity,
        });
        const market = f.exchange === 'polygon' ? polygonSimMarket(server.market) : server.market;
        const expected = market.candles(f.subject, f.granularity, { startMs: START, endMs: END });
        const frame = await store.read(series, { startMs: START, endMs: END });
        const rows = ([...frameRows(frame)] as Candle[]).map((c) => [c.tsMs, c.close, c.volume]);
        expect(rows).toEqual(expected.map(({ tsMs, close, volume }) => [tsMs, close, volume]));
        expect(await store.coverage(series)).toEqual([{ startMs: START, endMs: END }]);
      }
    } finally {
      await store.close();
    }
  });
});
