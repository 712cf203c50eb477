import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeries } from '../src/core/series.js';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { openEmbeddedStore } from '../src/storage/embedded-store.js';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';

const FEED = {
  source: 'sim',
  exchange: 'sim',
  subjects: ['BTC/USDT', 'NOPE/USDT'],
  kinds: ['candle'],
  granularities: ['1h'],
};

describe('exit codes and messages users meet', () => {
  const tmp = tempDir();

  beforeAll(() => {
    writeConfig(tmp.dir, { feeds: [FEED] });
  });
  afterAll(() => tmp.cleanup());

  it('a subject the exchange does not list exits 3, naming it', async () => {
    const run = await runCli(
      ['backfill', '--symbols', 'NOPE/USDT', '--start', '2024-01-01', '--end', '2024-01-02'],
      tmp.dir,
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/does not list 'NOPE\/USDT'/);
  });

  it('reading a series of an unknown feed exits 3 instead of printing an empty CSV', async () => {
    const run = await runCli(
      ['read', 'candle:nope:BTC/USDT:1m', '--start', '2024-01-01', '--end', '2024-01-02'],
      tmp.dir,
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown feed 'nope' \(configured: sim\)/);
  });

  it('a data dir that is a file names the cause', async () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const run = await runCli(
      ['backfill', '--data-dir', file, '--start', '2024-01-01', '--end', '2024-01-02'],
      tmp.dir,
    );
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/a-file.*ENOTDIR/);
  });

  it('a read-only data dir names the cause', async () => {
    const dir = join(tmp.dir, 'ro');
    mkdirSync(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch {
      console.warn('SKIPPED: read-only data dir (cannot mount a read-only tmpfs here)');
      return;
    }
    try {
      const run = await runCli(
        ['backfill', '--data-dir', dir, '--start', '2024-01-01', '--end', '2024-01-02'],
        tmp.dir,
      );
      expect(run.code).toBe(5);
      expect(run.stderr).toMatch(/ro.*EROFS/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('--end in the future is cut at now with a notice, and coverage lists no future gap', async () => {
    const run = await runCli(
      ['backfill', '--symbols', 'BTC/USDT', '--start', '2026-01-01', '--end', '2100-01-01'],
      tmp.dir,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/notice: --end 2100-01-01T00:00:00.000Z is in the future: cut at /);
    const coverage = await runCli(
      [
        'coverage',
        '--symbols',
        'BTC/USDT',
        '--start',
        '2026-01-01',
        '--end',
        '2100-01-01',
        '--json',
      ],
      tmp.dir,
    );
    expect(coverage.code).toBe(0);
    const [report] = JSON.parse(coverage.stdout) as { gaps: unknown[] }[];
    expect(report!.gaps).toEqual([]);
  });

  it('a granularity the config lacks names the configured ones', async () => {
    const run = await runCli(['backfill', '--granularity', '1d'], tmp.dir);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/granularity '1d' is not configured .*\(configured: 1h\)/);
  });
});

describe('the backfill summary after a failure', () => {
  let server: SimServer;
  const tmp = tempDir();

  beforeAll(async () => {
    // Seed 1: the first klines page is served, the second asks to wait a day.
    server = await startSimServer({ retryAfterRate: 0.25, retryAfterS: 86_400, faultSeed: 1 });
    writeConfig(tmp.dir, {
      data_dir: './data',
      feeds: [
        {
          source: 'simx',
          exchange: 'binance',
          api_url: server.url,
          subjects: ['BTC/USDT'],
          granularities: ['1m'],
          concurrency: 1,
        },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('counts the rows stored before the failure', async () => {
    const run = await runCli(['backfill', '--start', '2024-01-01', '--end', '2024-01-04'], tmp.dir);
    expect(run.code).toBe(4);
    const store = await openEmbeddedStore({ dataDir: join(tmp.dir, 'data') });
    const series = parseSeries('candle:simx:BTC/USDT:1m');
    const stored = (
      await store.read(series, { startMs: Date.UTC(2024, 0, 1), endMs: Date.UTC(2024, 0, 4) })
    ).length;
    await store.close();
    expect(stored).toBeGreaterThan(0);
    const line = run.stdout.split('\n').find((l) => l.includes('candle:simx:BTC/USDT:1m'));
    expect(line).toContain(` ${stored.toLocaleString('en-US')} `);
    expect(line).toContain('failed');
  });
});
