import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const NON_COUNTER_TOTALS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** Jobs currently running, read at scrape time. */
  readonly jobsInProgress: () => Promise<number>;
  /**
   * Also export the process metrics of prom-client (CPU, memory, event loop).
   * @default true
   */
  readonly processMetrics?: boolean;
}

/** The Prometheus registry of one HTTP app and the hooks that feed it. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts one answered request and its latency. `route` is the pattern, never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/**
 * A registry per app (not prom-client's global one), so several apps in one
 * process, as in tests, never clash over metric names. `/metrics` serves it
 * merged with the library's registry (`metricsRegistry`).
 * @example
 * const metrics = createServerMetrics({ jobsInProgress: async () => 0 });
 * const text = await metrics.registry.metrics();
 */
export function createServerMetrics(options: ServerMetricsOptions): ServerMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges `_total`, which the exposition format keeps for
    // counters (promtool rejects them); `nodejs_active_*` by type carry the same counts.
    for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name);
  }
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to the response headers, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    // Cluster-wide, from the job store; `backfill_jobs_in_progress` is this process's own count.
    name: 'backfill_jobs_running',
    help: 'Backfill jobs in status running in the job store (all workers)',
    registers: [registry],
    async collect() {
      this.set(await options.jobsInProgress());
    },
  });
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
  };
}
