import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';

// The layer rules of `npm run lint` (.dependency-cruiser.cjs), run on a small
// tree with forbidden imports, so a rule that stopped matching fails here.
const DEPCRUISE = resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(cwd: string) {
  const run = spawnSync(
    process.execPath,
    [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    { cwd, encoding: 'utf8' },
  );
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('layer rules', () => {
  const tmp = tempDir('gapless-layers-');
  afterAll(() => tmp.cleanup());

  const write = (file: string, text: string) => {
    const full = join(tmp.dir, file);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };

  it('pass on the real tree', () => {
    const run = cruise(resolve('.'));
    expect(run.out).toContain('no dependency violations found');
    expect(run.code).toBe(0);
  });

  it('fail on an upward import, a storage internal and a cycle, naming each rule', () => {
    copyFileSync('.dependency-cruiser.cjs', join(tmp.dir, '.dependency-cruiser.cjs'));
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext' } }));
    write(
      'src/core/clock.ts',
      "import { serve } from '../server/route.js';\nexport const c = serve;\n",
    );
    write(
      'src/server/route.ts',
      "import { layout } from '../storage/parquet/layout.js';\nexport const serve = layout;\n",
    );
    write('src/storage/parquet/layout.ts', 'export const layout = 1;\n');
    write('src/backfill/a.ts', "import { b } from './b.js';\nexport const a = b;\n");
    write('src/backfill/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    const run = cruise(tmp.dir);
    expect(run.code).not.toBe(0);
    expect(run.out).toMatch(/core-imports-only.*src\/core\/clock\.ts → src\/server\/route\.ts/);
    expect(run.out).toMatch(
      /storage-internals-stay-inside.*src\/server\/route\.ts → src\/storage\/parquet\/layout\.ts/,
    );
    expect(run.out).toMatch(/no-circular/);
  });
});
