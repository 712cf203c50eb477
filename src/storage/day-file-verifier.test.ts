import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeries } from '../core/series.js';
import { SimMarket } from '../sim/market.js';
import { DamagedFileError } from './damaged-file-error.js';
import { type EmbeddedStore, openEmbeddedStore } from './embedded-store.js';

const market = new SimMarket();
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const candles = parseSeries('candle:sim:BTC/USDT:1m');
const trades = parseSeries('trade:sim:BTC/USDT');

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

async function fresh(): Promise<EmbeddedStore> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gapless-verify-'));
  roots.push(root);
  return openEmbeddedStore({ dataDir: root, fsync: false });
}

function fileOf(store: EmbeddedStore, dir: string, day: string): string {
  return path.join(store.dataDir, 'sim', 'BTC%2FUSDT', dir, `${day}.parquet`);
}

describe('verify', () => {
  it('finds nothing in files it wrote, candles (GZIP) and trades (ZSTD), deep or not', async () => {
    const store = await fresh();
    const range = { startMs: T0, endMs: T0 + 2 * DAY };
    await store.write(candles, range, market.candles('BTC/USDT', '1m', range));
    await store.write(trades, range, market.trades('BTC/USDT', range));
    for (const s of [candles, trades]) {
      for (const deep of [true, false]) {
        expect(await store.verify(s, { deep })).toEqual({
          series: s,
          filesChecked: 2,
          findings: [],
          quarantined: [],
        });
      }
    }
    await store.close();
  });

  it('a file copied over another day holds rows of that other day', async () => {
    const store = await fresh();
    const range = { startMs: T0, endMs: T0 + 2 * DAY };
    await store.write(candles, range, market.candles('BTC/USDT', '1m', range));
    copyFileSync(
      fileOf(store, 'candle/1m', '2024-01-01'),
      fileOf(store, 'candle/1m', '2024-01-02'),
    );
    const { findings } = await store.verify(candles, { deep: false });
    expect(findings.map((f) => [f.day, f.problem, f.cause])).toEqual([
      [
        '2024-01-02',
        'damaged',
        'rows from 2024-01-01T00:00:00.000Z to 2024-01-01T23:59:00.000Z are not all of 2024-01-02',
      ],
    ]);
    await expect(store.read(candles, range)).resolves.toBeDefined();
    await expect(store.assertIntact(candles, range)).rejects.toThrow(DamagedFileError);
    await store.close();
  });

  it('an older copy of a file put back holds fewer rows than were written', async () => {
    const store = await fresh();
    const first = { startMs: T0, endMs: T0 + DAY / 2 };
    const second = { startMs: T0 + DAY / 2, endMs: T0 + DAY };
    const file = fileOf(store, 'candle/1m', '2024-01-01');
    await store.write(candles, first, market.candles('BTC/USDT', '1m', first));
    const old = readFileSync(file);
    await store.write(candles, second, market.candles('BTC/USDT', '1m', second));
    writeFileSync(file, old);
    const { findings } = await store.verify(candles);
    expect(findings.map((f) => f.cause)).toEqual(['holds 720 rows, 1440 were written']);
    await store.close();
  });

  it('a writer that died between its rename and its coverage update leaves no finding', async () => {
    const store = await fresh();
    const first = { startMs: T0, endMs: T0 + DAY / 2 };
    const second = { startMs: T0 + DAY / 2, endMs: T0 + DAY };
    const coverageFile = path.join(
      store.dataDir,
      '.gapless/coverage/sim/BTC%2FUSDT/candle/1m.json',
    );
    await store.write(candles, first, market.candles('BTC/USDT', '1m', first));
    const before = readFileSync(coverageFile);
    await store.write(candles, second, market.candles('BTC/USDT', '1m', second));
    // The day file holds both halves; coverage, as before the second write.
    writeFileSync(coverageFile, before);
    expect((await store.verify(candles)).findings).toEqual([]);
    await expect(store.assertIntact(candles, { startMs: T0, endMs: T0 + DAY })).resolves.toBe(
      undefined,
    );
    expect(await store.coverage(candles)).toEqual([first]);
    await store.close();
  });

  it('a repair of a weekly series drops the whole bar of the damaged day', async () => {
    const store = await fresh();
    const weekly = parseSeries('candle:sim:BTC/USDT:1w');
    // Mondays: 2024-01-01, 01-08, 01-15.
    const range = { startMs: T0, endMs: T0 + 21 * DAY };
    await store.write(weekly, range, market.candles('BTC/USDT', '1w', range));
    truncateSync(fileOf(store, 'candle/1w', '2024-01-08'), 40);
    const report = await store.verify(weekly, { repair: true });
    expect(report.findings.map((f) => [f.day, f.cause])).toEqual([
      ['2024-01-08', 'footer missing (truncated?)'],
    ]);
    expect(await store.coverage(weekly)).toEqual([
      { startMs: T0, endMs: T0 + 7 * DAY },
      { startMs: T0 + 14 * DAY, endMs: T0 + 21 * DAY },
    ]);
    expect((await store.verify(weekly)).findings).toEqual([]);
    await store.close();
  });

  it('a truncated trade file is found and quarantined; the rest of the day stays readable', async () => {
    const store = await fresh();
    const range = { startMs: T0, endMs: T0 + 2 * DAY };
    await store.write(trades, range, market.trades('BTC/USDT', range));
    const file = fileOf(store, 'trade/tick', '2024-01-02');
    truncateSync(file, readFileSync(file).length - 3);
    await expect(store.read(trades, range)).rejects.toThrow(
      /^damaged day file .*trade\/tick\/2024-01-02\.parquet: footer missing \(truncated\?\); run `gapless verify --repair`$/,
    );
    const report = await store.verify(trades, { repair: true });
    expect(report.quarantined).toEqual([
      expect.objectContaining({
        day: '2024-01-02',
        movedTo: expect.stringMatching(
          /\.gapless\/quarantine\/sim\/BTC%2FUSDT\/trade\/tick\/2024-01-02\.parquet$/,
        ),
      }),
    ]);
    expect(await store.coverage(trades)).toEqual([{ startMs: T0, endMs: T0 + DAY }]);
    const frame = await store.read(trades, range);
    expect(frame.length).toBe(market.trades('BTC/USDT', { startMs: T0, endMs: T0 + DAY }).length);
    await store.close();
  });
});
