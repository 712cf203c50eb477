import { InvalidArgumentError } from '../core/errors.js';
import { makeSeries } from '../core/series.js';

const ASSET_CLASS_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/**
 * Checks a tracked symbol and its asset class before they are stored.
 * Symbols follow the subject rules of a series (they become path segments).
 * Throws `InvalidArgumentError` (`BAD_SYMBOL`, `BAD_ASSET_CLASS`).
 */
export function checkTrackedSymbol(symbol: unknown, assetClass: unknown): void {
  if (typeof symbol !== 'string' || symbol.trim() !== symbol || symbol === '') {
    throw new InvalidArgumentError(`bad symbol '${String(symbol)}'`, 'BAD_SYMBOL');
  }
  try {
    makeSeries({ source: 'check', subject: symbol, kind: 'trade' });
  } catch (error) {
    throw new InvalidArgumentError(`bad symbol '${symbol}'`, 'BAD_SYMBOL', { cause: error });
  }
  if (typeof assetClass !== 'string' || !ASSET_CLASS_RE.test(assetClass)) {
    throw new InvalidArgumentError(
      `bad asset class '${String(assetClass)}' (letters, digits, _ and -, up to 32)`,
      'BAD_ASSET_CLASS',
    );
  }
}
