import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InvalidArgumentError } from '../core/errors.js';

/**
 * The one Prometheus registry of the library. Every gapless metric lives
 * here, so the HTTP server and {@link startMetricsServer} serve the same set.
 * @example
 * res.setHeader('content-type', metricsRegistry.contentType);
 * res.end(await metricsRegistry.metrics());
 */
export const metricsRegistry = new Registry();

const registers = [metricsRegistry];

/** Backfills running now (seamless flights and jobs). */
export const backfillJobsInProgress = new Gauge({
  name: 'backfill_jobs_in_progress',
  help: 'Backfills running now',
  registers,
});

/** End (epoch seconds) of the newest stored chunk per series and bar size. */
export const backfillLastTimestamp = new Gauge({
  name: 'backfill_last_timestamp',
  help: 'End of the newest backfilled chunk, epoch seconds',
  labelNames: ['node_id', 'interval'] as const,
  registers,
});

/** Upstream requests retried during backfills. */
export const backfillRetryTotal = new Counter({
  name: 'backfill_retry_total',
  help: 'Upstream requests retried during backfills',
  labelNames: ['node_id', 'interval'] as const,
  registers,
});

/** Backfills that failed for good. */
export const backfillFailureTotal = new Counter({
  name: 'backfill_failure_total',
  help: 'Backfills that failed after their retries',
  labelNames: ['node_id', 'interval'] as const,
  registers,
});

/** Covered share of the windows of all running backfills, 1 when none runs. */
export const backfillCompletionRatio = new Gauge({
  name: 'backfill_completion_ratio',
  help: 'Covered share of the windows of the running backfills',
  registers,
});

/** Time spent per stage of a seamless request (`cache`, `storage`, `backfill`, `live`, `total`). */
export const seamlessSlaDeadlineSeconds = new Histogram({
  name: 'seamless_sla_deadline_seconds',
  help: 'Seconds spent per stage of a seamless request',
  labelNames: ['stage'] as const,
  buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers,
});

/** SLA breaches by stage (`freshness` and `total` included). */
export const seamlessSlaBreachesTotal = new Counter({
  name: 'seamless_sla_breaches_total',
  help: 'SLA breaches by stage',
  labelNames: ['stage'] as const,
  registers,
});

/** Requests whose window the L1 cache served completely. */
export const cacheHitsTotal = new Counter({
  name: 'seamless_cache_hits_total',
  help: 'Requests served completely by the L1 cache',
  registers,
});

/** Requests the L1 cache could not serve completely. */
export const cacheMissesTotal = new Counter({
  name: 'seamless_cache_misses_total',
  help: 'Requests the L1 cache could not serve completely',
  registers,
});

/** Hits over hits plus misses since start. */
export const cacheHitRatio = new Gauge({
  name: 'seamless_cache_hit_ratio',
  help: 'L1 cache hits over all lookups since start',
  registers,
});

/** Latency of each source's fetch (`cache`, `storage`, `backfill`, `live`). */
export const sourceLatencySeconds = new Histogram({
  name: 'seamless_source_latency_seconds',
  help: 'Seconds per source fetch',
  labelNames: ['source'] as const,
  buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  registers,
});

/** Source failures that were isolated (the next source was tried). */
export const sourceErrorsTotal = new Counter({
  name: 'seamless_source_errors_total',
  help: 'Source failures isolated by the seamless provider',
  labelNames: ['source'] as const,
  registers,
});

/** Backfill windows waiting for a slot plus background fills not yet done. */
export const backgroundQueueDepth = new Gauge({
  name: 'seamless_background_queue_depth',
  help: 'Backfill windows waiting for a slot plus pending background fills',
  registers,
});

/** Conformance violations found, by rule. */
export const conformanceViolationsTotal = new Counter({
  name: 'conformance_violations_total',
  help: 'Conformance violations found, by rule',
  labelNames: ['rule'] as const,
  registers,
});

/** Errors of background work reported through `onError`. */
export const backgroundErrorsTotal = new Counter({
  name: 'seamless_background_errors_total',
  help: 'Errors of background work',
  registers,
});

let hits = 0;
let lookups = 0;

/** Counts one cache lookup and updates the hit ratio gauge. */
export function recordCacheLookup(hit: boolean): void {
  lookups++;
  if (hit) {
    hits++;
    cacheHitsTotal.inc();
  } else cacheMissesTotal.inc();
  cacheHitRatio.set(hits / lookups);
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /**
   * Interface to bind.
   * @default '127.0.0.1'
   */
  readonly host?: string;
}

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** Full URL of the endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves {@link metricsRegistry} at `GET /metrics` in the Prometheus text format.
 * @example
 * const metrics = await startMetricsServer({ port: 9464 });
 * // scrape metrics.url; later: await metrics.close();
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const port = options?.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(
      `Expected \`port\` to be an integer from 0 to 65535, got \`${String(port)}\``,
    );
  }
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    metricsRegistry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      (error: unknown) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
