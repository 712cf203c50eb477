import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSeamlessProvider } from '../src/app/create-seamless-provider.js';
import { startMetricsServer } from '../src/app/metrics-server.js';
import { parseConfig } from '../src/config/load-config.js';
import { SourceError } from '../src/core/errors.js';
import { parseSeries } from '../src/core/series.js';
import { DataUnavailableError, SLAExceededError } from '../src/seamless/errors.js';
import {
  SeamlessDataProvider,
  type SeamlessProviderOptions,
} from '../src/seamless/seamless-provider.js';
import { SimMarket } from '../src/sim/market.js';
import { collectPages, type DataFetcher } from '../src/sources/data-fetcher.js';
import { createSimFetcher } from '../src/sources/sim-fetcher.js';
import type { Store } from '../src/storage/store.js';
import { DAY, MIN, tempStores } from './seamless-harness.js';

const T0 = Date.UTC(2024, 2, 1);
const NOW = T0 + 4 * DAY + 15 * MIN;
const series = parseSeries('candle:sim:BTC/USDT:1m');
const market = new SimMarket({});
const sim = () => createSimFetcher({ market, nowMs: () => NOW });

/** A fetcher whose every page waits `delayMs` first, or fails. */
function slowOrFailing(mode: { delayMs?: number; fail?: string }): DataFetcher {
  const inner = sim();
  const fetcher: DataFetcher = {
    name: 'wrapped',
    supports: (s) => inner.supports(s),
    async *pages(s, r, o) {
      for await (const page of inner.pages(s, r, o)) {
        if (mode.fail) throw new SourceError(mode.fail, { retryable: false });
        await new Promise((done) => setTimeout(done, mode.delayMs ?? 0));
        yield page;
      }
    },
    fetch: (s, r, o) => collectPages(fetcher.pages(s, r, o)),
  };
  return fetcher;
}

// One registry for every provider of this file, as a runtime has.
const registry = new Registry();
const metricValue = async (name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;

describe('seamless provider: bad input and faults', () => {
  const stores = tempStores('gapless-faults-');
  const providers: SeamlessDataProvider[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let store: Store;

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await stores.cleanup();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  const make = async (extra: Partial<SeamlessProviderOptions> = {}) => {
    store = await stores.open();
    const provider = new SeamlessDataProvider({
      store,
      fetcherFor: () => sim(),
      nowMs: () => NOW,
      logLevel: 'silent',
      backfill: { windowBars: 1440 },
      registry,
      ...extra,
    });
    providers.push(provider);
    return provider;
  };

  it('rejects bad arguments with clear errors', async () => {
    const provider = await make();
    await expect(provider.fetch(T0 + DAY, T0, { series })).rejects.toThrow(/must be after start/);
    await expect(provider.fetch('2024-02-31', T0, { series })).rejects.toThrow(/bad start/);
    await expect(provider.fetch(T0, T0 + DAY, { series: 'candle:sim:X' })).rejects.toThrow(
      /bad series id/,
    );
    await expect(
      provider.fetch(T0, T0 + DAY, { series, strategy: 'SOMETIMES' as 'SEAMLESS' }),
    ).rejects.toThrow(/Expected `strategy` to be one of FAIL_FAST/);
    await expect(provider.fetch(T0, T0 + DAY, { series, requestId: 'a b' })).rejects.toThrow(
      /requestId/,
    );
    await expect(provider.fetch(T0, T0 + DAY, undefined as never)).rejects.toThrow(
      /request object/,
    );
    expect(() => provider.conformanceReports('x')).toThrow(/bad series id/);
    expect(() => new SeamlessDataProvider(undefined as never)).toThrow(/`store`/);
    expect(() => new SeamlessDataProvider({ store, backfill: { windowBars: 0 } })).toThrow(
      /Expected `windowBars` to be an integer >= 1, got `0`/,
    );
    expect(() => new SeamlessDataProvider({ store, sla: { deadlineMs: -5 } })).toThrow(
      /sla.deadlineMs/,
    );
    expect(
      () => new SeamlessDataProvider({ store, sla: { onBreach: 'panic' as 'raise' } }),
    ).toThrow(/sla.onBreach/);
    await expect(startMetricsServer(registry, { port: -1 })).rejects.toThrow(/Expected `port`/);
    expect(() => createSeamlessProvider({} as never, { store })).toThrow(/validated configuration/);
  });

  it('validates the seamless_data_provider block, naming the key', () => {
    const base = { feeds: [{ source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'] }] };
    const config = parseConfig(base);
    expect(config.seamless_data_provider.strategy).toBe('AUTO_BACKFILL');
    expect(config.seamless_data_provider.backfill_config.window_bars).toBe(5_000);
    expect(() =>
      parseConfig({ ...base, seamless_data_provider: { backfill_config: { window_bars: 0 } } }),
    ).toThrow(/seamless_data_provider\.backfill_config\.window_bars/);
    expect(() => parseConfig({ ...base, seamless_data_provider: { strategy: 'YOLO' } })).toThrow(
      /seamless_data_provider\.strategy/,
    );
    expect(() => parseConfig({ ...base, seamless_data_provider: { cache_ttl_ms: 5 } })).toThrow(
      /seamless_data_provider: unknown key 'cache_ttl_ms'/,
    );
    // The spelling is accepted as seconds.
    const aliased = parseConfig({ ...base, seamless_data_provider: { cache_ttl: 7 } });
    expect(aliased.seamless_data_provider.cache_ttl_s).toBe(7);
  });

  it('createSeamlessProvider builds from config with fetchers of the configured feeds', async () => {
    const config = parseConfig({
      feeds: [{ source: 'sim', exchange: 'sim', subjects: ['BTC/USDT'] }],
      seamless_data_provider: { strategy: 'AUTO_BACKFILL', log_level: 'silent', cache_ttl_s: 60 },
    });
    const provider = createSeamlessProvider(config, {
      store: await stores.open(),
      nowMs: () => NOW,
    });
    providers.push(provider);
    const result = await provider.fetch(T0, T0 + DAY, { series });
    expect(result.frame.length).toBe(1440);
    const unknown = await provider
      .fetch(T0, T0 + DAY, { series: 'candle:nowhere:BTC/USDT:1m' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(DataUnavailableError);
    expect((unknown as Error).message).toMatch(/backfill failed: unknown feed 'nowhere'/);
  });

  it('isolates a failing source: the next one serves, or the error names it', async () => {
    const provider = await make({
      strategy: 'SEAMLESS',
      live: {
        supports: () => true,
        coverage: (_s, r) => [r],
        bars: () => {
          throw new Error('live socket closed');
        },
      },
    });
    const result = await provider.fetch(T0, T0 + DAY, { series });
    expect(result.frame.length).toBe(1440);
    expect(result.sources.backfill).toBe(1440);
    expect(result.failures).toEqual([
      expect.objectContaining({ source: 'live', message: 'live socket closed' }),
    ]);

    const broken: Store = {
      ...store,
      write: (...a) => store.write(...a),
      read: (...a) => store.read(...a),
      listSeries: () => store.listSeries(),
      close: async () => {},
      coverage: async () => {
        throw new Error('disk gone');
      },
    };
    const failFast = new SeamlessDataProvider({
      store: broken,
      strategy: 'FAIL_FAST',
      logLevel: 'silent',
      nowMs: () => NOW,
    });
    const error = await failFast.fetch(T0 + DAY, T0 + 2 * DAY, { series }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect((error as Error).message).toMatch(/storage failed: disk gone/);
  });

  it('background failures reach onError and metrics, never an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const before = await metricValue('seamless_background_errors_total');
    const provider = await make({
      strategy: 'PARTIAL_FILL',
      fetcherFor: () => slowOrFailing({ fail: 'vendor down' }),
      onError: (error, context) => {
        errors.push([error, context]);
        throw new Error('a handler that throws');
      },
    });
    const result = await provider.fetch(T0, T0 + DAY, { series, requestId: 'req-1' });
    expect(result.missing).toEqual([{ startMs: T0, endMs: T0 + DAY }]);
    await provider.idle();
    expect(errors).toEqual([
      [
        expect.objectContaining({ message: expect.stringMatching(/vendor down/) }),
        { series: 'candle:sim:BTC/USDT:1m', requestId: 'req-1' },
      ],
    ]);
    expect(await metricValue('seamless_background_errors_total')).toBe(before + 1);
  });

  it('SLA: a stage over budget raises SLAExceededError, or is recorded', async () => {
    const slow = () => slowOrFailing({ delayMs: 80 });
    const raising = await make({ fetcherFor: slow, sla: { stageBudgetsMs: { backfill: 20 } } });
    const error = await raising.fetch(T0, T0 + DAY, { series }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SLAExceededError);
    expect((error as SLAExceededError).code).toBe('SLA_EXCEEDED');
    expect((error as SLAExceededError).breaches[0]).toMatchObject({
      stage: 'backfill',
      limitMs: 20,
    });

    const recording = await make({
      fetcherFor: slow,
      sla: { deadlineMs: 30, freshnessMs: 5 * MIN, onBreach: 'record' },
    });
    const result = await recording.fetch(T0 + 3 * DAY, NOW, { series });
    expect(result.frame.length).toBe(1440 + 15);
    expect(result.sla.breaches.map((b) => b.stage)).toContain('total');
    expect(result.sla.stagesMs.backfill).toBeGreaterThan(30);

    const stale = await make({
      strategy: 'PARTIAL_FILL',
      enableBackgroundBackfill: false,
      sla: { freshnessMs: 5 * MIN },
    });
    await store.write(
      series,
      { startMs: T0, endMs: T0 + DAY },
      market.candles('BTC/USDT', '1m', { startMs: T0, endMs: T0 + DAY }),
    );
    await expect(stale.fetch(T0, NOW, { series })).rejects.toThrow(/freshness/);
    const text = await registry.getSingleMetricAsString('seamless_sla_deadline_seconds');
    expect(text).toMatch(/stage="backfill"/);
    expect(text).toMatch(/stage="total"/);
  });

  it('serves /metrics from the runtime registry', async () => {
    await make();
    const server = await startMetricsServer(registry, { port: 0 });
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      const body = await res.text();
      for (const name of [
        'backfill_jobs_in_progress',
        'backfill_last_timestamp',
        'backfill_retry_total',
        'backfill_failure_total',
        'backfill_completion_ratio',
        'seamless_sla_deadline_seconds',
        'seamless_cache_hit_ratio',
        'seamless_source_latency_seconds',
        'seamless_background_queue_depth',
        'conformance_violations_total',
      ]) {
        expect(body).toContain(`# TYPE ${name}`);
      }
      expect((await fetch(server.url.replace('/metrics', '/nope'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
