import type { Candle, Trade } from '../core/rows.js';
import { CsvWriter } from './csv-writer.js';

/** Binance's spot symbol for a subject: `BTC/USDT` -> `BTCUSDT`. */
export function binanceSymbol(subject: string): string {
  return subject.replace('/', '');
}

/** The kline intervals Binance spot accepts, with their bar length. */
export const BINANCE_INTERVALS: ReadonlyMap<string, string> = new Map(
  ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '1w'].map(
    (g) => [g, g],
  ),
);

/** `GET /api/v3/exchangeInfo` for the given subjects, with the fields ccxt's parser reads. */
export function exchangeInfoJson(subjects: readonly string[], serverTimeMs: number): string {
  const symbols = subjects.map((subject) => {
    const [base = subject, quote = ''] = subject.split('/');
    return {
      symbol: binanceSymbol(subject),
      status: 'TRADING',
      baseAsset: base,
      baseAssetPrecision: 8,
      quoteAsset: quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000.00', tickSize: '0.01' },
        { filterType: 'LOT_SIZE', minQty: '0.0001', maxQty: '9000.0000', stepSize: '0.0001' },
        { filterType: 'NOTIONAL', minNotional: '5.00', applyMinToMarket: true },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    };
  });
  return JSON.stringify({
    timezone: 'UTC',
    serverTime: serverTimeMs,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
    ],
    exchangeFilters: [],
    symbols,
  });
}

/** The fields of one kline after the prices: close time, quote volume, trades, taker volumes. */
function klineExtras(c: Candle, stepMs: number, timeScale: number) {
  const quoteVolume = Math.round(c.volume * c.close * 1e4) / 1e4;
  return {
    open: c.tsMs * timeScale,
    close: (c.tsMs + stepMs) * timeScale - 1,
    quoteVolume,
    trades: 1 + ((c.tsMs / 1000) % 97),
    takerBase: Math.round(c.volume * 5e3) / 1e4,
    takerQuote: Math.round(quoteVolume * 5e3) / 1e4,
  };
}

/**
 * One kline as Binance sends it: an array with string prices and the close
 * time; `timeScale` 1000 stamps it in microseconds (Binance's archives since 2025).
 */
export function klineJson(c: Candle, stepMs: number, timeScale = 1): string {
  const x = klineExtras(c, stepMs, timeScale);
  return `[${x.open},"${c.open}","${c.high}","${c.low}","${c.close}","${c.volume}",${x.close},"${x.quoteVolume}",${x.trades},"${x.takerBase}","${x.takerQuote}","0"]`;
}

/** One kline as a line of Binance's archive CSV (same fields as {@link klineJson}, no quotes). */
export function klineCsv(c: Candle, stepMs: number, timeScale = 1): string {
  const csv = new CsvWriter(256);
  writeKlineCsv(csv, c, stepMs, timeScale);
  return csv.bytes().toString();
}

/** {@link klineCsv} into `csv`, with no string made on the way. */
export function writeKlineCsv(csv: CsvWriter, c: Candle, stepMs: number, timeScale = 1): void {
  const x = klineExtras(c, stepMs, timeScale);
  csv.int(x.open).comma().number(c.open, 2).comma().number(c.high, 2).comma();
  csv.number(c.low, 2).comma().number(c.close, 2).comma().number(c.volume, 4).comma();
  csv.int(x.close).comma().number(x.quoteVolume, 4).comma().int(x.trades).comma();
  csv.number(x.takerBase, 4).comma().number(x.takerQuote, 4).text(',0').newline();
}

/** The header line of futures kline archives (spot files have none). */
export const KLINE_CSV_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n';

/**
 * One aggregate trade as a line of Binance's archive CSV into `csv`; spot
 * files spell booleans `True`/`False` and add `is_best_match`, futures files
 * do not.
 */
export function writeAggTradeCsv(csv: CsvWriter, t: Trade, futures: boolean, timeScale = 1): void {
  const id = Number(t.tradeId);
  const maker = t.side === 'sell';
  csv.int(id).comma().number(t.price, 2).comma().number(t.amount, 4).comma();
  csv
    .int(id)
    .comma()
    .int(id)
    .comma()
    .int(t.tsMs * timeScale)
    .comma();
  if (futures) csv.text(maker ? 'true' : 'false');
  else csv.text(maker ? 'True,True' : 'False,True');
  csv.newline();
}

/** The header line of futures aggTrades archives. */
export const AGG_TRADE_CSV_HEADER =
  'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n';

/** One aggregate trade as `GET /api/v3/aggTrades` sends it. */
export function aggTradeJson(t: Trade): string {
  const id = Number(t.tradeId);
  // `m` is "the buyer was the maker", so a taker sell.
  return `{"a":${id},"p":"${t.price}","q":"${t.amount}","f":${id},"l":${id},"T":${t.tsMs},"m":${t.side === 'sell'},"M":true}`;
}

/** One trade as `GET /api/v3/trades` sends it. */
export function tradeJson(t: Trade): string {
  const quote = Math.round(t.price * t.amount * 1e4) / 1e4;
  return `{"id":${Number(t.tradeId)},"price":"${t.price}","qty":"${t.amount}","quoteQty":"${quote}","time":${t.tsMs},"isBuyerMaker":${t.side === 'sell'},"isBestMatch":true}`;
}

/** Joins row JSON into an array body. */
export function arrayJson(items: readonly string[]): string {
  return `[${items.join(',')}]`;
}
