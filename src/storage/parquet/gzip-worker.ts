import { Worker } from 'node:worker_threads';
import { StorageError } from '../../core/errors.js';

// The worker's whole program: gzip each page it is sent. Fresh copies go back,
// so no transferred buffer is ever one of zlib's pooled ones. Dynamic imports
// work whether the parent's flags make eval'd code CommonJS or a module.
const PROGRAM = `
Promise.all([import('node:worker_threads'), import('node:zlib')]).then(([{ parentPort }, { gzipSync }]) => {
  parentPort.on('message', ({ id, pages, level }) => {
    try {
      const out = pages.map((page) => new Uint8Array(gzipSync(page, { level })));
      parentPort.postMessage({ id, out }, out.map((o) => o.buffer));
    } catch (error) {
      parentPort.postMessage({ id, error: String((error && error.message) || error) });
    }
  });
});
`;

interface Reply {
  readonly id: number;
  readonly out?: Uint8Array[];
  readonly error?: string;
}

interface Pending {
  resolve(out: Uint8Array[]): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function failAll(error: Error): void {
  for (const p of pending.values()) p.reject(error);
  pending.clear();
}

function start(): Worker {
  const w = new Worker(PROGRAM, {
    eval: true,
    execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
  });
  w.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if (reply.out !== undefined) p.resolve(reply.out);
    else p.reject(new StorageError(`cannot compress a page: ${reply.error}`));
  });
  w.on('error', (cause) => {
    if (worker === w) worker = undefined;
    failAll(new StorageError('the compression thread failed', { cause }));
  });
  w.on('exit', (code) => {
    if (worker === w) worker = undefined;
    failAll(new StorageError(`the compression thread exited with code ${code}`));
  });
  return w;
}

/**
 * GZIP-compresses pages on a thread of their own, so that deflating a
 * backfill's day files (a fifth of its CPU time) runs beside the event loop
 * rather than on it. The pages' buffers are moved to that thread: each page
 * needs a buffer of its own, and the caller must not use them afterwards. One thread serves the process; it is
 * started on first use and keeps the process alive only while it has work.
 * @example
 * const [compressed] = await gzipPages([page]);
 */
export function gzipPages(pages: readonly Uint8Array[], level = 1): Promise<Uint8Array[]> {
  worker ??= start();
  const w = worker;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    if (pending.size === 1) w.ref();
    try {
      w.postMessage(
        { id, pages, level },
        pages.map((page) => page.buffer as ArrayBuffer),
      );
    } catch (cause) {
      // E.g. two pages sharing one buffer, which cannot be moved twice.
      pending.delete(id);
      if (pending.size === 0) w.unref();
      reject(new StorageError('cannot hand pages to the compression thread', { cause }));
    }
  });
}
