/** @module A source's clock, learned as an offset from ours and asked again now and then. */

/**
 * The source's time now, from `ask` (one server-time request) at most once
 * per `maxAgeMs`: in between it is this machine's clock plus the offset the
 * last answer showed (taken at the middle of the round trip). Concurrent
 * callers share one request; a failed one is not remembered.
 * @example
 * const serverTimeMs = serverClock(() => exchange.fetchTime(), Date.now);
 * const exchangeNow = await serverTimeMs();
 */
export function serverClock(
  ask: () => Promise<number>,
  nowMs: () => number,
  maxAgeMs = 60_000,
): () => Promise<number> {
  let offsetMs: number | undefined;
  let learnedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<number> | undefined;
  return async () => {
    if (offsetMs !== undefined && nowMs() - learnedAt < maxAgeMs) return nowMs() + offsetMs;
    pending ??= (async () => {
      try {
        const sentAt = nowMs();
        const serverMs = await ask();
        const receivedAt = nowMs();
        offsetMs = serverMs - (sentAt + receivedAt) / 2;
        learnedAt = receivedAt;
        return offsetMs;
      } finally {
        pending = undefined;
      }
    })();
    return nowMs() + (await pending);
  };
}
