/** @module Trust, but verify: a few candles of an archive file compared with the exchange's REST API. */
import type { Candle, CandleColumns } from '../../core/rows.js';
import type { Series } from '../../core/series.js';
import type { DataFetcher, FetchEvents } from '../data-fetcher.js';
import { ArchiveError } from './archive-error.js';

/** Options of {@link crossCheckCandles}. */
export interface CrossCheckOptions extends FetchEvents {
  /** Consecutive candles compared. */
  readonly bars: number;
  readonly stepMs: number;
  /** Names the file in the error. */
  readonly what: string;
  readonly signal?: AbortSignal | undefined;
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Fetches `bars` consecutive candles over REST, from a place in the file
 * picked by its first time (the same place every run), and compares them
 * with the file's: any difference (a value, a candle only one side has) is
 * `ARCHIVE_CROSS_CHECK_FAILED`, and the caller lets REST fill the file's
 * range. One REST request per file.
 */
export async function crossCheckCandles(
  rest: DataFetcher,
  series: Series,
  columns: CandleColumns,
  options: CrossCheckOptions,
): Promise<void> {
  if (columns.length === 0) return;
  const span = Math.min(options.bars, columns.length);
  const first = Math.floor(columns.tsMs[0]! / options.stepMs);
  const at = (Math.imul(first, 0x9e3779b1) >>> 0) % (columns.length - span + 1);
  const startMs = columns.tsMs[at]!;
  const endMs = startMs + span * options.stepMs;
  const fetched = (await rest.fetch(
    series,
    { startMs, endMs },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    },
  )) as Candle[];
  let i = at;
  for (const candle of fetched) {
    const ts = columns.tsMs[i];
    if (ts !== candle.tsMs) {
      throw disagree(
        options.what,
        candle.tsMs,
        ts === undefined || ts >= endMs ? 'only REST has it' : 'only the archive has another bar',
      );
    }
    for (const field of FIELDS) {
      if (columns[field][i] !== candle[field]) {
        throw disagree(
          options.what,
          candle.tsMs,
          `${field} ${columns[field][i]} in the archive, ${candle[field]} over REST`,
        );
      }
    }
    i++;
  }
  if (i < columns.length && columns.tsMs[i]! < endMs) {
    throw disagree(options.what, columns.tsMs[i]!, 'only the archive has it');
  }
}

function disagree(what: string, tsMs: number, detail: string): ArchiveError {
  return new ArchiveError(
    'ARCHIVE_CROSS_CHECK_FAILED',
    `${what}: disagrees with REST at ${new Date(tsMs).toISOString()}: ${detail}`,
  );
}
