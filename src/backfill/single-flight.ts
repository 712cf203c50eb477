import { CancelledError } from '../core/errors.js';

/** How far one flight is. */
export interface FlightProgress {
  readonly coveredMs: number;
  readonly totalMs: number;
}

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  readonly listeners: Set<(progress: FlightProgress) => void>;
  waiters: number;
  settledAtMs: number | undefined;
}

/**
 * Runs each keyed piece of work once however many callers want it at the
 * same time. A finished flight keeps answering for `ttlMs`, then is
 * forgotten; a failed one is forgotten at once. A caller that aborts stops
 * waiting at once; the work itself is aborted only when no caller waits any more.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** Flights in the map now (running, or settled less than `ttlMs` ago). */
  get size(): number {
    this.sweep();
    return this.flights.size;
  }

  /** Flights still running. */
  get running(): number {
    let n = 0;
    for (const f of this.flights.values()) if (f.settledAtMs === undefined) n++;
    return n;
  }

  /**
   * Joins the flight of `key`, starting it with `start` when there is none.
   * @param start does the work; must honour `signal` and may report progress.
   */
  run(
    key: string,
    start: (signal: AbortSignal, report: (progress: FlightProgress) => void) => Promise<T>,
    options: {
      signal?: AbortSignal | undefined;
      onProgress?: (p: FlightProgress) => void;
      /**
       * When this caller's abort stops the work (it was the last waiter),
       * reject only once the work has wound down, so nothing is still being
       * written after the caller moved on.
       */
      drain?: boolean;
    } = {},
  ): Promise<T> {
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    this.sweep();
    let flight = this.flights.get(key);
    if (flight === undefined) flight = this.start(key, start);
    const f = flight;
    f.waiters++;
    if (onProgress) f.listeners.add(onProgress);
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = () => {
        if (left) return false;
        left = true;
        signal?.removeEventListener('abort', onAbort);
        if (onProgress) f.listeners.delete(onProgress);
        f.waiters--;
        return true;
      };
      const onAbort = () => {
        if (!leave()) return;
        if (f.waiters === 0 && f.settledAtMs === undefined) {
          // Nobody wants it any more: stop the work and let the next caller start afresh.
          if (this.flights.get(key) === f) this.flights.delete(key);
          f.controller.abort();
          if (options.drain) {
            // Progress of the last writes still reaches this caller while the work winds down.
            if (onProgress) f.listeners.add(onProgress);
            const cancelled = () => {
              if (onProgress) f.listeners.delete(onProgress);
              reject(new CancelledError());
            };
            f.promise.then(cancelled, cancelled);
            return;
          }
        }
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      f.promise.then(
        (value) => {
          if (leave()) resolve(value);
        },
        (error: unknown) => {
          if (leave()) reject(error);
        },
      );
    });
  }

  /** Forgets settled flights older than `ttlMs`. */
  sweep(): void {
    const now = this.nowMs();
    for (const [key, f] of this.flights) {
      if (f.settledAtMs !== undefined && now - f.settledAtMs >= this.ttlMs)
        this.flights.delete(key);
    }
  }

  private start(
    key: string,
    start: (signal: AbortSignal, report: (progress: FlightProgress) => void) => Promise<T>,
  ): Flight<T> {
    const controller = new AbortController();
    const listeners = new Set<(progress: FlightProgress) => void>();
    const report = (progress: FlightProgress) => {
      for (const listener of listeners) listener(progress);
    };
    const promise = Promise.resolve().then(() => start(controller.signal, report));
    const flight: Flight<T> = {
      promise,
      controller,
      listeners,
      waiters: 0,
      settledAtMs: undefined,
    };
    const settle = () => {
      flight.settledAtMs = this.nowMs();
      listeners.clear();
    };
    // Waiters get the outcome through their own handlers; this one only marks the
    // time. A failure is not kept: the next caller tries afresh (the disk has
    // room again, the exchange is back) instead of hearing the old error.
    promise.then(settle, () => {
      settle();
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight;
  }
}
