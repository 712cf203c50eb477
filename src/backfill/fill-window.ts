/** @module The inner loop of a backfill: fetch the missing parts of one window and store them. */
import { CancelledError } from '../core/errors.js';
import type { FillOrigin } from '../core/fill-origin.js';
import { intersectRanges, missingRanges, type Range, totalMs } from '../core/range-math.js';
import type { CandleColumns, Row } from '../core/rows.js';
import type { Series } from '../core/series.js';
import type { DataFetcher, FetchEvents } from '../sources/data-fetcher.js';
import type { Store } from '../storage/index.js';
import { CandleColumnBuffer } from './candle-column-buffer.js';
import { type Chunk, DayBatcher, ObjectRowBuffer } from './day-batcher.js';

// Chunks fetched but not yet stored: a write waits on the event loop for its
// file system calls, so the next pages are fetched meanwhile.
const WRITES_AHEAD = 2;

/** Progress inside one window, after every stored chunk. */
export interface WindowProgress {
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** Milliseconds of the window covered now, of `totalMs`. */
  readonly coveredMs: number;
  readonly totalMs: number;
  /** End of the newest stored chunk. */
  readonly cursorMs: number;
}

/** What filling one window did. */
export interface WindowFill {
  /** The ranges that were missing and were fetched. */
  readonly fetched: Range[];
  readonly rowsWritten: number;
  readonly pagesFetched: number;
  /** Which source filled which stored part, when the fetcher told (archive or REST). */
  readonly origins: FillOrigin[];
}

/** Options of {@link fillWindow}. */
export interface FillWindowOptions extends FetchEvents {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: WindowProgress) => void) | undefined;
  /**
   * Receives the origins of each stored chunk's parts right after the chunk
   * is durable (before the next write), for a record of which source filled what.
   */
  readonly onStored?: ((origins: FillOrigin[]) => Promise<void>) | undefined;
  /** Checked under the series lock before each write commits (see `WriteOptions.fence`). */
  readonly fence?: (() => Promise<void>) | undefined;
}

/**
 * Fetches only the parts of `window` the store lacks and stores them, in
 * whole-day chunks. Safe to kill at any moment: a store writes coverage after
 * the rows, so a re-run fetches exactly what is still missing.
 */
export async function fillWindow(
  store: Store,
  fetcher: DataFetcher,
  series: Series,
  window: Range,
  options: FillWindowOptions = {},
): Promise<WindowFill> {
  const fetched = missingRanges(window, await store.coverage(series));
  const windowMs = window.endMs - window.startMs;
  let coveredMs = windowMs - totalMs(fetched);
  let rowsWritten = 0;
  let pagesFetched = 0;
  // Announced by the fetcher before their pages; a chunk's parts are recorded once it is stored.
  const announced: FillOrigin[] = [];
  const stored: FillOrigin[] = [];
  // Writes run in order, one after the other; the fetch goes on while up to
  // WRITES_AHEAD of them wait. A failed write stops the fetch at the next page:
  // its error is kept here, so it is never an unhandled rejection (which
  // kills the process) while the loop awaits the network.
  let lastWrite: Promise<void> = Promise.resolve();
  let writeFailed: { error: unknown } | undefined;
  const queued: Promise<void>[] = [];

  const write = async (chunk: Chunk<Row[] | CandleColumns>): Promise<void> => {
    // Once one write failed every later one fails the same way (a full disk): do not try.
    if (writeFailed !== undefined) throw writeFailed.error;
    lastWrite = lastWrite.then(async () => {
      const writeOptions = { fence: options.fence };
      const result = Array.isArray(chunk.rows)
        ? await store.write(series, chunk.range, chunk.rows, writeOptions)
        : await store.writeCandles!(series, chunk.range, chunk.rows, writeOptions);
      rowsWritten += result.rowsWritten;
      coveredMs += chunk.range.endMs - chunk.range.startMs;
      const parts = announced.flatMap((o) =>
        intersectRanges([o], [chunk.range]).map((r) => ({ ...o, ...r })),
      );
      if (parts.length > 0) {
        stored.push(...parts);
        await options.onStored?.(parts);
      }
      options.onProgress?.({
        rowsWritten,
        pagesFetched,
        coveredMs,
        totalMs: windowMs,
        cursorMs: chunk.range.endMs,
      });
    });
    lastWrite.catch((error: unknown) => {
      writeFailed ??= { error };
    });
    queued.push(lastWrite);
    if (queued.length > WRITES_AHEAD) await queued.shift();
  };

  try {
    for (const range of fetched) {
      // Candles travel as columns when the store takes them so.
      const batcher = new DayBatcher<Row[] | CandleColumns>(
        series.kind === 'candle' && store.writeCandles !== undefined
          ? new CandleColumnBuffer()
          : new ObjectRowBuffer(),
      );
      try {
        for await (const page of fetcher.pages(series, range, {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onRetry ? { onRetry: options.onRetry } : {}),
          onOrigin: (origin) => announced.push(origin),
        })) {
          pagesFetched++;
          const chunk = batcher.add(page);
          if (chunk !== undefined) await write(chunk);
          if (writeFailed !== undefined) throw writeFailed.error;
          if (options.signal?.aborted) throw new CancelledError();
        }
      } finally {
        // Pages already fetched are complete and worth keeping, even when a later one failed.
        const rest = batcher.flush();
        if (rest !== undefined && writeFailed === undefined) await write(rest);
      }
    }
  } finally {
    await lastWrite;
  }
  return { fetched, rowsWritten, pagesFetched, origins: stored };
}
