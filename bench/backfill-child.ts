/**
 * One backfill in a fresh process, so its time and peak memory are its own.
 * Input: a JSON argument; output: one JSON line on stdout.
 */

import { createFeedFetcher } from '../src/app/feed-fetcher.js';
import { tuneRuntime } from '../src/cli/runtime.js';
import { parseConfig } from '../src/config/load-config.js';
import { makeSeries } from '../src/core/series.js';
import { HistoryProvider } from '../src/seamless/history-provider.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { peakRssMb } from './peak-rss.js';

/** What the parent asks for. */
export interface BackfillJob {
  feed: Record<string, unknown>;
  dataDir: string;
  startMs: number;
  endMs: number;
  /**
   * Run the same backfill once untimed first, into `{dataDir}-warm-up`, so
   * the timed run measures the cost per row of a warmed-up process, as the
   * bare baseline it is compared with does (both sides then pay no JIT warm-up).
   * Peak memory then covers both runs: measure memory without it.
   */
  warmUp?: boolean;
}

/** One backfill of the job into `dataDir`: rows, gaps left and seconds. */
async function backfill(job: BackfillJob, dataDir: string) {
  const config = parseConfig({ data_dir: dataDir, feeds: [job.feed] });
  const feed = config.feeds[0]!;
  const store = await openEmbeddedStore({ dataDir });
  const fetcher = createFeedFetcher(feed);
  const provider = new HistoryProvider({ store, fetcher });
  const began = performance.now();
  const results = await Promise.all(
    feed.subjects.map((subject) =>
      provider.fillMissing(job.startMs, job.endMs, {
        series: makeSeries({
          source: feed.source,
          subject,
          kind: 'candle',
          granularity: feed.granularities[0],
        }),
      }),
    ),
  );
  const seconds = (performance.now() - began) / 1000;
  await fetcher.close?.();
  await store.close();
  return {
    rows: results.reduce((n, r) => n + r.rowsWritten, 0),
    gaps: results.reduce((n, r) => n + r.gapsLeft.length, 0),
    seconds,
  };
}

// The same runtime as `gapless backfill`.
tuneRuntime();
const job = JSON.parse(process.argv[2] ?? '{}') as BackfillJob;
if (job.warmUp === true) await backfill(job, `${job.dataDir}-warm-up`);
const report = await backfill(job, job.dataDir);
process.stdout.write(`${JSON.stringify({ ...report, maxRssMb: peakRssMb() })}\n`);
