import { describe, expect, it } from 'vitest';
import { type ClusterLimitRun, runClusterLimit, windowStats } from '../bench/cluster-limit.js';
import { REDIS_URL, redisAvailable } from './helpers/redis.js';

const available = await redisAvailable();

const LIMIT_PER_S = 40;
const DURATION_MS = 7_000;
const THROTTLE_AT_MS = 4_000;
const PENALTY_MS = 2_000;
// Requests granted before the penalty reached Redis may still be on the wire.
const IN_FLIGHT_GRACE_MS = 50;

describe.skipIf(!available)('cluster rate limit (3 processes, one Redis limit)', () => {
  let run: ClusterLimitRun;

  it('never exceeds N in any 1 s window at the server and uses the budget', async () => {
    run = await runClusterLimit({
      redisUrl: REDIS_URL,
      processes: 3,
      limitPerS: LIMIT_PER_S,
      durationMs: DURATION_MS,
      throttleAtMs: THROTTLE_AT_MS,
      penaltyBackoffMs: PENALTY_MS,
    });
    expect(run.workers.map((w) => w.error)).toEqual([undefined, undefined, undefined]);
    const times = run.requests.map((r) => r.atMs);
    const whole = windowStats(times, {
      limit: LIMIT_PER_S,
      windowMs: 1_000,
      fromMs: 0,
      toMs: DURATION_MS,
    });
    expect(whole.maxInWindow).toBeLessThanOrEqual(LIMIT_PER_S);
    expect(whole.windowsOverLimit).toBe(0);
    // Steady part: after the first second, before the 429.
    const steady = windowStats(times, {
      limit: LIMIT_PER_S,
      windowMs: 1_000,
      fromMs: 1_000,
      toMs: run.throttledAtMs ?? THROTTLE_AT_MS,
    });
    // The >= 90 % target is measured by `npm run bench` (cluster_limit); here only that the
    // budget is really shared and used, which a busy CI machine cannot fail by being slow.
    expect(steady.utilisation).toBeGreaterThanOrEqual(0.5);
    for (const worker of ['0', '1', '2']) {
      expect(run.requests.filter((r) => r.worker === worker).length).toBeGreaterThan(20);
    }
  }, 30_000);

  it('pauses all three processes for penalty_backoff_ms after a 429', () => {
    const throttledAt = run.throttledAtMs;
    expect(throttledAt).toBeDefined();
    const at = throttledAt!;
    const during = run.requests.filter(
      (r) => r.atMs > at + IN_FLIGHT_GRACE_MS && r.atMs < at + PENALTY_MS,
    );
    expect(during).toEqual([]);
    const after = run.requests.filter((r) => r.atMs >= at + PENALTY_MS);
    // All three come back, soon after the pause ends.
    expect(after[0]!.atMs).toBeLessThan(at + PENALTY_MS + 300);
    expect(new Set(after.map((r) => r.worker))).toEqual(new Set(['0', '1', '2']));
    for (const worker of ['0', '1', '2']) {
      expect(run.requests.some((r) => r.worker === worker && r.atMs < at)).toBe(true);
    }
  });
});
