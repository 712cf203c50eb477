import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import {
  postJson,
  startTestServer,
  type TestServer,
  waitForJob,
} from './helpers/server-harness.js';

const README_URL = 'http://127.0.0.1:8080';

describe('the README backtest section', () => {
  const tmp = tempDir('gapless-readme-bt-');
  // Inside the package, so `import 'gapless/backtest'` resolves to this build through package exports.
  const script = resolve(`readme-backtest-${process.pid}.tmp.mjs`);
  let server: TestServer;

  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(
    readme.indexOf('## Backtests (challenge participants)'),
    readme.indexOf('## Development'),
  );
  const shell = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const code = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

  beforeAll(async () => {
    server = await startTestServer('embedded');
    const job = await postJson(`${server.url}/reports/backfill`, {
      source: 'sim',
      subject: 'BTC/USDT',
      kind: 'candle',
      granularity: '1m',
      start: '2024-01-01',
      end: '2024-01-08',
    });
    const done = await waitForJob(server.url, (job.body as { id: string }).id, 60_000);
    expect(done.status).toBe('completed');
  }, 90_000);

  afterAll(async () => {
    rmSync(script, { force: true });
    await server?.close();
    tmp.cleanup();
  });

  it('has the CLI example and the code example', () => {
    expect(shell).toHaveLength(1);
    expect(code).toHaveLength(1);
  });

  it('the code example runs as written against a service and prints what it promises', async () => {
    writeFileSync(
      script,
      code[0]!
        .replaceAll(README_URL, server.url)
        .replace("'./examples/mean-reversion.mjs'", `'${resolve('examples/mean-reversion.mjs')}'`),
    );
    // Not execFileSync: the server lives in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)(process.execPath, [script], {
      cwd: tmp.dir,
      encoding: 'utf8',
    });
    expect(out).toMatch(/^7 day files, 7 downloaded$/m);
    expect(out).toMatch(/^\| score_recent \(24h\) +\| -?\d\.\d{4} +\|$/m);
    const predictions = Number(/over (\d+) predictions/.exec(out)?.[1]);
    // A week of 1m bars, the first 120 only fill the window, one prediction a minute.
    expect(predictions).toBe(7 * 1440 - 120);
    const file = readFileSync(join(tmp.dir, 'predictions.parquet'));
    const rows = await parquetReadObjects({
      file: file.buffer.slice(file.byteOffset, file.byteOffset + file.length) as ArrayBuffer,
    });
    expect(rows.length).toBe(predictions);
    expect(Object.keys(rows[0]!)).toEqual([
      'ts',
      'subject',
      'value',
      'entry_price',
      'resolved_price',
      'profit',
      'direction_up',
      'score',
      'score_success',
    ]);
    expect(rows[0]).toMatchObject({ ts: Date.UTC(2024, 0, 1, 2) / 1000, subject: 'BTC/USDT' });
  });

  it('the CLI example pulls (nothing new after the code example) and backtests', async () => {
    const commands = shell[0]!
      .trim()
      .split('\n')
      .map((line) =>
        line
          .replaceAll(README_URL, server.url)
          .replace('examples/mean-reversion.mjs', resolve('examples/mean-reversion.mjs'))
          .split(' '),
      );
    expect(commands.map((c) => c.slice(0, 2))).toEqual([
      ['gapless', 'pull'],
      ['gapless', 'backtest'],
    ]);
    const pull = await runCli(commands[0]!.slice(1), tmp.dir);
    expect(pull.stderr).toBe('');
    expect(pull.stdout).toMatch(
      /^BTC\/USDT: 7 files \(0 downloaded, 0 updated, 7 unchanged\), 0\.0 MB in \d+\.\d s$/m,
    );
    rmSync(join(tmp.dir, 'predictions.parquet'));
    const run = await runCli(commands[1]!.slice(1), tmp.dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('| subjects ');
    expect(run.stdout).toMatch(/^\| predictions +\| 9960 \(9959 scored\) +\|$/m);
    expect(run.stdout).toContain('wrote 9960 predictions to predictions.parquet');
    expect(readFileSync(join(tmp.dir, 'predictions.parquet')).subarray(0, 4).toString()).toBe(
      'PAR1',
    );
  });
});
