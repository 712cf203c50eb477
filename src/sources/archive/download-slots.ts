/** @module The archive files a feed holds at once, downloading or waiting to be stored. */
import { CancelledError } from '../../core/errors.js';

/**
 * First come, first served slots, one per archive file in memory: a feed's
 * series share them, so memory stays bounded however many series fill at
 * once. A slot is held from download until the file's rows are handed on.
 */
export class DownloadSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Waits for a slot; the function returned frees it (calling it again does nothing). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          this.#waiting.splice(this.#waiting.indexOf(grant), 1);
          reject(new CancelledError());
        };
        signal.addEventListener('abort', abort, { once: true });
        this.#waiting.push(grant);
      });
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.#waiting.shift();
      if (next === undefined) this.#free++;
      else next();
    };
  }
}
