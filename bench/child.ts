import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { BackfillJob } from './backfill-child.js';

/** What a backfill child reports. */
export interface BackfillReport {
  rows: number;
  gaps: number;
  seconds: number;
  maxRssMb: number;
}

/** Runs one backfill in a fresh Node process and returns its report. */
export function backfillInChild(job: BackfillJob): Promise<BackfillReport> {
  const child = spawn(
    process.execPath,
    [resolve('dist/bench/backfill-child.js'), JSON.stringify(job)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return new Promise((done, fail) =>
    child.on('exit', (code) => {
      if (code !== 0) fail(new Error(`backfill child exited with ${code}`));
      else done(JSON.parse(out.trim().split('\n').pop() ?? '{}') as BackfillReport);
    }),
  );
}
