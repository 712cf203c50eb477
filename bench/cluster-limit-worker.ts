import { createFeedFetcher } from '../src/app/feed-fetcher.js';
import { feedSchema } from '../src/config/schema.js';
import { parseSeries } from '../src/core/series.js';

/** What the parent sends a worker of {@link runClusterLimit}. */
export type WorkerCommand = { type: 'go'; durationMs: number };

/** What a worker reports back. */
export type WorkerReport = { type: 'ready' } | { type: 'done'; pages: number; error?: string };

/** argv[2]: the feed (YAML-shaped), the series and how many requests to keep going at once. */
interface WorkerJob {
  feed: unknown;
  series: string;
  startMs: number;
  parallel: number;
}

const DAY_MS = 86_400_000;

// One process of the cluster rate-limit benchmark: it asks for one day of
// hourly bars per request (small answers keep the timing at the server
// sharp), from `parallel` loops, as fast as the shared limiter lets it.
const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
const send = (report: WorkerReport) => process.send?.(report);
const feed = feedSchema.parse(job.feed);
const fetcher = createFeedFetcher(feed);
const series = parseSeries(job.series);

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'go') void run(command.durationMs);
});
// Warm up (markets, connection, JIT) first: a cold first request can leave
// much later after its grant than the ones behind it, bunching them at the server.
await fetcher.fetch(series, { startMs: job.startMs, endMs: job.startMs + DAY_MS });
send({ type: 'ready' });

async function run(durationMs: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), durationMs);
  let pages = 0;
  let error: string | undefined;
  let day = 0;
  const loop = async () => {
    while (!controller.signal.aborted) {
      const startMs = job.startMs + (day++ % 1000) * DAY_MS;
      await fetcher.fetch(
        series,
        { startMs, endMs: startMs + DAY_MS },
        { signal: controller.signal },
      );
      pages++;
    }
  };
  try {
    await Promise.all(Array.from({ length: job.parallel }, loop));
  } catch (caught) {
    if (!controller.signal.aborted) error = (caught as Error).message;
    controller.abort();
  } finally {
    clearTimeout(timer);
    await fetcher.close?.();
  }
  send({ type: 'done', pages, ...(error === undefined ? {} : { error }) });
  process.disconnect?.();
}
