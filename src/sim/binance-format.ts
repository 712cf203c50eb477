import type { Candle, Trade } from '../core/rows.js';

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

/**
 * One kline as Binance sends it: an array with string prices and the close
 * time; `timeScale` 1000 stamps it in microseconds (Binance's archives since 2025).
 */
export function klineJson(c: Candle, stepMs: number, timeScale = 1): string {
  const quoteVolume = Math.round(c.volume * c.close * 1e4) / 1e4;
  const trades = 1 + ((c.tsMs / 1000) % 97);
  const takerBase = Math.round(c.volume * 5e3) / 1e4;
  const takerQuote = Math.round(quoteVolume * 5e3) / 1e4;
  const open = c.tsMs * timeScale;
  const close = (c.tsMs + stepMs) * timeScale - 1;
  return `[${open},"${c.open}","${c.high}","${c.low}","${c.close}","${c.volume}",${close},"${quoteVolume}",${trades},"${takerBase}","${takerQuote}","0"]`;
}

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
