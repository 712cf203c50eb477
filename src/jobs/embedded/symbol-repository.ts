import path from 'node:path';
import { z } from 'zod';
import { StorageError } from '../../core/errors.js';
import type { SymbolRepository, TrackedSymbol } from '../job.js';
import { checkTrackedSymbol } from '../symbol-check.js';
import { dataDirOfState, readJsonFile, stateLocks, writeStateFile } from './state-dir.js';

const symbolsFileSchema = z.array(
  z.object({
    symbol: z.string(),
    assetClass: z.string(),
    active: z.boolean(),
    createdAt: z.number(),
  }),
);

/** Tracked symbols in `{data_dir}/.gapless/tracked_symbols.json`, rewritten atomically. */
export class EmbeddedSymbolRepository implements SymbolRepository {
  readonly #file: string;
  readonly #dataDir: string;
  readonly #nowMs: () => number;

  constructor(stateDir: string, nowMs: () => number = Date.now) {
    this.#file = path.join(stateDir, 'tracked_symbols.json');
    this.#dataDir = dataDirOfState(stateDir);
    this.#nowMs = nowMs;
  }

  async add(symbol: string, assetClass: string): Promise<TrackedSymbol> {
    checkTrackedSymbol(symbol, assetClass);
    return stateLocks.run(this.#file, async () => {
      const all = await this.#readAll();
      const existing = all.find((s) => s.symbol === symbol);
      const entry: TrackedSymbol = {
        symbol,
        assetClass,
        active: true,
        createdAt: existing?.createdAt ?? this.#nowMs(),
      };
      await this.#writeAll([...all.filter((s) => s.symbol !== symbol), entry]);
      return entry;
    });
  }

  remove(symbol: string): Promise<boolean> {
    return stateLocks.run(this.#file, async () => {
      const all = await this.#readAll();
      const existing = all.find((s) => s.symbol === symbol && s.active);
      if (existing === undefined) return false;
      await this.#writeAll(all.map((s) => (s === existing ? { ...s, active: false } : s)));
      return true;
    });
  }

  async list(options: { activeOnly?: boolean } = {}): Promise<TrackedSymbol[]> {
    const all = await this.#readAll();
    return all
      .filter((s) => !options.activeOnly || s.active)
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  async #readAll(): Promise<TrackedSymbol[]> {
    const raw = await readJsonFile(this.#file);
    if (raw === undefined) return [];
    const parsed = symbolsFileSchema.safeParse(raw);
    if (!parsed.success) throw new StorageError(`${this.#file} is not a tracked symbols file`);
    return parsed.data;
  }

  #writeAll(symbols: TrackedSymbol[]): Promise<void> {
    return writeStateFile(this.#file, `${JSON.stringify(symbols, null, 2)}\n`, this.#dataDir);
  }
}
