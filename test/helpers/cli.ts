import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

/** The built CLI entry (tests run after `tsc`). */
export const CLI = resolve('dist/src/cli/main.js');

/** What a finished CLI run printed. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link spawnCli}. */
export interface SpawnCliOptions {
  /** Variables added to the environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** @default ['ignore', 'pipe', 'pipe'] */
  readonly stdio?: StdioOptions;
}

/** Starts `gapless ...args` as a child process. */
export function spawnCli(args: string[], cwd: string, options: SpawnCliOptions = {}): ChildProcess {
  // The test says which config, data dir and database a child uses, never the shell.
  const { GAPLESS_CONFIG: _c, GAPLESS_DATA_DIR: _d, DATABASE_URL: _u, ...env } = process.env;
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...env, ...options.env },
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `gapless ...args` to the end. */
export function runCli(args: string[], cwd: string): Promise<CliResult> {
  const child = spawnCli(args, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((done) =>
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr })),
  );
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'gapless-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `gapless.yaml` into `dir` from a plain object. */
export function writeConfig(dir: string, config: unknown): string {
  const path = join(dir, 'gapless.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** A feed of `gapless.yaml` on the sim server at `url`: BTC/USDT 1m candles, `overrides` on top. */
export function simFeed(url: string, overrides: Record<string, unknown> = {}) {
  return {
    source: 'simx',
    exchange: 'sim',
    api_url: url,
    subjects: ['BTC/USDT'],
    granularities: ['1m'],
    ...overrides,
  };
}
