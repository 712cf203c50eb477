/** @module The gapless package version, read once from package.json. */
import { readFileSync } from 'node:fs';

/**
 * The version in gapless's package.json (`0.1.0`), whether running from
 * `src/` (tests) or `dist/src/` (the built CLI): the nearest package.json
 * named `gapless` above this file.
 */
export const GAPLESS_VERSION: string = readVersion();

function readVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let up = 0; up < 5; up++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'gapless' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here: look one folder up.
    }
    dir = new URL('..', dir);
  }
  return '0.0.0';
}
