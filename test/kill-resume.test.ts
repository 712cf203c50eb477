import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../src/sim/server.js';
import { runCli, spawnCli, tempDir, writeConfig } from './helpers/cli.js';

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

// A lock file a killed writer left stays until the next writer of its series
// takes it over (its owner's pid is gone): bookkeeping, not data, so not compared.
const LOCKS = `.gapless${sep}locks${sep}`;

function digest(root: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(root)
      .filter((f) => !f.startsWith(LOCKS))
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(root, f)))
          .digest('hex'),
      ]),
  );
}

const ARGS = ['backfill', '--start', '2024-01-01', '--end', '2024-01-21'];

describe('a backfill killed at random moments', () => {
  let server: SimServer;
  const reference = tempDir();
  const killed = tempDir();

  beforeAll(async () => {
    server = await startSimServer({ latencyMs: 15, duplicateRows: true });
    for (const dir of [reference.dir, killed.dir]) {
      writeConfig(dir, {
        feeds: [
          {
            source: 'simx',
            exchange: 'binance',
            api_url: server.url,
            subjects: ['BTC/USDT', 'ETH/USDT'],
            kinds: ['candle', 'trade'],
            granularities: ['1m', '1h'],
            concurrency: 2,
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
  });

  it('resumes to exactly the files of an uninterrupted run, and readers never see half a file', async () => {
    const full = await runCli(ARGS, reference.dir);
    expect(full.code).toBe(0);

    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    let reads = 0;
    let readerFailure: unknown;
    let reading = true;
    // A reader that keeps opening every visible Parquet file while the writer is killed.
    const reader = (async () => {
      while (reading) {
        const dataDir = join(killed.dir, 'data');
        const files = statSafe(dataDir)
          ? listFiles(dataDir).filter((f) => f.endsWith('.parquet'))
          : [];
        for (const f of files) {
          try {
            await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${join(dataDir, f)}')`);
            reads++;
          } catch (error) {
            if (statSafe(join(dataDir, f))) readerFailure ??= error;
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const child = spawnCli(ARGS, killed.dir);
      const delayMs = 300 + Math.floor(Math.random() * 1500);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      const code = await exited;
      clearTimeout(timer);
      if (code === null) kills++;
    }
    expect(kills).toBeGreaterThan(0);
    const finish = await runCli(ARGS, killed.dir);
    reading = false;
    await reader;
    conn.closeSync();
    expect(finish.code).toBe(0);
    expect(readerFailure).toBeUndefined();
    expect(reads).toBeGreaterThan(0);

    const a = digest(join(reference.dir, 'data'));
    const b = digest(join(killed.dir, 'data'));
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(b).toEqual(a);
  });
});

function statSafe(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
