import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI } from './cli.js';

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** A `gapless serve` child and what it printed so far. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything written to stdout and stderr until now. */
  output(): string;
}

/**
 * Starts `gapless serve --no-scheduler` in `dir` on `port` and resolves once
 * it printed its listening line; `env` is added to the environment.
 */
export function startServe(
  dir: string,
  port: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const { GAPLESS_CONFIG: _c, GAPLESS_DATA_DIR: _d, DATABASE_URL: _u, ...rest } = process.env;
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--no-scheduler'], {
    cwd: dir,
    env: { GAPLESS_LOG_LEVEL: 'warn', ...rest, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = `http://127.0.0.1:${port}`;
  return new Promise((done, fail) => {
    child.stderr?.on('data', (d) => {
      out += d;
    });
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('gapless listening on http://127.0.0.1:')) {
        done({ child, url, output: () => out });
      }
    });
    child.once('exit', (code) => fail(new Error(`serve exited (${code}): ${out}`)));
  });
}

/** Kills a child with SIGKILL and resolves once it is gone. */
export function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}
