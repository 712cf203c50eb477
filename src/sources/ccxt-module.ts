/**
 * @module ccxt, one exchange at a time. Its package exports only the whole
 * bundle: ~85 MB of code for 100+ exchanges, where one exchange's modules are
 * ~30 MB and load in a tenth of the time. The exchange modules are required
 * by file (Node 20.19+ requires ES modules synchronously), so building a
 * fetcher stays synchronous.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Exchange } from 'ccxt';

const require = createRequire(import.meta.url);
// `require.resolve('ccxt')` names the CommonJS bundle (dist/ccxt.cjs); the ES modules are beside it.
const SRC = path.join(path.dirname(require.resolve('ccxt')), '..', 'js', 'src');
const ID_RE = /^[a-z][a-z0-9]*$/;

/** A ccxt exchange class. */
export type ExchangeClass = new (config: Record<string, unknown>) => Exchange;

type ErrorClass = new (message?: string) => Error;

/** The ccxt error classes gapless tells apart. */
export interface CcxtErrors {
  readonly BadSymbol: ErrorClass;
  readonly NetworkError: ErrorClass;
  readonly BadResponse: ErrorClass;
  readonly NullResponse: ErrorClass;
  readonly RequestTimeout: ErrorClass;
}

/** ccxt's error classes: the very ones its exchange modules throw. */
export function ccxtErrors(): CcxtErrors {
  return require(path.join(SRC, 'base', 'errors.js')) as CcxtErrors;
}

/** ccxt's base `Exchange` class, whose methods exchanges may override. */
export function ccxtBaseExchange(): typeof Exchange {
  return (require(path.join(SRC, 'base', 'Exchange.js')) as { Exchange: typeof Exchange }).Exchange;
}

/** The class of ccxt exchange `id` (`binance`), or undefined when ccxt has none by that id. */
export function exchangeClass(id: string): ExchangeClass | undefined {
  if (!ID_RE.test(id)) return undefined;
  let loaded: { default?: unknown };
  try {
    loaded = require(path.join(SRC, `${id}.js`)) as { default?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  const Class = loaded.default;
  // Only exchanges: a module of another kind in that folder is not one.
  return typeof Class === 'function' && Class.prototype instanceof ccxtBaseExchange()
    ? (Class as ExchangeClass)
    : undefined;
}
