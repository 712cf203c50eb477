import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTempName, removeStaleTempFiles, tempPathFor, writeFileAtomic } from './atomic-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gapless-atomic-'));
  dirs.push(dir);
  return dir;
}

describe('atomic files', () => {
  it('makes temp names no *.parquet glob matches', () => {
    const temp = path.basename(tempPathFor('/x/2024-01-01.parquet'));
    expect(temp).toMatch(/^\.2024-01-01\.parquet\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(temp.endsWith('.parquet')).toBe(false);
    expect(isTempName(temp)).toBe(true);
    expect(isTempName('2024-01-01.parquet')).toBe(false);
  });

  it('writes atomically and leaves no temp behind', async () => {
    const dir = tmp();
    await writeFileAtomic(path.join(dir, 'a.json'), '{"a":1}');
    await writeFileAtomic(path.join(dir, 'a.json'), '{"a":2}');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('removes stale temp files of dead processes and old ones, keeps the rest', async () => {
    const dir = tmp();
    const nested = path.join(dir, 's', 'x', 'candle', '1m');
    mkdirSync(nested, { recursive: true });
    const dead = path.join(nested, '.2024-01-01.parquet.999999999.abcdefabcdef.tmp');
    const mineFresh = path.join(nested, `.2024-01-02.parquet.${process.pid}.abcdefabcdef.tmp`);
    const mineOld = path.join(nested, `.2024-01-03.parquet.${process.pid}.abcdefabcdef.tmp`);
    const data = path.join(nested, '2024-01-01.parquet');
    for (const f of [dead, mineFresh, mineOld, data]) writeFileSync(f, 'x');
    utimesSync(mineOld, new Date(0), new Date(0));
    const removed = await removeStaleTempFiles(dir);
    expect(removed.sort()).toEqual([dead, mineOld].sort());
    expect(readdirSync(nested).sort()).toEqual(
      [path.basename(data), path.basename(mineFresh)].sort(),
    );
  });
});
