/** @module Trust, but verify: a few candles of an archive file compared with the exchange's REST API. */
import type { Range } from '../../core/range-math.js';
import type { Candle, CandleColumns } from '../../core/rows.js';
import { ArchiveError } from './archive-error.js';

const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The `bars` consecutive bars of `period` to compare with REST: a place
 * picked from the period itself, the same every run, so the REST request can
 * go out while the file downloads.
 */
export function sampleRange(period: Range, stepMs: number, bars: number): Range {
  const total = Math.floor((period.endMs - period.startMs) / stepMs);
  const span = Math.min(bars, total);
  const at =
    (Math.imul(Math.floor(period.startMs / stepMs), 0x9e3779b1) >>> 0) % (total - span + 1);
  const startMs = period.startMs + at * stepMs;
  return { startMs, endMs: startMs + span * stepMs };
}

/**
 * Compares the file's candles inside `sample` with the ones REST gave for
 * it: any difference (a value, a candle only one side has) is
 * `ARCHIVE_CROSS_CHECK_FAILED`, and the caller lets REST fill the file's range.
 */
export function compareSample(
  columns: CandleColumns,
  fromRest: readonly Candle[],
  sample: Range,
  what: string,
): void {
  let i = 0;
  while (i < columns.length && columns.tsMs[i]! < sample.startMs) i++;
  for (const candle of fromRest) {
    const ts = columns.tsMs[i];
    if (ts !== candle.tsMs) {
      throw disagree(what, candle.tsMs, 'a bar REST has and the archive has not');
    }
    for (const field of FIELDS) {
      if (columns[field][i] !== candle[field]) {
        throw disagree(
          what,
          candle.tsMs,
          `${field} ${columns[field][i]} in the archive, ${candle[field]} over REST`,
        );
      }
    }
    i++;
  }
  if (i < columns.length && columns.tsMs[i]! < sample.endMs) {
    throw disagree(what, columns.tsMs[i]!, 'a bar the archive has and REST has not');
  }
}

function disagree(what: string, tsMs: number, detail: string): ArchiveError {
  return new ArchiveError(
    'ARCHIVE_CROSS_CHECK_FAILED',
    `${what}: disagrees with REST at ${new Date(tsMs).toISOString()}: ${detail}`,
  );
}
