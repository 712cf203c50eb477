import { findFeed } from '../config/feeds.js';
import type { FeedConfig, GaplessConfig } from '../config/schema.js';
import { clip } from '../core/clip.js';
import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { SymbolRepository } from '../jobs/job.js';

/** A symbol resolved to a subject and the feed that serves it. */
export interface ResolvedSymbol {
  readonly subject: string;
  readonly feed: FeedConfig;
}

/** `BTC/USDT`, `btc-usdt`, `BTC_USDT` and `BTCUSDT` all normalise to `BTCUSDT`. */
export function normalizeSymbol(text: string): string {
  return text.toUpperCase().replace(/[/\-_:. ]/g, '');
}

/**
 * Finds the subject a client means and the feed to read it from.
 *
 * The symbol is matched exactly first (`BTC/USDT`, URL-encoded in a path as
 * `BTC%2FUSDT`), then by its normalised spelling (`BTC-USDT`, `BTCUSDT`),
 * among the configured subjects and then the active tracked symbols. Without
 * `source`, the first configured feed that carries the subject is used.
 * Throws `NotFoundError` (`UNKNOWN_SYMBOL`, `UNKNOWN_FEED`) or
 * `InvalidArgumentError` (`AMBIGUOUS_SYMBOL`).
 */
export async function resolveSymbol(
  config: GaplessConfig,
  symbols: SymbolRepository,
  text: string,
  source?: string,
): Promise<ResolvedSymbol> {
  const feeds = source === undefined ? config.feeds : [findFeed(config, source)];
  const configured = feeds.flatMap((feed) => feed.subjects.map((subject) => ({ subject, feed })));
  let found = pick(configured, text);
  if (found === undefined) {
    const tracked = await symbols.list({ activeOnly: true });
    const candidates = feeds.flatMap((feed) =>
      tracked
        .filter((t) => t.assetClass === feed.asset_class)
        .map((t) => ({ subject: t.symbol, feed })),
    );
    found = pick(candidates, text);
  }
  if (found === undefined) {
    const where = source === undefined ? 'any configured feed' : `feed '${source}'`;
    throw new NotFoundError(
      `unknown symbol '${clip(text)}' on ${where} (write BTC/USDT as BTC%2FUSDT or BTC-USDT)`,
      'UNKNOWN_SYMBOL',
    );
  }
  return found;
}

function pick(candidates: ResolvedSymbol[], text: string): ResolvedSymbol | undefined {
  const exact = candidates.find((c) => c.subject === text);
  if (exact !== undefined) return exact;
  const key = normalizeSymbol(text);
  if (key === '') return undefined;
  const matches = candidates.filter((c) => normalizeSymbol(c.subject) === key);
  const subjects = [...new Set(matches.map((m) => m.subject))];
  if (subjects.length > 1) {
    throw new InvalidArgumentError(
      `symbol '${clip(text)}' is ambiguous (${subjects.join(', ')}); spell it exactly, URL-encoded`,
      'AMBIGUOUS_SYMBOL',
    );
  }
  return matches[0];
}
