import type { Exchange, Market, OHLCV } from 'ccxt';
import { ccxtBaseExchange } from './ccxt-module.js';
import { parseNumericTable } from './numeric-table.js';

type ParseOHLCVs = Exchange['parseOHLCVs'];

// Per market: whether the exchange's own `parseOHLCV` was seen to be
// `row.slice(0, 6)` on these tables ('identity'), to be something else
// ('own'), or not yet known.
type Mapping = 'identity' | 'own';

/**
 * Makes an exchange instance that serves only candles parse candle pages in one
 * pass: bodies that are arrays of numeric arrays (Binance, Bitfinex, Coinbase,
 * MEXC, ... candles) are read by {@link parseNumericTable} instead of
 * `JSON.parse`, and once the exchange's own `parseOHLCV` has been seen to give
 * exactly a row's first six fields for the market, the parsed rows are
 * returned as they are, sorted and filtered as ccxt does. Until then, and for
 * ever for an exchange or market where it gives anything else (Bitfinex's
 * `[ts, o, c, h, l, v]`, Binance's inverse volume), the exchange's own parser
 * runs.
 *
 * The instance must serve nothing but candles, to a caller that reads only
 * the first six fields of each row: numbers arrive as doubles, as candles store
 * them, `quoteJsonNumbers` is turned off, and rows may carry the exchange's
 * extra fields after the six.
 */
export function useFastCandles(exchange: Exchange): void {
  const ownParseOHLCVs = exchange.parseOHLCVs;
  // An exchange with its own page parser keeps it whole.
  if (ownParseOHLCVs !== ccxtBaseExchange().prototype.parseOHLCVs) return;
  exchange.quoteJsonNumbers = false;
  const mappings = new Map<string, Mapping>();
  const ownParseJson = exchange.parseJson.bind(exchange);

  exchange.parseJson = (text: unknown) =>
    (typeof text === 'string' ? parseNumericTable(text) : undefined) ?? ownParseJson(text);

  const parseOHLCVs: ParseOHLCVs = function (this: Exchange, ohlcvs, market, ...rest) {
    const rows = numericRows(ohlcvs);
    if (rows === undefined) return ownParseOHLCVs.call(this, ohlcvs, market, ...rest);
    const key = (market as Market | undefined)?.symbol ?? '';
    const mapping = mappings.get(key);
    if (mapping === 'identity' && rows.length > 0 && sameAsOwn(this, rows[0]!, market)) {
      const [, since, limit, tail] = rest;
      // The rows themselves: their first six fields are the candle, and the
      // fetcher reads no further (no copy per candle).
      return this.filterBySinceLimit(this.sortBy(rows, 0), since, limit, 0, tail) as OHLCV[];
    }
    const own = ownParseOHLCVs.call(this, ohlcvs, market, ...rest);
    if (mapping === undefined) {
      const learned = learn(this, rows, market);
      if (learned !== undefined) mappings.set(key, learned);
    } else if (mapping === 'identity') mappings.set(key, 'own');
    return own;
  };
  exchange.parseOHLCVs = parseOHLCVs;
}

// The rows when each is an array starting with six numbers, as parsed tables
// are, with a whole-millisecond time and no -0: ccxt's own parser would
// truncate the one and turn the other into 0, and it sees one row per page.
function numericRows(ohlcvs: unknown): number[][] | undefined {
  if (!Array.isArray(ohlcvs)) return undefined;
  for (const row of ohlcvs) {
    if (!Array.isArray(row) || row.length < 6 || !Number.isSafeInteger(row[0])) return undefined;
    for (let j = 1; j < 6; j++) {
      if (typeof row[j] !== 'number' || Object.is(row[j], -0)) return undefined;
    }
  }
  return ohlcvs as number[][];
}

function sameAsOwn(exchange: Exchange, row: readonly number[], market: unknown): boolean {
  const own = exchange.parseOHLCV(row, market as Market | undefined);
  if (own.length !== 6) return false;
  for (let j = 0; j < 6; j++) if (!Object.is(own[j], row[j])) return false;
  return true;
}

// 'identity' once every row agrees and, for each of the six columns and each
// other column, some row holds different values in the two: rows where, say,
// high equals close cannot show which of them the exchange reads.
function learn(
  exchange: Exchange,
  rows: readonly number[][],
  market: unknown,
): Mapping | undefined {
  const width = rows[0]?.length ?? 0;
  const untold = new Set<number>();
  for (let j = 0; j < 6; j++)
    for (let k = 0; k < width; k++) if (k !== j) untold.add(j * width + k);
  for (const row of rows) {
    if (!sameAsOwn(exchange, row, market)) return 'own';
    if (row.length !== width) return undefined;
    for (const pair of untold) {
      if (row[Math.floor(pair / width)] !== row[pair % width]) untold.delete(pair);
    }
  }
  return width > 0 && untold.size === 0 ? 'identity' : undefined;
}
