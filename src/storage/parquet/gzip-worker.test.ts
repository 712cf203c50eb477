import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipPages } from './gzip-worker.js';

const page = (seed: number, size: number) =>
  Uint8Array.from({ length: size }, (_, i) => (i * seed + (i >> 7)) & 0xff);

describe('gzipPages', () => {
  it('gives each caller its own pages back compressed, and takes the inputs', async () => {
    const inputs = Array.from({ length: 24 }, (_, k) => [page(k + 1, 11_520), page(k + 7, 300)]);
    const copies = inputs.map((pages) => pages.map((p) => p.slice()));
    const outputs = await Promise.all(inputs.map((pages) => gzipPages(pages)));
    outputs.forEach((out, k) => {
      expect(out.map((o) => new Uint8Array(gunzipSync(o)))).toEqual(copies[k]);
    });
    // Moved, not copied, to the compression thread.
    expect(inputs[0]![0]!.byteLength).toBe(0);
  });

  it('refuses pages that share a buffer, and serves the next call', async () => {
    const shared = new Uint8Array(64);
    await expect(gzipPages([shared.subarray(0, 32), shared.subarray(32)])).rejects.toThrow(
      /compression thread/,
    );
    const [z] = await gzipPages([new Uint8Array(10).fill(3)]);
    expect(Array.from(gunzipSync(z!))).toEqual(Array(10).fill(3));
  });

  it('works in a process whose flags make evaluated code a module', () => {
    const url = new URL('./gzip-worker.ts', import.meta.url).href;
    // Built output when the suite runs from dist; the source compiles on the fly under vitest.
    const target = url.endsWith('.ts')
      ? fileURLToPath(new URL('../../../dist/src/storage/parquet/gzip-worker.js', import.meta.url))
      : fileURLToPath(url);
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { gzipPages } = await import(${JSON.stringify(target)});
         const [z] = await gzipPages([new Uint8Array(1000).fill(7)]);
         const { gunzipSync } = await import('node:zlib');
         process.stdout.write(String(gunzipSync(z).length));`,
      ],
      { encoding: 'utf8' },
    );
    expect(out).toBe('1000');
  });
});
