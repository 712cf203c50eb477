import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exit-codes.js';
import { writeCachedDays } from './helpers/backtest-files.js';
import { runCli, tempDir } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server-harness.js';

const JAN1_S = Date.UTC(2024, 0, 1) / 1000;

describe('gapless backtest and gapless pull on bad input', () => {
  const tmp = tempDir('gapless-bt-cli-');
  const cache = join(tmp.dir, 'cache');
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('embedded', { worker: false });
    await writeCachedDays(
      cache,
      'BTC/USDT',
      Array.from({ length: 300 }, (_, i) => ({
        tsMs: (JAN1_S + i * 60) * 1000,
        open: 100 + i,
        high: 101 + i,
        low: 99 + i,
        close: 100 + i,
        volume: 1,
      })),
    );
    writeFileSync(join(tmp.dir, 'no-predict.mjs'), 'export function tick() {}\n');
    writeFileSync(
      join(tmp.dir, 'up.mjs'),
      'export function tick() {}\nexport function predict() { return 1; }\n',
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  const offline = (...args: string[]) =>
    runCli(['backtest', '--cache-dir', cache, '--subject', 'BTC/USDT', ...args], tmp.dir);

  it('runs offline from the cache, source found in it, and prints the summary', async () => {
    const run = await offline(
      '--model',
      'up.mjs',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-01',
      '--window',
      '10',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.ok);
    // Rows 10..299 predict; the last one is never resolved. Prices only rise, and "up" is always right.
    expect(run.stdout).toMatch(/^\| predictions +\| 290 \(289 scored\) +\|$/m);
    expect(run.stdout).toMatch(/^\| hit_rate +\| 1\.0000 +\|$/m);
  });

  it('a model file without predict is a one-line usage error', async () => {
    const run = await offline(
      '--model',
      'no-predict.mjs',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-01',
    );
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(
      'error: model no-predict.mjs has no predict function (a model needs tick(data) and predict(scope))\n',
    );
  });

  it('a missing model file is a one-line usage error', async () => {
    const run = await offline(
      '--model',
      'nope.mjs',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-01',
    );
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe('error: model file nope.mjs does not exist\n');
  });

  it('a range without data says so, in the issue’s words', async () => {
    const run = await offline(
      '--model',
      'up.mjs',
      '--source',
      'sim',
      '--start',
      '2023-06-01',
      '--end',
      '2023-06-30',
    );
    expect(run.code).toBe(EXIT.notFound);
    expect(run.stderr).toBe(
      'error: no data for BTC/USDT from 2023-06-01 to 2023-06-30; pull it first or backfill it on the server\n',
    );
  });

  it('a corrupt cached file offline is a clear error', async () => {
    const file = join(cache, 'sim', 'BTC%2FUSDT', 'candle', '1m', '2024-01-02.parquet');
    writeFileSync(file, 'PAR1 but not really');
    const run = await offline('--model', 'up.mjs', '--start', '2024-01-02', '--end', '2024-01-02');
    expect(run.code).toBe(EXIT.storage);
    expect(run.stderr).toBe(
      `error: cached file ${file} cannot be read (not a parquet file); pull it again (give a URL) or delete it\n`,
    );
  });

  it('bad flags name the flag', async () => {
    const run = await offline(
      '--model',
      'up.mjs',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-01',
      '--window',
      '0',
    );
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe("error: --window must be a whole number >= 1, got '0'\n");
    const dates = await offline(
      '--model',
      'up.mjs',
      '--start',
      '2024-01-05',
      '--end',
      '2024-01-01',
    );
    expect(dates.stderr).toBe(
      'error: end 2024-01-01 is before start 2024-01-05 (both days are included)\n',
    );
  });

  it('pull of an unknown subject names what the service has', async () => {
    const run = await runCli(
      [
        'pull',
        '--url',
        server.url,
        '--cache-dir',
        cache,
        '--subject',
        'NOPE/USDT',
        '--source',
        'sim',
        '--start',
        '2024-01-01',
        '--end',
        '2024-01-02',
      ],
      tmp.dir,
    );
    expect(run.code).toBe(EXIT.notFound);
    expect(run.stderr).toBe(
      `error: unknown subject 'NOPE/USDT' on ${server.url} (it holds no data yet)\n`,
    );
  });

  it('pull of an unreachable service is a one-line source error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const run = await runCli(
      [
        'pull',
        '--url',
        `http://127.0.0.1:${port}`,
        '--cache-dir',
        cache,
        '--subject',
        'BTC/USDT',
        '--source',
        'sim',
        '--start',
        '2024-01-01',
        '--end',
        '2024-01-02',
      ],
      tmp.dir,
    );
    expect(run.code).toBe(EXIT.source);
    expect(run.stderr).toBe(`error: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });
});
