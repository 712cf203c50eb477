import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimMarket } from '../src/sim/market.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { createCcxtFetcher } from '../src/sources/ccxt-fetcher.js';
import type { DataFetcher } from '../src/sources/data-fetcher.js';
import { type EmbeddedStore, openEmbeddedStore } from '../src/storage/embedded-store.js';

/** One minute and one day in ms. */
export const MIN = 60_000;
export const DAY = 86_400_000;

/** A sim exchange over HTTP and a ccxt binance fetcher pointed at it. */
export interface SimUpstream {
  readonly sim: SimServer;
  readonly market: SimMarket;
  readonly fetcher: DataFetcher;
  close(): Promise<void>;
}

/** Starts the sim server with a fixed clock and a ccxt fetcher without a tight rate limit. */
export async function startUpstream(nowMs: number, source = 'binance'): Promise<SimUpstream> {
  const market = new SimMarket({});
  const sim = await startSimServer({ market, nowMs: () => nowMs });
  const fetcher = createCcxtFetcher({
    source,
    exchange: 'binance',
    apiUrl: sim.url,
    nowMs: () => nowMs,
    retry: { maxAttempts: 5, retryBackoffMs: 1, maxDelayMs: 5, jitterRatio: 0 },
    rateLimit: { tokensPerInterval: 10_000_000, intervalMs: 60_000 },
  });
  return {
    sim,
    market,
    fetcher,
    async close() {
      await fetcher.close?.();
      await sim.close();
    },
  };
}

/** Temp directories for stores, removed by `cleanup`. */
export function tempStores(prefix: string): {
  open(): Promise<EmbeddedStore>;
  dir(): string;
  cleanup(): Promise<void>;
} {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const stores: EmbeddedStore[] = [];
  return {
    dir: () => mkdtempSync(join(root, 'd-')),
    async open() {
      const store = await openEmbeddedStore({
        dataDir: mkdtempSync(join(root, 'data-')),
        fsync: false,
      });
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
