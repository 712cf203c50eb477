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

  const readme = readFileSync('README.md', 'utf8');
  const sdk = readme.slice(readme.indexOf('## SDK'), readme.indexOf('## Development'));
  const blocks = [...sdk.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const run = (code: string) => {
    writeFileSync(script, code);
    return execFileSync(process.execPath, [script], { cwd: tmp.dir, encoding: 'utf8' });
  };

  it('has both examples', () => {
    expect(blocks).toHaveLength(2);
  });

  it('the history provider example runs as written and prints what it promises', () => {
    const out = run(blocks[0]!);
    expect(out).toMatch(/^fetched 10080 rows, gaps left: 0$/m);
    expect(out).toMatch(/^10080 2024-01-01T00:00:00.000Z \d+(\.\d+)?$/m);
    expect(out).toContain('startMs');
    expect(
      readFileSync(
        join(tmp.dir, 'data', '.gapless', 'coverage', 'sim', 'BTC%2FUSDT', 'candle', '1m.json'),
        'utf8',
      ),
    ).toContain('BTC/USDT');
  });

  it('the seamless example runs as written on the built-in sim feed', () => {
    const out = run(blocks[1]!);
    // One day of 1m candles, nothing missing, read from what the first example stored.
    expect(out).toMatch(/^1440 \[\] \{ cache: 0, storage: 1440, backfill: 0, live: 0 \}$/m);
  });
});
