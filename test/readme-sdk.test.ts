import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';

describe('the README SDK example', () => {
  const tmp = tempDir();
  // Inside the package, so `import 'gapless'` resolves to this build through package exports.
  const script = resolve(`readme-example-${process.pid}.tmp.mjs`);
  afterAll(() => {
    rmSync(script, { force: true });
    tmp.cleanup();
  });

  it('runs as written and prints what it promises', () => {
    const readme = readFileSync('README.md', 'utf8');
    const code = /## SDK\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    writeFileSync(script, code!);
    const out = execFileSync(process.execPath, [script], { cwd: tmp.dir, encoding: 'utf8' });
    expect(out).toMatch(/^fetched 10080 rows, gaps left: 0$/m);
    expect(out).toMatch(/^10080 2024-01-01T00:00:00.000Z \d+(\.\d+)?$/m);
    expect(out).toContain('startMs');
    expect(
      readFileSync(
        join(tmp.dir, 'data', 'sim', 'BTC%2FUSDT', 'candle', '1m', '_coverage.json'),
        'utf8',
      ),
    ).toContain('BTC/USDT');
  });
});
