import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveFile, archiveFilePath } from '../core/archive-layout.js';
import { AggTradesCsvParser } from '../sources/archive/agg-trades-csv-parser.js';
import { KlineCsvParser } from '../sources/archive/kline-csv-parser.js';
import { readArchiveFile } from '../sources/archive/read-archive-file.js';
import { type SimServer, startSimServer } from './server.js';

const NOW = Date.UTC(2025, 2, 10, 12);
const file = (over: Partial<ArchiveFile>): ArchiveFile => ({
  market: 'spot',
  period: 'daily',
  dataset: 'klines',
  symbol: 'BTCUSDT',
  interval: '1h',
  startMs: Date.UTC(2025, 2, 8),
  endMs: Date.UTC(2025, 2, 9),
  ...over,
});

describe('the sim archive', () => {
  let sim: SimServer;
  const get = (f: ArchiveFile, suffix = '') => fetch(`${sim.url}/${archiveFilePath(f)}${suffix}`);

  beforeAll(async () => {
    sim = await startSimServer({
      nowMs: () => NOW,
      archive: { faults: { badChecksum: ['2025-03-07'], missing: ['2025-01'], lateDaily: true } },
    });
  });
  afterAll(() => sim.close());

  it('serves zips with a sha256sum-style .CHECKSUM beside them', async () => {
    const f = file({});
    const zip = Buffer.from(await (await get(f)).arrayBuffer());
    const checksum = await (await get(f, '.CHECKSUM')).text();
    expect(checksum).toBe(
      `${createHash('sha256').update(zip).digest('hex')}  BTCUSDT-1h-2025-03-08.zip\n`,
    );
    expect(sim.stats().archiveFiles).toBe(1);
    expect(sim.stats().weightTotal).toBe(0);
  });

  it('serves spot in microseconds from 2025, futures with a header in milliseconds, and trades', async () => {
    const options = { baseUrl: sim.url, timeoutMs: 10_000 };
    for (const market of ['spot', 'futures-um'] as const) {
      const f = file({ market });
      const parsed = await readArchiveFile(f, new KlineCsvParser(f, 3_600_000, 'k'), options);
      expect(parsed.unit).toBe(market === 'spot' ? 'us' : 'ms');
      expect(Array.from(parsed.rows.close)).toEqual(
        sim.market.candles('BTC/USDT', '1h', f).map((c) => c.close),
      );
      const t = file({ market, dataset: 'aggTrades', interval: undefined });
      const trades = await readArchiveFile(t, new AggTradesCsvParser(t, 't'), options);
      expect(trades.rows).toEqual(sim.market.trades('BTC/USDT', t, NOW));
    }
  });

  it('publishes a period once it has ended, and injects the faults asked for', async () => {
    const status = async (f: ArchiveFile, suffix = '') => (await get(f, suffix)).status;
    const month = (m: number) => ({
      period: 'monthly' as const,
      startMs: Date.UTC(2025, m, 1),
      endMs: Date.UTC(2025, m + 1, 1),
    });
    expect(await status(file(month(1)))).toBe(200);
    expect(await status(file(month(2)))).toBe(404); // this month
    expect(await status(file(month(0)))).toBe(404); // missing
    expect(await status(file(month(0)), '.CHECKSUM')).toBe(404);
    // Yesterday is late; the day before is there.
    expect(
      await status(file({ startMs: Date.UTC(2025, 2, 9), endMs: Date.UTC(2025, 2, 10) })),
    ).toBe(404);
    const bad = file({ startMs: Date.UTC(2025, 2, 7), endMs: Date.UTC(2025, 2, 8) });
    const parser = new KlineCsvParser(bad, 3_600_000, 'k');
    await expect(
      readArchiveFile(bad, parser, { baseUrl: sim.url, timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'ARCHIVE_CHECKSUM_MISMATCH' });
    expect(await status(file({ symbol: 'NOPEUSDT' }))).toBe(404);
  });
});
