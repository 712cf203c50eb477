import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { spawnCli } from './cli.js';

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

/** Options of {@link startServe}. */
export interface ServeOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Variables added to the environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** @default ['--no-scheduler'] */
  readonly args?: readonly string[];
}

/** A running `gapless serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT`, as it printed. */
  readonly url: string;
  /** Everything it wrote to stderr so far (its log). */
  stderr(): string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL, resolved once it is gone. */
  kill(): Promise<void>;
}

/** Starts `gapless serve` in `cwd` and resolves once it printed its listening line. */
export function startServe(cwd: string, options: ServeOptions = {}): Promise<ServeProcess> {
  const args = [
    'serve',
    '--port',
    String(options.port ?? 0),
    ...(options.args ?? ['--no-scheduler']),
  ];
  const child = spawnCli(args, cwd, options.env === undefined ? {} : { env: options.env });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
    output += d;
  });
  return new Promise((done, fail) => {
    child.stdout?.on('data', (d) => {
      stdout += d;
      output += d;
      const url = /gapless listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url === undefined) return;
      done({
        child,
        url,
        stderr: () => stderr,
        output: () => output,
        kill: () => killed(child),
      });
    });
    child.once('exit', (code) => fail(new Error(`serve exited (${code}): ${stdout} ${stderr}`)));
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
