import { CancelledError, InvalidArgumentError } from '../core/errors.js';
import type { Frame } from '../core/rows.js';
import type { SourceName } from './data-source.js';
import { SLAExceededError, type SlaBreach } from './errors.js';
import type { SeamlessMetrics } from './metrics.js';
import { checkInt } from './options.js';

/** What a request must meet. Every limit is optional; none means no check. */
export interface SlaPolicy {
  /** Whole request, in ms. */
  readonly deadlineMs?: number | undefined;
  /** Per source stage, in ms. */
  readonly stageBudgetsMs?: Partial<Record<SourceName, number>> | undefined;
  /**
   * The newest bar of a window reaching this close to now may be at most this
   * old (from its close), in ms.
   */
  readonly freshnessMs?: number | undefined;
  /**
   * `raise` throws `SLAExceededError` (and stops a stage at its limit);
   * `record` only reports breaches in the result and metrics.
   * @default 'raise'
   */
  readonly onBreach?: 'raise' | 'record' | undefined;
}

/** What the SLA tracker measured for one request. */
export interface SlaReport {
  readonly elapsedMs: number;
  /** Milliseconds spent per stage that ran. */
  readonly stagesMs: Partial<Record<SourceName, number>>;
  readonly breaches: SlaBreach[];
}

/** Checks an SLA policy once; throws `InvalidArgumentError` naming the field. */
export function checkSlaPolicy(policy: SlaPolicy = {}): SlaPolicy {
  checkInt('sla.deadlineMs', policy.deadlineMs, 0, 1);
  checkInt('sla.freshnessMs', policy.freshnessMs, 0, 1);
  for (const [stage, ms] of Object.entries(policy.stageBudgetsMs ?? {})) {
    checkInt(`sla.stageBudgetsMs.${stage}`, ms, 0, 1);
  }
  if (
    policy.onBreach !== undefined &&
    policy.onBreach !== 'raise' &&
    policy.onBreach !== 'record'
  ) {
    throw new InvalidArgumentError(
      `Expected \`sla.onBreach\` to be 'raise' or 'record', got \`${String(policy.onBreach)}\``,
    );
  }
  return policy;
}

/**
 * Times the stages of one request against an {@link SlaPolicy}; every stage
 * is observed in `seamless_sla_deadline_seconds{stage}`.
 */
export class SlaTracker {
  private readonly startedMs = performance.now();
  private readonly stagesMs: Partial<Record<SourceName, number>> = {};
  private readonly breaches: SlaBreach[] = [];
  private readonly raise: boolean;

  constructor(
    private readonly policy: SlaPolicy,
    private readonly what: string,
    private readonly metrics: Pick<SeamlessMetrics, 'slaDeadlineSeconds' | 'slaBreachesTotal'>,
  ) {
    this.raise = (policy.onBreach ?? 'raise') === 'raise';
  }

  /**
   * Runs one stage. With `raise`, the stage's signal aborts when its budget or
   * the deadline runs out, and the stage then fails with `SLAExceededError`.
   */
  async stage<T>(
    name: SourceName,
    signal: AbortSignal | undefined,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const limitMs = this.limitFor(name);
    let timer: NodeJS.Timeout | undefined;
    let timeout: AbortController | undefined;
    let stageSignal = signal;
    if (this.raise && limitMs !== undefined) {
      timeout = new AbortController();
      const t = timeout;
      timer = setTimeout(() => t.abort(), Math.max(0, limitMs));
      stageSignal = signal === undefined ? t.signal : AbortSignal.any([signal, t.signal]);
    }
    const t0 = performance.now();
    let result: T;
    try {
      result = await fn(stageSignal);
    } catch (error) {
      if (timeout?.signal.aborted && !signal?.aborted && error instanceof CancelledError) {
        this.finishStage(name, t0);
        // Timers may fire a fraction of a millisecond early by performance.now(): the abort itself is the breach.
        if (this.breaches.length === 0 && limitMs !== undefined) {
          const stage = this.policy.stageBudgetsMs?.[name] === limitMs ? name : 'total';
          this.breach({ stage, actualMs: Math.max(limitMs, performance.now() - t0), limitMs });
        }
        throw new SLAExceededError(this.what, this.breaches);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.finishStage(name, t0);
    if (this.raise && this.breaches.length > 0)
      throw new SLAExceededError(this.what, this.breaches);
    return result;
  }

  /** Checks the age of the newest bar when the window reaches into the last `freshnessMs`. */
  checkFreshness(frame: Frame, windowEndMs: number, stepMs: number, nowMs: number): void {
    const limitMs = this.policy.freshnessMs;
    if (limitMs === undefined || windowEndMs < nowMs - limitMs) return;
    const newestClose =
      frame.length === 0 ? Number.NEGATIVE_INFINITY : frame.tsMs[frame.length - 1]! + stepMs;
    const ageMs = nowMs - newestClose;
    if (ageMs > limitMs) this.breach({ stage: 'freshness', actualMs: ageMs, limitMs });
    if (this.raise && this.breaches.length > 0)
      throw new SLAExceededError(this.what, this.breaches);
  }

  /** Ends the request: observes the total and checks the deadline. */
  finish(): SlaReport {
    const elapsedMs = performance.now() - this.startedMs;
    this.metrics.slaDeadlineSeconds.observe({ stage: 'total' }, elapsedMs / 1000);
    const deadline = this.policy.deadlineMs;
    if (
      deadline !== undefined &&
      elapsedMs > deadline &&
      !this.breaches.some((b) => b.stage === 'total')
    ) {
      this.breach({ stage: 'total', actualMs: elapsedMs, limitMs: deadline });
    }
    if (this.raise && this.breaches.length > 0)
      throw new SLAExceededError(this.what, this.breaches);
    return { elapsedMs, stagesMs: { ...this.stagesMs }, breaches: [...this.breaches] };
  }

  private limitFor(name: SourceName): number | undefined {
    const budget = this.policy.stageBudgetsMs?.[name];
    const deadline = this.policy.deadlineMs;
    const left =
      deadline === undefined ? undefined : deadline - (performance.now() - this.startedMs);
    if (budget === undefined) return left;
    return left === undefined ? budget : Math.min(budget, left);
  }

  private finishStage(name: SourceName, t0: number): void {
    const ms = performance.now() - t0;
    this.stagesMs[name] = (this.stagesMs[name] ?? 0) + ms;
    this.metrics.slaDeadlineSeconds.observe({ stage: name }, ms / 1000);
    const budget = this.policy.stageBudgetsMs?.[name];
    if (budget !== undefined && ms > budget)
      this.breach({ stage: name, actualMs: ms, limitMs: budget });
    const deadline = this.policy.deadlineMs;
    const elapsed = performance.now() - this.startedMs;
    if (
      deadline !== undefined &&
      elapsed > deadline &&
      !this.breaches.some((b) => b.stage === 'total')
    ) {
      this.breach({ stage: 'total', actualMs: elapsed, limitMs: deadline });
    }
  }

  private breach(b: SlaBreach): void {
    this.breaches.push(b);
    this.metrics.slaBreachesTotal.inc({ stage: b.stage });
  }
}
