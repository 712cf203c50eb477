import { describe, expect, it } from 'vitest';
import { type ArchiveFile, archiveFilePath, monthOf, parseArchivePath } from './archive-layout.js';

const MONTH: ArchiveFile = {
  market: 'spot',
  period: 'monthly',
  dataset: 'klines',
  symbol: 'BTCUSDT',
  interval: '1m',
  startMs: Date.UTC(2024, 0, 1),
  endMs: Date.UTC(2024, 1, 1),
};

describe('archive layout', () => {
  it("names files as Binance's archive does, and parses them back", () => {
    const day: ArchiveFile = {
      market: 'futures-um',
      period: 'daily',
      dataset: 'aggTrades',
      symbol: 'ETHUSDT',
      startMs: Date.UTC(2025, 1, 28),
      endMs: Date.UTC(2025, 2, 1),
    };
    expect(archiveFilePath(MONTH)).toBe(
      'data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip',
    );
    expect(archiveFilePath(day)).toBe(
      'data/futures/um/daily/aggTrades/ETHUSDT/ETHUSDT-aggTrades-2025-02-28.zip',
    );
    expect(parseArchivePath(`/${archiveFilePath(MONTH)}`)).toEqual(MONTH);
    expect(parseArchivePath(archiveFilePath(day))).toEqual(day);
  });

  it('refuses paths that do not name one file consistently', () => {
    for (const path of [
      '/data/spot/monthly/klines/BTCUSDT/1m/ETHUSDT-1m-2024-01.zip',
      '/data/spot/monthly/klines/BTCUSDT/1h/BTCUSDT-1m-2024-01.zip',
      '/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01-05.zip',
      '/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-02-31.zip',
      '/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-13.zip',
      '/data/options/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip',
      '/data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv',
    ]) {
      expect(parseArchivePath(path), path).toBeUndefined();
    }
  });

  it('finds the month of an instant', () => {
    expect(monthOf(Date.UTC(2024, 1, 29, 23, 59))).toEqual({
      startMs: Date.UTC(2024, 1, 1),
      endMs: Date.UTC(2024, 2, 1),
    });
  });
});
