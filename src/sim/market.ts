import { ceilToBar, floorToBar, granularityMs } from '../core/granularity.js';
import { mergeRanges, type Range } from '../core/range-math.js';
import type { Candle, Trade } from '../core/rows.js';
import { hashInt, hashString, mix32, unit } from './hash.js';

/** Options of a {@link SimMarket}. */
export interface SimMarketOptions {
  /**
   * Seed of every price, volume and trade.
   * @default 42
   */
  seed?: number;
  /**
   * First instant with data (epoch ms).
   * @default Date.UTC(2017, 0, 1)
   */
  genesisMs?: number;
  /**
   * The symbols the market lists.
   * @default ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT']
   */
  subjects?: string[];
  /** Windows with no candles and no trades (exchange maintenance). */
  maintenance?: Range[];
}

/** The subjects a market lists when none are given. */
export const DEFAULT_SIM_SUBJECTS: readonly string[] = [
  'BTC/USDT',
  'ETH/USDT',
  'SOL/USDT',
  'BNB/USDT',
  'XRP/USDT',
];

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const TAU = 2 * Math.PI;

/** Per-subject constants of the price path. */
interface Path {
  readonly seed: number;
  readonly base: number;
  readonly phase: readonly [number, number, number, number];
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * A deterministic simulated market: candles and trades are pure functions of
 * (seed, subject, time), computed in O(1) per bar with random access, so any
 * range of any year costs the same. Prices keep 2 decimals and volumes 4 so
 * they survive a decimal-string round trip exactly.
 * @example
 * const market = new SimMarket({ seed: 7 });
 * market.candles('BTC/USDT', '1m', { startMs, endMs });
 */
export class SimMarket {
  /** The seed everything derives from. */
  readonly seed: number;
  /** First instant with data (epoch ms). */
  readonly genesisMs: number;
  /** Merged maintenance windows. */
  readonly maintenance: readonly Range[];
  readonly #paths: Map<string, Path>;

  constructor(options: SimMarketOptions = {}) {
    this.seed = options.seed ?? 42;
    this.genesisMs = options.genesisMs ?? Date.UTC(2017, 0, 1);
    this.maintenance = mergeRanges(options.maintenance ?? []);
    this.#paths = new Map();
    for (const subject of options.subjects ?? DEFAULT_SIM_SUBJECTS) {
      const seed = mix32(hashString(subject) ^ mix32(this.seed));
      const phase = [1, 2, 3, 4].map((k) => unit(hashInt(seed, k)) * TAU) as [
        number,
        number,
        number,
        number,
      ];
      // Bases from 10 to ~30k keep 2-decimal prices meaningful for every subject.
      this.#paths.set(subject, { seed, base: 10 * 10 ** (unit(hashInt(seed, 99)) * 3.5), phase });
    }
  }

  /** The listed subjects, e.g. `BTC/USDT`. */
  subjects(): string[] {
    return [...this.#paths.keys()];
  }

  /** Whether the market lists `subject`. */
  has(subject: string): boolean {
    return this.#paths.has(subject);
  }

  /**
   * Every closed bar (`ts + step <= nowMs`) with `ts` in `range`, at or after
   * genesis and outside maintenance, sorted by time. Unknown subjects have none.
   */
  candles(subject: string, granularity: string, range: Range, nowMs = Date.now()): Candle[] {
    const path = this.#paths.get(subject);
    if (path === undefined) return [];
    const stepMs = granularityMs(granularity);
    const endMs = Math.min(range.endMs, floorToBar(nowMs, stepMs));
    const out: Candle[] = [];
    const windows = this.maintenance;
    let w = 0;
    for (
      let ts = ceilToBar(Math.max(range.startMs, this.genesisMs), stepMs);
      ts < endMs;
      ts += stepMs
    ) {
      while (w < windows.length && windows[w]!.endMs <= ts) w++;
      const window = windows[w];
      if (window !== undefined && window.startMs <= ts) {
        ts = ceilToBar(window.endMs, stepMs) - stepMs;
        continue;
      }
      out.push(this.#bar(path, ts, stepMs));
    }
    return out;
  }

  /**
   * The bar still open at `nowMs`, as an exchange serves it: open as the
   * closed bar will have it, close at the price of `nowMs`, high and low of
   * the two, and the volume traded so far. Undefined for an unknown subject,
   * before genesis and in maintenance.
   */
  openCandle(subject: string, granularity: string, nowMs: number): Candle | undefined {
    const path = this.#paths.get(subject);
    if (path === undefined) return undefined;
    const stepMs = granularityMs(granularity);
    const ts = floorToBar(nowMs, stepMs);
    if (ts < this.genesisMs || this.maintenance.some((w) => w.startMs <= ts && ts < w.endMs)) {
      return undefined;
    }
    const full = this.#bar(path, ts, stepMs);
    const close = round2(this.#price(path, nowMs));
    const share = (nowMs - ts) / stepMs;
    return {
      tsMs: ts,
      open: full.open,
      high: Math.max(full.open, close),
      low: Math.min(full.open, close),
      close,
      volume: round4(full.volume * share),
    };
  }

  /**
   * Every trade with `ts` in `range`, before `nowMs`, at or after genesis and
   * outside maintenance; sorted by time, ids increasing with time.
   */
  trades(subject: string, range: Range, nowMs = Date.now()): Trade[] {
    const path = this.#paths.get(subject);
    if (path === undefined) return [];
    const startMs = Math.max(range.startMs, this.genesisMs);
    const endMs = Math.min(range.endMs, nowMs);
    const out: Trade[] = [];
    const offsets: number[] = [];
    for (let m = Math.floor(startMs / MINUTE_MS); m * MINUTE_MS < endMs; m++) {
      const h = hashInt(path.seed ^ 0x5bd1e995, m);
      const count = (h >>> 3) % 9;
      offsets.length = 0;
      for (let j = 0; j < count; j++) offsets.push(hashInt(h, j) % MINUTE_MS);
      offsets.sort((a, b) => a - b);
      for (let j = 0; j < count; j++) {
        const ts = m * MINUTE_MS + offsets[j]!;
        if (ts < startMs || ts >= endMs || this.#inMaintenance(ts)) continue;
        const r = hashInt(h ^ 0x27d4eb2f, j);
        out.push({
          tsMs: ts,
          tradeId: String(m * 16 + j),
          price: round2(this.#price(path, ts) * (1 + 0.0004 * (unit(r) - 0.5))),
          amount: round4(0.0001 + unit(mix32(r)) * 2),
          side: (r & 1) === 0 ? 'buy' : 'sell',
        });
      }
    }
    return out;
  }

  #bar(path: Path, ts: number, stepMs: number): Candle {
    const open = round2(this.#price(path, ts));
    const close = round2(this.#price(path, ts + stepMs));
    const h = hashInt(path.seed ^ stepMs, ts);
    const spread = open * 0.002 * Math.sqrt(stepMs / MINUTE_MS);
    // Rounding is monotone, so rounding a value >= a 2-decimal price keeps it >= that price.
    const high = round2(Math.max(open, close) + spread * unit(h));
    const low = round2(Math.min(open, close) - spread * unit(mix32(h)));
    const volume = round4(
      (0.01 + unit(mix32(h ^ 0x68e31da4))) * 10 * Math.sqrt(stepMs / MINUTE_MS),
    );
    return { tsMs: ts, open, high, low: low > 0 ? low : 0.01, close, volume };
  }

  #price(path: Path, ts: number): number {
    const days = ts / DAY_MS;
    const [a, b, c, d] = path.phase;
    const smooth =
      0.35 * Math.sin((TAU * days) / 365 + a) +
      0.08 * Math.sin((TAU * days) / 29 + b) +
      0.02 * Math.sin((TAU * days) / 1.3 + c) +
      0.004 * Math.sin(TAU * days * 9 + d);
    const noise = 0.0015 * (unit(hashInt(path.seed, ts)) - 0.5);
    return path.base * Math.exp(smooth + noise);
  }

  #inMaintenance(ts: number): boolean {
    for (const w of this.maintenance) {
      if (ts < w.startMs) return false;
      if (ts < w.endMs) return true;
    }
    return false;
  }
}
