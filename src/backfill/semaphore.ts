import { CancelledError } from '../core/errors.js';
import { QueueFullError } from './queue-full-error.js';

/** What the semaphore reports its waiters to (a Prometheus gauge fits). */
export interface DepthGauge {
  inc(): void;
  dec(): void;
}

interface Waiter {
  readonly grant: () => void;
}

/**
 * At most `limit` holders at once; others wait in FIFO order, and past
 * `maxQueued` waiters `acquire` rejects with `QueueFullError` at once.
 * Waiters are counted in `depth` (`seamless_background_queue_depth`).
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxQueued: number,
    private readonly depth: DepthGauge = { inc() {}, dec() {} },
  ) {}

  /** Holders plus waiters. */
  get pending(): number {
    return this.active + this.queue.length;
  }

  /** Waits for a slot; the returned function frees it (once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueued)
      return Promise.reject(new QueueFullError(this.maxQueued));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) {
          this.queue.splice(at, 1);
          this.depth.dec();
        }
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      this.queue.push(waiter);
      this.depth.inc();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.queue.shift();
      if (next === undefined) this.active--;
      else {
        this.depth.dec();
        next.grant();
      }
    };
  }
}
