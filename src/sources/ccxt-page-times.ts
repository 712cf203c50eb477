/** @module Every ccxt page's timestamps in milliseconds, whatever unit the exchange sent. */
import type { Exchange, Market, OHLCV, Trade } from 'ccxt';
import { checkPagePlace, pageTimesToMs } from './time-units.js';

type ParseOHLCVs = Exchange['parseOHLCVs'];
type ParseTrades = Exchange['parseTrades'];

/**
 * Wraps the exchange's page parsers (`parseOHLCVs`, `parseTrades`: the fast
 * candle parser too, when installed before) so each page's timestamps are
 * converted to milliseconds by {@link pageTimesToMs} before ccxt filters rows
 * by `since`. Without it a page in microseconds passes ccxt's filter and is
 * then dropped as outside the window, and a page in seconds is dropped by
 * ccxt itself: either way an empty page that would count as "confirmed
 * empty". A page that fits no unit, or answers an earlier time than asked,
 * throws a retryable `SOURCE_BAD_PAGE` from inside the request.
 */
export function useMsPageTimes(exchange: Exchange): void {
  const ownOHLCVs = exchange.parseOHLCVs;
  const parseOHLCVs: ParseOHLCVs = function (
    this: Exchange,
    ohlcvs,
    market,
    timeframe,
    since,
    limit,
    tail,
  ) {
    const rows: OHLCV[] = ownOHLCVs.call(
      this,
      ohlcvs,
      market,
      timeframe,
      undefined,
      undefined,
      tail,
    );
    if (since === undefined || rows.length === 0) return ownFilter(this, rows, since, limit, tail);
    const what = `${this.id} ${symbolOf(market)} ${String(timeframe)} candles since ${since}`;
    const times = rows.map((row) => Number(row[0]));
    pageTimesToMs(times, { referenceMs: since, what });
    checkPagePlace(times, since, what);
    for (let i = 0; i < rows.length; i++) rows[i]![0] = times[i]!;
    // One factor for the whole page keeps the order the own parser sorted.
    return ownFilter(this, rows, since, limit, tail);
  };
  exchange.parseOHLCVs = parseOHLCVs;

  const ownTrades = exchange.parseTrades;
  const parseTrades: ParseTrades = function (this: Exchange, raw, market, since, limit, params) {
    const trades: Trade[] = ownTrades.call(this, raw, market, undefined, undefined, params);
    if (since === undefined || trades.length === 0) {
      return this.filterBySinceLimit(trades, since, limit) as Trade[];
    }
    const what = `${this.id} ${symbolOf(market)} trades since ${since}`;
    const times = trades.map((t) => Number(t.timestamp));
    // Trades may be stamped finer than a millisecond; they keep its millisecond.
    pageTimesToMs(times, { referenceMs: since, what, wholeMs: false });
    for (let i = 0; i < trades.length; i++) trades[i]!.timestamp = times[i]!;
    // Flooring to the millisecond can only tie neighbours: the order stays.
    return this.filterBySinceLimit(trades, since, limit) as Trade[];
  };
  exchange.parseTrades = parseTrades;
}

function ownFilter(
  exchange: Exchange,
  rows: OHLCV[],
  since: number | undefined,
  limit: number | undefined,
  tail: boolean | undefined,
): OHLCV[] {
  return exchange.filterBySinceLimit(rows, since, limit, 0, tail) as OHLCV[];
}

function symbolOf(market: unknown): string {
  return (market as Market | undefined)?.symbol ?? '';
}
