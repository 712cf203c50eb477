/** @module The seamless provider's metrics, on the runtime's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** SLA, cache and source metrics of one seamless provider. */
export interface SeamlessMetrics {
  readonly slaDeadlineSeconds: Histogram<'stage'>;
  readonly slaBreachesTotal: Counter<'stage'>;
  readonly sourceLatencySeconds: Histogram<'source'>;
  readonly sourceErrorsTotal: Counter<'source'>;
  readonly backgroundErrorsTotal: Counter;
  /** Counts one cache lookup and updates the hit ratio. */
  recordCacheLookup(hit: boolean): void;
}

// One set per registry: providers sharing a runtime's registry share its metrics.
const made = new WeakMap<Registry, SeamlessMetrics>();

/** Registers the seamless metrics on `registry` (once; later calls return the same set). */
export function createSeamlessMetrics(registry: Registry): SeamlessMetrics {
  const known = made.get(registry);
  if (known !== undefined) return known;
  const registers = [registry];
  const hitsTotal = new Counter({
    name: 'seamless_cache_hits_total',
    help: 'Requests served completely by the L1 cache',
    registers,
  });
  const missesTotal = new Counter({
    name: 'seamless_cache_misses_total',
    help: 'Requests the L1 cache could not serve completely',
    registers,
  });
  const hitRatio = new Gauge({
    name: 'seamless_cache_hit_ratio',
    help: 'L1 cache hits over all lookups since start',
    registers,
  });
  let hits = 0;
  let lookups = 0;
  const metrics: SeamlessMetrics = {
    slaDeadlineSeconds: new Histogram({
      name: 'seamless_sla_deadline_seconds',
      help: 'Seconds spent per stage of a seamless request',
      labelNames: ['stage'] as const,
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    slaBreachesTotal: new Counter({
      name: 'seamless_sla_breaches_total',
      help: 'SLA breaches by stage',
      labelNames: ['stage'] as const,
      registers,
    }),
    sourceLatencySeconds: new Histogram({
      name: 'seamless_source_latency_seconds',
      help: 'Seconds per source fetch',
      labelNames: ['source'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    sourceErrorsTotal: new Counter({
      name: 'seamless_source_errors_total',
      help: 'Source failures isolated by the seamless provider',
      labelNames: ['source'] as const,
      registers,
    }),
    backgroundErrorsTotal: new Counter({
      name: 'seamless_background_errors_total',
      help: 'Errors of background work',
      registers,
    }),
    recordCacheLookup(hit) {
      lookups++;
      if (hit) {
        hits++;
        hitsTotal.inc();
      } else missesTotal.inc();
      hitRatio.set(hits / lookups);
    },
  };
  made.set(registry, metrics);
  return metrics;
}
