import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floorToBar } from '../src/core/granularity.js';
import { type Candle, frameRows } from '../src/core/rows.js';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';

const SERIES = parseSeries('candle:skewed:BTC/USDT:1s');
const OFFSET_MS = -5_500;
const SETTLE_MS = 1_000;

describe('backfill against an exchange whose clock is 5.5 s behind', () => {
  let server: SimServer;
  const tmp = tempDir();

  beforeAll(async () => {
    server = await startSimServer({ clockOffsetMs: OFFSET_MS });
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [
        {
          source: 'skewed',
          exchange: 'binance',
          api_url: server.url,
          subjects: ['BTC/USDT'],
          granularities: ['1s'],
          settle_ms: SETTLE_MS,
        },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('stores no open candle and covers up to the last bar complete by the exchange clock', {
    timeout: 60_000,
  }, async () => {
    const startMs = floorToBar(Date.now() - 120_000, 1_000);
    const run = await runCli(['backfill', '--start', String(startMs)], tmp.dir);
    const exchangeNowMs = Date.now() + OFFSET_MS;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const store = await openEmbeddedStore({ dataDir: `${tmp.dir}/data` });
    try {
      const coverage = await store.coverage(SERIES);
      expect(coverage).toHaveLength(1);
      const endMs = coverage[0]!.endMs;
      // Never past the last complete bar by the exchange's clock, minus the settle grace.
      expect(endMs).toBeLessThanOrEqual(floorToBar(exchangeNowMs - SETTLE_MS, 1_000));
      const range = { startMs, endMs: Date.now() + 60_000 };
      const stored = [...frameRows(await store.read(SERIES, range))] as Candle[];
      // Every stored bar is a closed one, with its final values.
      const closed = server.market.candles('BTC/USDT', '1s', { startMs, endMs }, exchangeNowMs);
      expect(stored.map(({ meta: _m, ...c }) => c)).toEqual(closed);
      expect(stored.at(-1)!.tsMs + 1_000).toBe(endMs);
    } finally {
      await store.close();
    }
  });
});
