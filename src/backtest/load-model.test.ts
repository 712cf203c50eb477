import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model.js';

describe('loadModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gapless-bt-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, code: string) => {
    const path = join(dir, name);
    writeFileSync(path, code);
    return path;
  };

  it('finds named exports, a default object, a default class and a default factory', async () => {
    const shapes = {
      'named.mjs': 'export function tick() {}\nexport function predict() { return 1; }\n',
      'object.mjs': 'export default { tick() {}, predict() { return 2; } };\n',
      'class.mjs': 'export default class M { tick() {} predict() { return 3; } }\n',
      'factory.mjs': 'export default () => ({ tick() {}, predict: () => 4 });\n',
    };
    const answers = [];
    for (const [name, code] of Object.entries(shapes)) {
      const model = await loadModel(file(name, code));
      answers.push(model.predict({ subject: 'X', resolveHorizonSeconds: 60, stepSeconds: 60 }));
    }
    expect(answers).toEqual([1, 2, 3, 4]);
  });

  it('says what is missing, in one line', async () => {
    await expect(loadModel(file('tick-only.mjs', 'export function tick() {}\n'))).rejects.toThrow(
      /^model .*tick-only\.mjs has no predict function \(a model needs tick\(data\) and predict\(scope\)\)$/,
    );
    await expect(loadModel(file('empty.mjs', 'export const x = 1;\n'))).rejects.toThrow(
      /has no tick and predict function/,
    );
    await expect(loadModel(file('broken.mjs', 'export default {'))).rejects.toThrow(
      /^cannot load model .*broken\.mjs: /,
    );
    await expect(loadModel(join(dir, 'absent.mjs'))).rejects.toThrow(/does not exist$/);
  });
});
