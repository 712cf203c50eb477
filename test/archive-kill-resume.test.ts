import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { runCli, spawnCli, tempDir, writeConfig } from './helpers/cli.js';

/** Hashes of the Parquet files and coverage files under `root` (origins and locks aside). */
function digest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.parquet') || path.includes('/coverage/')) {
        out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
      }
    }
  };
  walk(root);
  return out;
}

// Four monthly archives (the last in microseconds) and a few days of daily ones.
const ARGS = ['backfill', '--start', '2024-10-01', '--end', '2025-02-04T06:00Z'];

describe('an archive backfill killed at random moments', () => {
  let server: SimServer;
  const reference = tempDir();
  const killed = tempDir();
  const timing = tempDir();

  beforeAll(async () => {
    server = await startSimServer({ latencyMs: 20 });
    for (const dir of [reference.dir, killed.dir, timing.dir]) {
      writeConfig(dir, {
        feeds: [
          {
            source: 'simx',
            exchange: 'sim',
            api_url: server.url,
            subjects: ['BTC/USDT', 'ETH/USDT'],
            granularities: ['1m'],
            archive: { download_concurrency: 2 },
            rate_limit: { tokens_per_interval: 60_000, interval_ms: 60_000 },
          },
        ],
      });
    }
  });

  afterAll(async () => {
    await server.close();
    reference.cleanup();
    killed.cleanup();
    timing.cleanup();
  });

  it('resumes to exactly the files of an uninterrupted run', { timeout: 180_000 }, async () => {
    const full = await runCli(ARGS, reference.dir);
    // Timed once the sim has made its zips, as the killed runs will find them.
    const began = Date.now();
    expect((await runCli(ARGS, timing.dir)).code).toBe(0);
    const fullMs = Date.now() - began;
    expect(full.stderr).toBe('');
    expect(full.code).toBe(0);
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const child = spawnCli(ARGS, killed.dir);
      // Somewhere inside a run, however fast this machine is today.
      const delayMs = Math.floor(fullMs * (0.15 + Math.random() * 0.6));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      if ((await exited) === null) kills++;
      clearTimeout(timer);
    }
    expect(kills).toBeGreaterThan(0);
    const finish = await runCli(ARGS, killed.dir);
    expect(finish.code).toBe(0);
    const a = digest(join(reference.dir, 'data'));
    const b = digest(join(killed.dir, 'data'));
    expect(Object.keys(a).length).toBeGreaterThan(2 * 120);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(b).toEqual(a);
    const coverage = await runCli(['coverage', '--json'], killed.dir);
    for (const r of JSON.parse(coverage.stdout) as { gaps: unknown[] }[])
      expect(r.gaps).toEqual([]);
  });
});
