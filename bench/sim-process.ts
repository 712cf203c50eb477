import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** A sim exchange running in its own process, so it does not share our CPU time slice. */
export interface SimProcess {
  readonly url: string;
  stats(): Promise<{ dataRequests: number; http429: number; http418: number; requests: number }>;
  stop(): Promise<void>;
}

/** Starts `gapless sim` with the given flags and waits for its address. */
export async function startSimProcess(flags: string[]): Promise<SimProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [resolve('dist/src/cli/main.js'), 'sim', '--port', '0', ...flags],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) done(match[1]!);
    });
    child.on('exit', (code) => fail(new Error(`sim exited with ${code}: ${out}`)));
  });
  return {
    url,
    async stats() {
      const res = await fetch(`${url}/__sim/stats`);
      return (await res.json()) as Awaited<ReturnType<SimProcess['stats']>>;
    },
    async stop() {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
