import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GAPLESS_VERSION } from './version.js';

describe('GAPLESS_VERSION', () => {
  it('is the version in package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(GAPLESS_VERSION).toBe(pkg.version);
  });
});
