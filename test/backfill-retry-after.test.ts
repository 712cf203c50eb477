import { afterEach, describe, expect, it } from 'vitest';
import { type SimServer, type SimServerOptions, startSimServer } from '../src/sim/server.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';
import { postgresAvailable } from './helpers/postgres.js';
import {
  DAY_JOB,
  getJson,
  MODES,
  postJson,
  startTestServer,
  type TestServer,
  waitForJob,
} from './helpers/server-harness.js';

describe('backfill under a Retry-After storm', () => {
  let server: SimServer | undefined;
  const tmp = tempDir();

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function setUp(sim: SimServerOptions, retry: Record<string, number> = {}): Promise<void> {
    server = await startSimServer(sim);
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [
        {
          source: 'storm',
          exchange: 'binance',
          api_url: server.url,
          subjects: ['BTC/USDT'],
          granularities: ['1m'],
          concurrency: 2,
          retry: { max_attempts: 6, retry_backoff_ms: 10, jitter_ratio: 0, ...retry },
        },
      ],
    });
  }

  it('fails the series at once, saying how long the exchange asked to wait past the ceiling', {
    timeout: 30_000,
  }, async () => {
    await setUp({ retryAfterRate: 1, retryAfterS: 86_400 });
    const began = Date.now();
    const run = await runCli(['backfill', '--start', '2024-01-01', '--end', '2024-01-02'], tmp.dir);
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /candle:storm:BTC\/USDT:1m .*the exchange asked to wait 86400 s \(HTTP 429\), more than retry\.max_retry_after_ms \(300 s\)/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('honours a Retry-After under the ceiling and says it is waiting', {
    timeout: 60_000,
  }, async () => {
    await setUp({ retryAfterRate: 0.25, retryAfterS: 6, faultSeed: 1 });
    const run = await runCli(['backfill', '--start', '2024-01-03', '--end', '2024-01-05'], tmp.dir);
    expect(run.code).toBe(0);
    expect(server!.stats().http429).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/candle:storm:BTC\/USDT:1m: waiting 6 s: exchange asked \(429\)/);
  });

  it('takes the ceiling from retry.max_retry_after_ms', { timeout: 30_000 }, async () => {
    await setUp({ retryAfterRate: 1, retryAfterS: 3 }, { max_retry_after_ms: 2_000 });
    const run = await runCli(['backfill', '--start', '2024-01-10', '--end', '2024-01-11'], tmp.dir);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/asked to wait 3 s \(HTTP 429\), more than .* \(2 s\)/);
  });
});

const havePostgres = await postgresAvailable();

for (const mode of MODES) {
  describe.skipIf(mode === 'postgres' && !havePostgres)(`a job under Retry-After (${mode})`, () => {
    let sim: SimServer;
    let service: TestServer;

    afterEach(async () => {
      await service?.close();
      await sim?.close();
    });

    it('shows the wait in its record while it waits, then completes', {
      timeout: 60_000,
    }, async () => {
      // Seed 1 throttles one data request of the job for 6 s.
      sim = await startSimServer({ retryAfterRate: 0.25, retryAfterS: 6, faultSeed: 1 });
      service = await startTestServer(mode, {
        config: {
          feeds: [
            {
              source: 'storm',
              exchange: 'binance',
              api_url: sim.url,
              subjects: ['BTC/USDT'],
              granularities: ['1m'],
              concurrency: 1,
              retry: { max_attempts: 4, retry_backoff_ms: 10, jitter_ratio: 0 },
            },
          ],
        },
      });
      const created = await postJson(`${service.url}/reports/backfill`, {
        ...DAY_JOB,
        source: 'storm',
        start: '2024-01-03',
        end: '2024-01-05',
      });
      expect(created.status).toBe(201);
      const id = (created.body as { id: string }).id;
      let seen: Record<string, unknown> | undefined;
      const deadline = Date.now() + 20_000;
      while (seen === undefined && Date.now() < deadline) {
        const view = (await getJson(`${service.url}/reports/backfill/jobs/${id}`)).body as Record<
          string,
          unknown
        >;
        if (view.waiting === true) seen = view;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toMatchObject({
        status: 'running',
        waiting: true,
        wait_reason: 'waiting 6 s: exchange asked (429)',
      });
      expect(Date.parse(String(seen!.wait_until))).toBeGreaterThan(Date.now());
      const done = await waitForJob(service.url, id, 30_000);
      expect(done).toMatchObject({ status: 'completed', waiting: false, wait_reason: null });
    });
  });
}
