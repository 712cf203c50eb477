/** @module The backfill metrics, made once per runtime on its own Prometheus registry. */
import { Counter, Gauge, Registry } from 'prom-client';

/** Labels of the per-series backfill metrics. */
export type SeriesLabels = 'node_id' | 'interval';

/**
 * The `backfill_*` metrics every entry point sets (CLI, jobs, scheduler, SDK).
 * Made per registry, never module-global, so two runtimes in one process
 * (tests, a server beside a CLI run) keep their own counts.
 */
export interface BackfillMetrics {
  readonly registry: Registry;
  /** Backfill windows running now in this process. */
  readonly jobsInProgress: Gauge;
  /** End of the newest stored chunk, epoch seconds. */
  readonly lastTimestamp: Gauge<SeriesLabels>;
  readonly retryTotal: Counter<SeriesLabels>;
  readonly failureTotal: Counter<SeriesLabels>;
  /** Covered share of the windows running now. */
  readonly completionRatio: Gauge;
  /** Rows found bad, by conformance rule. */
  readonly conformanceViolationsTotal: Counter<'rule'>;
  /** Windows waiting for a slot plus pending background fills. */
  readonly queueDepth: Gauge;
}

// One set per registry: a second engine on the same runtime shares the first one's metrics.
const made = new WeakMap<Registry, BackfillMetrics>();

/**
 * Registers the backfill metrics on `registry` (a new one by default).
 * @example
 * const metrics = createBackfillMetrics();
 * const text = await metrics.registry.metrics();
 */
export function createBackfillMetrics(registry: Registry = new Registry()): BackfillMetrics {
  const known = made.get(registry);
  if (known !== undefined) return known;
  const registers = [registry];
  const series = ['node_id', 'interval'] as const;
  const metrics: BackfillMetrics = {
    registry,
    jobsInProgress: new Gauge({
      name: 'backfill_jobs_in_progress',
      help: 'Backfills running now',
      registers,
    }),
    lastTimestamp: new Gauge({
      name: 'backfill_last_timestamp',
      help: 'End of the newest backfilled chunk, epoch seconds',
      labelNames: series,
      registers,
    }),
    retryTotal: new Counter({
      name: 'backfill_retry_total',
      help: 'Upstream requests retried during backfills',
      labelNames: series,
      registers,
    }),
    failureTotal: new Counter({
      name: 'backfill_failure_total',
      help: 'Backfills that failed after their retries',
      labelNames: series,
      registers,
    }),
    completionRatio: new Gauge({
      name: 'backfill_completion_ratio',
      help: 'Covered share of the windows of the running backfills',
      registers,
    }),
    conformanceViolationsTotal: new Counter({
      name: 'conformance_violations_total',
      help: 'Conformance violations found, by rule',
      labelNames: ['rule'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'seamless_background_queue_depth',
      help: 'Backfill windows waiting for a slot plus pending background fills',
      registers,
    }),
  };
  made.set(registry, metrics);
  return metrics;
}
