import { feedSchema } from '../src/config/schema.js';
import { parseSeries } from '../src/core/series.js';
import { createFeedFetcher } from '../src/sources/feed-fetcher.js';

/** What the parent sends a worker of {@link runClusterLimit}. */
export type WorkerCommand = { type: 'go'; durationMs: number };

/** What a worker reports back. */
export type WorkerReport =
  | { type: 'ready' }
  | { type: 'done'; pages: number; error?: string };

/** argv[2]: the feed (YAML-shaped) and the series to page through. */
interface WorkerJob {
  feed: unknown;
  series: string;
  startMs: number;
  endMs: number;
}

// One process of the cluster rate-limit benchmark: it pages through a long
// range as fast as the shared limiter lets it, until told time is up.
const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
const send = (report: WorkerReport) => process.send?.(report);
const feed = feedSchema.parse(job.feed);
const fetcher = createFeedFetcher(feed);
const series = parseSeries(job.series);

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'go') void run(command.durationMs);
});
send({ type: 'ready' });

async function run(durationMs: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), durationMs);
  let pages = 0;
  let error: string | undefined;
  try {
    for await (const _page of fetcher.pages(
      series,
      { startMs: job.startMs, endMs: job.endMs },
      { signal: controller.signal },
    )) {
      pages++;
    }
  } catch (caught) {
    if (!controller.signal.aborted) error = (caught as Error).message;
  } finally {
    clearTimeout(timer);
    await fetcher.close();
  }
  send({ type: 'done', pages, ...(error === undefined ? {} : { error }) });
  process.disconnect?.();
}
