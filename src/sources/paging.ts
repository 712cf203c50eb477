import { CancelledError } from '../core/errors.js';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `run` over `items` with at most `concurrency` in flight and yields the
 * results strictly in item order. Items are pulled lazily, so a five-year
 * range never materialises more than `concurrency` pages. On the first error,
 * or when the consumer stops early, the rest is aborted through the signal
 * given to `run`.
 * @example
 * for await (const page of orderedPool(windows, 8, (w, signal) => fetchWindow(w, signal))) store(page);
 */
export async function* orderedPool<I, O>(
  items: Iterable<I>,
  concurrency: number,
  run: (item: I, signal: AbortSignal) => Promise<O>,
  signal?: AbortSignal,
): AsyncGenerator<O> {
  if (signal?.aborted) throw new CancelledError();
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const iterator = items[Symbol.iterator]();
  const inFlight: Promise<Settled<O>>[] = [];
  const fill = () => {
    while (inFlight.length < concurrency && !controller.signal.aborted) {
      const next = iterator.next();
      if (next.done) return;
      inFlight.push(
        run(next.value, controller.signal).then(
          (value) => ({ ok: true, value }),
          (error: unknown) => ({ ok: false, error }),
        ),
      );
    }
  };
  try {
    fill();
    while (inFlight.length > 0) {
      const result = await inFlight.shift()!;
      if (!result.ok) throw result.error;
      if (signal?.aborted) throw new CancelledError();
      // Refill before yielding so requests proceed while the consumer works.
      fill();
      yield result.value;
    }
  } finally {
    controller.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Consecutive windows of at most `pieceMs` covering `[startMs, endMs)`, produced lazily. */
export function* windows(
  startMs: number,
  endMs: number,
  pieceMs: number,
): Generator<{ startMs: number; endMs: number }> {
  for (let s = startMs; s < endMs; s += pieceMs)
    yield { startMs: s, endMs: Math.min(endMs, s + pieceMs) };
}

/** Rejects with `CancelledError` as soon as `signal` aborts, whatever `promise` does. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
