/** @module Flags `gapless pull` and `gapless backtest` share, and how they become a series selection. */
import { type Command, Option } from 'commander';
import {
  BacktestClient,
  cachedSourcesOf,
  InvalidArgumentError,
  NotFoundError,
  SourceError,
} from '../../backtest/index.js';
import { commaList } from '../options.js';

/** Flags of both commands. */
export interface BacktestFlags {
  url?: string;
  cacheDir: string;
  apiKey?: string;
  source?: string;
  subject: string[];
  granularity: string;
  start: string;
  end: string;
  progress: boolean;
}

/** Adds the shared flags. */
export function withBacktestFlags(command: Command): Command {
  return command
    .option('--url <url>', 'gapless service to pull from, e.g. http://127.0.0.1:8080')
    .option('--cache-dir <dir>', 'where pulled day files are kept', '.cache/backtest')
    .addOption(new Option('--api-key <key>', 'X-API-Key for the service').env('GAPLESS_API_KEY'))
    .requiredOption('--subject <subjects>', 'subjects, comma separated (e.g. BTC/USDT)', commaList)
    .option('--source <name>', 'feed source (default: the one source the service has)')
    .option('--granularity <bar>', 'bar size', '1m')
    .requiredOption('--start <day>', 'first UTC day, included (e.g. 2024-01-01)')
    .requiredOption('--end <day>', 'last UTC day, included')
    .option('--no-progress', 'no progress bar');
}

/** The client of `--url`, or undefined without one. */
export function clientOf(flags: BacktestFlags): BacktestClient | undefined {
  if (flags.url === undefined) return undefined;
  return new BacktestClient(flags.url, {
    cacheDir: flags.cacheDir,
    apiKey: flags.apiKey,
    progress: flags.progress && process.stderr.isTTY === true,
  });
}

/**
 * `--source`, or the one source the service (or, offline, the cache) has the
 * first subject from; more than one is a usage error naming them.
 */
export async function resolveSource(
  flags: BacktestFlags,
  client: BacktestClient | undefined,
): Promise<string> {
  if (flags.source !== undefined) return flags.source;
  const subject = flags.subject[0] ?? '';
  let sources: string[] | undefined;
  if (client !== undefined) {
    try {
      sources = await client.sourcesOf(subject, 'candle', flags.granularity);
    } catch (error) {
      if (!(error instanceof SourceError && error.code === 'UNREACHABLE')) throw error;
    }
  }
  sources ??= await cachedSourcesOf(flags.cacheDir, subject, flags.granularity);
  if (sources.length === 1) return sources[0]!;
  if (sources.length === 0) {
    throw new NotFoundError(
      `no ${flags.granularity} candles of ${subject} ${client === undefined ? `in ${flags.cacheDir}` : `on ${client.url}`}; check --subject, or give --url to pull`,
      'NO_DATA',
    );
  }
  throw new InvalidArgumentError(
    `${subject} comes from several sources (${sources.join(', ')}); pick one with --source`,
  );
}

/** Parses a whole number >= `min` from a flag, or fails naming the flag. */
export function wholeNumber(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new InvalidArgumentError(`${flag} must be a whole number >= ${min}, got '${value}'`);
  }
  return n;
}
