/**
 * @module Binance's bulk archive layout (`data.binance.vision`): where the zip
 * of one month or day of one symbol lives. The archive fetcher builds these
 * paths and the sim server parses them, so both agree by construction.
 */

/** Markets an archive publishes: spot, USD-M and COIN-M futures. */
export const ARCHIVE_MARKETS = ['spot', 'futures-um', 'futures-cm'] as const;

/** One of {@link ARCHIVE_MARKETS}. */
export type ArchiveMarket = (typeof ARCHIVE_MARKETS)[number];

/** How much one archive file holds. */
export type ArchivePeriod = 'monthly' | 'daily';

/** What an archive file holds: candles (`klines`) or aggregate trades (`aggTrades`). */
export type ArchiveDataset = 'klines' | 'aggTrades';

/** One archive file: a month or a UTC day of one symbol. */
export interface ArchiveFile {
  readonly market: ArchiveMarket;
  readonly period: ArchivePeriod;
  readonly dataset: ArchiveDataset;
  /** The exchange's symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Kline interval (`1m`); absent for trades. */
  readonly interval?: string | undefined;
  /** The month or day it holds, `[startMs, endMs)`. */
  readonly startMs: number;
  readonly endMs: number;
}

const MARKET_DIRS: Record<ArchiveMarket, string> = {
  spot: 'spot',
  'futures-um': 'futures/um',
  'futures-cm': 'futures/cm',
};

/** `2024-01` for a monthly file, `2024-01-31` for a daily one. */
export function archivePeriodLabel(file: Pick<ArchiveFile, 'period' | 'startMs'>): string {
  const iso = new Date(file.startMs).toISOString();
  return file.period === 'monthly' ? iso.slice(0, 7) : iso.slice(0, 10);
}

/** The zip's file name, e.g. `BTCUSDT-1m-2024-01.zip` or `BTCUSDT-aggTrades-2024-01-31.zip`. */
export function archiveFileName(file: ArchiveFile): string {
  const what = file.dataset === 'klines' ? file.interval : 'aggTrades';
  return `${file.symbol}-${what}-${archivePeriodLabel(file)}.zip`;
}

/** The zip's path under the archive root, e.g. `data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip`. */
export function archiveFilePath(file: ArchiveFile): string {
  const interval = file.dataset === 'klines' ? `/${file.interval}` : '';
  return `data/${MARKET_DIRS[file.market]}/${file.period}/${file.dataset}/${file.symbol}${interval}/${archiveFileName(file)}`;
}

/** The month holding `tsMs`, as an archive file's `[startMs, endMs)`. */
export function monthOf(tsMs: number): { startMs: number; endMs: number } {
  const d = new Date(tsMs);
  return {
    startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

const PATH =
  /^\/?data\/(spot|futures\/um|futures\/cm)\/(monthly|daily)\/(klines|aggTrades)\/([A-Z0-9_]+)\/(?:([0-9]+[smhdw]|1mo)\/)?([A-Z0-9_]+)-([0-9a-zA-Z]+)-(\d{4})-(\d{2})(?:-(\d{2}))?\.zip$/;

/**
 * The file a path names, or undefined when it is not a well-formed archive
 * path (symbol, interval and period must agree between folder and name).
 */
export function parseArchivePath(path: string): ArchiveFile | undefined {
  const m = PATH.exec(path);
  if (m === null) return undefined;
  const [, dir, period, dataset, symbol, interval, nameSymbol, what, y, mo, d] = m;
  const market = (Object.keys(MARKET_DIRS) as ArchiveMarket[]).find((k) => MARKET_DIRS[k] === dir)!;
  if (nameSymbol !== symbol) return undefined;
  if (dataset === 'klines' ? what !== interval : interval !== undefined || what !== 'aggTrades') {
    return undefined;
  }
  if ((period === 'daily') !== (d !== undefined)) return undefined;
  const year = Number(y);
  const month = Number(mo) - 1;
  if (month > 11) return undefined;
  const startMs = Date.UTC(year, month, d === undefined ? 1 : Number(d));
  const endMs = d === undefined ? Date.UTC(year, month + 1, 1) : startMs + 86_400_000;
  const file: ArchiveFile = {
    market,
    period: period as ArchivePeriod,
    dataset: dataset as ArchiveDataset,
    symbol: symbol!,
    ...(interval === undefined ? {} : { interval }),
    startMs,
    endMs,
  };
  // A day like 02-31 rolls into March: the path would not name the file it parses to.
  return archiveFilePath(file) === path.replace(/^\//, '') ? file : undefined;
}
