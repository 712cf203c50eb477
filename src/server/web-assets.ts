/** @module The web console's built files (`web/` built by Vite into `dist/web/`), held in memory. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One built file, ready to send. */
export interface WebAsset {
  readonly body: Uint8Array;
  /** The same bytes gzip-compressed, when that is smaller. */
  readonly gzip: Uint8Array | undefined;
  readonly contentType: string;
  /** Vite names assets by content hash, so they never change under one URL. */
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
};

// From src/server (tests run the sources), then from dist/src/server (built);
// the source folder web/ also holds an index.html, so the order matters.
const CANDIDATES = ['../../dist/web', '../../web'];

/** The folder holding the built console (`index.html` inside), or undefined when not built. */
export function findWebDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of CANDIDATES) {
    const dir = path.resolve(here, candidate);
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/**
 * Every file of the built console keyed by URL path (`/index.html`,
 * `/assets/index-3f2a.js`). Only these paths are ever served: nothing from
 * the request reaches the file system.
 */
export function loadWebAssets(dir: string): Map<string, WebAsset> {
  const assets = new Map<string, WebAsset>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const relative = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) {
        walk(relative);
        continue;
      }
      const body = readFileSync(path.join(dir, relative));
      const compressed = gzipSync(body, { level: 9 });
      assets.set(`/${relative}`, {
        body,
        gzip: compressed.byteLength < body.byteLength * 0.9 ? compressed : undefined,
        contentType: TYPES[path.extname(entry.name)] ?? 'application/octet-stream',
        immutable: relative.startsWith('assets/'),
      });
    }
  };
  walk('');
  return assets;
}
