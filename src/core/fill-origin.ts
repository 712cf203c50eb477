/** @module Where a filled range came from: a bulk archive or the exchange's REST API. */
import type { Range } from './range-math.js';
import { formatTime } from './time.js';

/** The sources a range may be filled from. */
export const FILL_VIAS = ['archive', 'rest'] as const;

/** One of {@link FILL_VIAS}. */
export type FillVia = (typeof FILL_VIAS)[number];

/** A range and the source that filled it, with why when it was not the first choice. */
export interface FillOrigin extends Range {
  readonly via: FillVia;
  /**
   * Why this range did not come from the archive file that should have had it
   * (a fault, reported): REST stood in, or (`via: 'archive'`) the daily files
   * of a month whose monthly file is missing.
   */
  readonly note?: string | undefined;
}

/**
 * The origins with a note (the ranges an archive file should have filled but
 * did not), in time order, neighbours with the same note and source joined
 * (one file is stored in several chunks, a month's days one after another).
 */
export function notedOrigins(origins: readonly FillOrigin[]): FillOrigin[] {
  const out: FillOrigin[] = [];
  for (const o of [...origins].sort((a, b) => a.startMs - b.startMs)) {
    if (o.note === undefined) continue;
    const last = out[out.length - 1];
    if (last?.note === o.note && last.via === o.via && last.endMs === o.startMs) {
      out[out.length - 1] = { ...last, endMs: o.endMs };
    } else {
      out.push(o);
    }
  }
  return out;
}

/**
 * One line on a range filled in an archive file's stead, as the CLI prints it
 * and a job records it, e.g. `BTCUSDT-1m-2024-01.zip: SHA-256 … (ARCHIVE_CHECKSUM_MISMATCH);
 * 2024-01-01T00:00:00.000Z .. 2024-02-01T00:00:00.000Z fetched over REST`.
 */
export function describeFallback(origin: FillOrigin): string {
  const how = origin.via === 'rest' ? 'fetched over REST' : 'taken from daily archive files';
  return `${origin.note}; ${formatTime(origin.startMs)} .. ${formatTime(origin.endMs)} ${how}`;
}
