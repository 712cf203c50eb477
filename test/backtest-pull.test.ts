import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../src/backtest/day-file-bundle.js';
import {
  BacktestClient,
  BacktestRunner,
  CorruptFileError,
  type Model,
  NotFoundError,
} from '../src/backtest/index.js';
import { makeSeries } from '../src/core/series.js';
import { SimMarket } from '../src/sim/market.js';
import {
  getJson,
  postJson,
  startTestServer,
  type TestServer,
  waitForJob,
} from './helpers/server-harness.js';

const JOB = {
  source: 'sim',
  subject: 'BTC/USDT',
  kind: 'candle',
  granularity: '1m',
  start: '2024-01-01',
  end: '2024-02-01',
} as const;
const PULL = { source: 'sim', subject: 'BTC/USDT', start: '2024-01-01', end: '2024-01-31' };
const JAN15 = Date.UTC(2024, 0, 15);
const SERIES = makeSeries(JOB);

interface Entry {
  path: string;
  date: string;
  size_bytes: number;
  records: number;
  sha256: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// A momentum model: the sign of the last bar's move.
const momentum: Model = {
  last: 0,
  tick(data) {
    const close = data.columns.close;
    (this as { last: number }).last = close[close.length - 1]! - close[close.length - 2]!;
  },
  predict() {
    return Math.sign((this as unknown as { last: number }).last);
  },
} as Model & { last: number };

describe('BacktestClient and BacktestRunner against a real server with a month of sim data', () => {
  let server: TestServer;
  let cacheDir: string;
  let manifest: Entry[];

  beforeAll(async () => {
    server = await startTestServer('embedded');
    cacheDir = mkdtempSync(join(tmpdir(), 'gapless-bt-cache-'));
    const created = await postJson(`${server.url}/reports/backfill`, JOB);
    expect(created.status).toBe(201);
    const done = await waitForJob(server.url, (created.body as { id: string }).id, 120_000);
    expect(done.status).toBe('completed');
    const index = await getJson(
      `${server.url}/data/backfill/index?subject=BTC%2FUSDT&granularity=1m`,
    );
    manifest = index.body as Entry[];
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('the manifest lists every day file with the SHA-256 of its bytes', () => {
    expect(manifest.map((e) => e.date)).toEqual(
      Array.from({ length: 31 }, (_, d) => `2024-01-${String(d + 1).padStart(2, '0')}`),
    );
    for (const e of manifest) {
      expect(e.sha256).toBe(sha256(readFileSync(join(server.dataDir, e.path))));
    }
  });

  it('pull downloads exactly the manifest files, byte for byte, into the cache layout', async () => {
    const client = new BacktestClient(server.url, { cacheDir, concurrency: 4 });
    const files = await client.pull(PULL);
    expect(files.map((f) => [f.day, f.action])).toEqual(
      manifest.map((e) => [e.date, 'downloaded']),
    );
    for (const [k, f] of files.entries()) {
      const e = manifest[k]!;
      expect(f.path).toBe(join(cacheDir, ...e.path.split('/')));
      expect(f.path).toBe(join(cacheDir, 'sim', 'BTC%2FUSDT', 'candle', '1m', `${e.date}.parquet`));
      expect(readFileSync(f.path).equals(readFileSync(join(server.dataDir, e.path)))).toBe(true);
      expect(f.sha256).toBe(e.sha256);
    }
    const cached = await client.listCached({ source: 'sim', subject: 'BTC/USDT' });
    expect(cached.map((c) => c.day)).toEqual(manifest.map((e) => e.date));
    expect(cached.map((c) => c.sizeBytes)).toEqual(manifest.map((e) => e.size_bytes));
  });

  it('GET /data/backfill/bundle sends several day files in one answer, hashed', async () => {
    const url = `${server.url}/data/backfill/bundle?source=sim&subject=BTC%2FUSDT&kind=candle&granularity=1m&dates=2024-01-02,2023-12-31,2024-01-05`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.gapless.day-files');
    const files = parseBundle(new Uint8Array(await res.arrayBuffer()), url);
    expect([...files.keys()]).toEqual(['2024-01-02', '2024-01-05']);
    for (const [day, file] of files) {
      const onDisk = readFileSync(join(server.dataDir, `sim/BTC%2FUSDT/candle/1m/${day}.parquet`));
      expect(Buffer.concat(file.parts).equals(onDisk)).toBe(true);
      expect(file.sha256).toBe(manifest.find((e) => e.date === day)!.sha256);
    }
    const bad = await getJson(
      `${server.url}/data/backfill/bundle?source=sim&subject=BTC%2FUSDT&kind=candle&dates=2024-01-01,tomorrow`,
    );
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toContain(
      'expected up to 100 comma-separated YYYY-MM-DD days',
    );
  });

  it('against a server without bundles, pull falls back to one request per file', async () => {
    // A proxy that knows no /data/backfill/bundle, like a server from before it.
    const proxy = createServer(async (req, res) => {
      if (req.url?.startsWith('/data/backfill/bundle')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"NOT_FOUND","message":"no such route"}}');
        return;
      }
      const upstream = await fetch(`${server.url}${req.url}`);
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? '',
      });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const fresh = mkdtempSync(join(tmpdir(), 'gapless-bt-cache-'));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const files = await new BacktestClient(url, { cacheDir: fresh }).pull({
        ...PULL,
        end: '2024-01-04',
      });
      expect(files.map((f) => [f.day, f.action])).toEqual(
        manifest.slice(0, 4).map((e) => [e.date, 'downloaded']),
      );
      for (const [k, f] of files.entries()) {
        expect(
          readFileSync(f.path).equals(readFileSync(join(server.dataDir, manifest[k]!.path))),
        ).toBe(true);
      }
    } finally {
      await new Promise((r) => proxy.close(r));
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('a second pull downloads nothing', async () => {
    const before = manifest.map((e) => statSync(join(cacheDir, ...e.path.split('/'))).mtimeMs);
    const files = await new BacktestClient(server.url, { cacheDir }).pull(PULL);
    expect(files.map((f) => f.action)).toEqual(new Array(31).fill('unchanged'));
    const after = manifest.map((e) => statSync(join(cacheDir, ...e.path.split('/'))).mtimeMs);
    expect(after).toEqual(before);
  });

  it('a run replays the cache and matches the sim market row for row', async () => {
    const result = await new BacktestRunner({ model: momentum, url: server.url, cacheDir }).run({
      ...PULL,
      end: '2024-01-03',
    });
    const candles = new SimMarket().candles(
      'BTC/USDT',
      '1m',
      { startMs: Date.UTC(2024, 0, 1), endMs: Date.UTC(2024, 0, 4) },
      Date.UTC(2030, 0, 1),
    );
    expect(result.config.rows).toBe(candles.length);
    const rows = result.toRows();
    expect(rows.length).toBe(candles.length - 120);
    for (const [k, row] of rows.entries()) {
      const i = k + 120;
      const last = candles[i]!.close - candles[i - 1]!.close;
      expect(row.ts).toBe(candles[i]!.tsMs / 1000);
      expect(row.value).toBe(Math.sign(last));
      expect(row.entry_price).toBe(candles[i]!.close);
      expect(row.resolved_price).toBe(candles[i + 1]?.close ?? null);
    }
    expect(result.warnings).toEqual([]);
  });

  it('after a day file is rewritten on the server, pull fetches that one file again', async () => {
    const store = server.service.store;
    const [original] = await store
      .read(SERIES, { startMs: JAN15, endMs: JAN15 + 60_000 })
      .then((f) => (f.kind === 'candle' ? [f.close[0]!] : []));
    await store.write(SERIES, { startMs: JAN15, endMs: JAN15 + 60_000 }, [
      { tsMs: JAN15, open: 1, high: 2, low: 0.5, close: original! + 1, volume: 3 },
    ]);
    const files = await new BacktestClient(server.url, { cacheDir }).pull(PULL);
    const changed = files.filter((f) => f.action !== 'unchanged');
    expect(changed.map((f) => [f.day, f.action])).toEqual([['2024-01-15', 'updated']]);
    const rel = 'sim/BTC%2FUSDT/candle/1m/2024-01-15.parquet';
    expect(readFileSync(changed[0]!.path).equals(readFileSync(join(server.dataDir, rel)))).toBe(
      true,
    );
  });

  it('a partly cached range is topped up: only the missing days are downloaded', async () => {
    for (const day of ['03', '10', '11'])
      unlinkSync(join(cacheDir, 'sim/BTC%2FUSDT/candle/1m', `2024-01-${day}.parquet`));
    const client = new BacktestClient(server.url, { cacheDir });
    const files = await client.pull(PULL);
    expect(files.filter((f) => f.action !== 'unchanged').map((f) => [f.day, f.action])).toEqual([
      ['2024-01-03', 'downloaded'],
      ['2024-01-10', 'downloaded'],
      ['2024-01-11', 'downloaded'],
    ]);
    // A runner with a URL tops up a range by itself.
    const fresh = mkdtempSync(join(tmpdir(), 'gapless-bt-cache-'));
    try {
      const first = await new BacktestClient(server.url, { cacheDir: fresh }).pull({
        ...PULL,
        end: '2024-01-05',
      });
      expect(first.length).toBe(5);
      await new BacktestRunner({ model: momentum, url: server.url, cacheDir: fresh }).run({
        ...PULL,
        end: '2024-01-08',
      });
      const cached = await new BacktestClient(server.url, { cacheDir: fresh }).listCached({
        source: 'sim',
        subject: 'BTC/USDT',
      });
      expect(cached.map((c) => c.day)).toEqual(
        [1, 2, 3, 4, 5, 6, 7, 8].map((d) => `2024-01-0${d}`),
      );
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('a damaged cached file is downloaded again by pull and by a run', async () => {
    const file = join(cacheDir, 'sim/BTC%2FUSDT/candle/1m/2024-01-20.parquet');
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 7));
    const files = await new BacktestClient(server.url, { cacheDir }).pull(PULL);
    expect(files.filter((f) => f.action !== 'unchanged').map((f) => [f.day, f.action])).toEqual([
      ['2024-01-20', 'updated'],
    ]);
    expect(readFileSync(file).equals(good)).toBe(true);

    writeFileSync(file, 'not parquet');
    const result = await new BacktestRunner({ model: momentum, url: server.url, cacheDir }).run({
      ...PULL,
      start: '2024-01-20',
      end: '2024-01-20',
    });
    expect(result.config.rows).toBe(1440);
    expect(result.warnings).toEqual([
      `cached file ${file} cannot be read (not a parquet file); pulled it again`,
    ]);
    expect(readFileSync(file).equals(good)).toBe(true);

    // Offline, the error says what is wrong and how to fix it.
    writeFileSync(file, 'not parquet');
    const offline = new BacktestRunner({ model: momentum, cacheDir }).run({
      ...PULL,
      start: '2024-01-20',
      end: '2024-01-20',
    });
    await expect(offline).rejects.toThrow(CorruptFileError);
    await expect(offline).rejects.toThrow(
      `cached file ${file} cannot be read (not a parquet file); pull it again (give a URL) or delete it`,
    );
    writeFileSync(file, good);
  });

  it('an unknown subject and a range without data are clear errors', async () => {
    const client = new BacktestClient(server.url, { cacheDir });
    const unknown = client.pull({ ...PULL, subject: 'NOPE/USDT' });
    await expect(unknown).rejects.toThrow(NotFoundError);
    await expect(unknown).rejects.toThrow(
      `unknown subject 'NOPE/USDT' on ${server.url} (it has BTC/USDT)`,
    );
    await expect(client.pull({ ...PULL, source: 'binance' })).rejects.toThrow(
      `${server.url} has no candle:binance:BTC/USDT:1m; it has candle:sim:BTC/USDT:1m`,
    );
    const runner = new BacktestRunner({ model: momentum, url: server.url, cacheDir });
    await expect(runner.run({ ...PULL, start: '2023-01-01', end: '2023-01-31' })).rejects.toThrow(
      'no data for BTC/USDT from 2023-01-01 to 2023-01-31; pull it first or backfill it on the server',
    );
  });

  it('with the server stopped, a run works from the cache', async () => {
    const online = await new BacktestRunner({ model: momentum, url: server.url, cacheDir }).run(
      PULL,
    );
    const url = server.url;
    await server.close();
    // Fully cached: no request at all.
    const offline = await new BacktestRunner({ model: momentum, url, cacheDir }).run(PULL);
    expect(offline.toRows()).toEqual(online.toRows());
    expect(offline.metrics).toEqual(online.metrics);
    expect(offline.warnings).toEqual([]);
    // A range reaching past the cache: the cached days, and a warning.
    const partly = await new BacktestRunner({ model: momentum, url, cacheDir }).run({
      ...PULL,
      end: '2024-02-03',
    });
    expect(partly.toRows()).toEqual(online.toRows());
    expect(partly.warnings).toEqual([
      `cannot reach ${url}: ECONNREFUSED; replaying the 31 cached days of BTC/USDT`,
    ]);
  });
});
