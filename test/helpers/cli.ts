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
  const { GAPLESS_CONFIG: _config, GAPLESS_DATA_DIR: _dataDir, ...env } = process.env;
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

/** A running `gapless serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT`, as it printed. */
  readonly url: string;
  /** Everything it wrote to stderr so far (its log). */
  stderr(): string;
  /** SIGKILL, resolved once it is gone. */
  kill(): Promise<void>;
}

/** Starts `gapless serve --port 0 ...args` in `cwd`; resolves once it listens. */
export function startServe(args: string[], cwd: string): Promise<ServeProcess> {
  const child = spawnCli(['serve', '--port', '0', ...args], cwd);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((done, fail) => {
    child.stdout?.on('data', (d) => {
      stdout += d;
      const url = /gapless listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url === undefined) return;
      done({
        child,
        url,
        stderr: () => stderr,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
    child.once('exit', (code) => fail(new Error(`serve exited (${code}): ${stdout} ${stderr}`)));
  });
}
