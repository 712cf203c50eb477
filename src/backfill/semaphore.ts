import { CancelledError } from '../core/errors.js';
import { backgroundQueueDepth } from './metrics.js';
import { QueueFullError } from '../seamless/errors.js';

interface Waiter {
  readonly grant: () => void;
}

/**
 * At most `limit` holders at once; others wait in FIFO order, and past
 * `maxQueued` waiters `acquire` rejects with `QueueFullError` at once.
 * Waiters are counted in `seamless_background_queue_depth`.
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxQueued: number,
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
          backgroundQueueDepth.dec();
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
      backgroundQueueDepth.inc();
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
        backgroundQueueDepth.dec();
        next.grant();
      }
    };
  }
}
