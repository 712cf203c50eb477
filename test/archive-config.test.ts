import { describe, expect, it } from 'vitest';
import { createFeedFetcher } from '../src/app/feed-fetcher.js';
import { parseConfig } from '../src/config/load-config.js';
import { configError } from './helpers/config-error.js';

const feed = (extra: Record<string, unknown>) => ({
  feeds: [{ source: 'f', subjects: ['BTC/USDT'], ...extra }],
});

const fetcherName = (extra: Record<string, unknown>) =>
  createFeedFetcher(parseConfig(feed(extra)).feeds[0]!).name;

describe('archive in feed config', () => {
  it('uses the public Binance archive for binance, the sim server for an HTTP sim, else none', () => {
    expect(fetcherName({ exchange: 'binance' })).toBe('ccxt:binance+archive');
    expect(fetcherName({ exchange: 'binance', archive: false })).toBe('ccxt:binance');
    expect(fetcherName({ exchange: 'binance', api_url: 'http://127.0.0.1:1' })).toBe(
      'ccxt:binance',
    );
    expect(fetcherName({ exchange: 'sim', api_url: 'http://127.0.0.1:1', archive: {} })).toMatch(
      /\+archive$/,
    );
    expect(fetcherName({ exchange: 'sim', api_url: 'http://127.0.0.1:1' })).not.toMatch(
      /\+archive$/,
    );
    expect(fetcherName({ exchange: 'sim' })).not.toMatch(/\+archive$/);
    expect(
      fetcherName({ exchange: 'okx', archive: { url: 'https://mirror.example/archive' } }),
    ).toBe('ccxt:okx+archive');
  });

  it('fills defaults and names a bad key in one line', () => {
    const [f] = parseConfig(feed({ exchange: 'binance', archive: {} })).feeds;
    expect(f!.archive).toEqual({
      market: 'spot',
      download_concurrency: 4,
      cross_check_bars: 3,
      timeout_ms: 120_000,
    });
    expect(configError(feed({ exchange: 'okx', archive: { market: 'spot' } }))).toMatch(
      /archive\.url.*required for exchange 'okx'/,
    );
    expect(configError(feed({ exchange: 'binance', archive: { market: 'options' } }))).toMatch(
      /archive\.market/,
    );
    expect(configError(feed({ exchange: 'binance', archive: true }))).toMatch(/archive/);
  });
});
