import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zipOne } from '../../sim/zip-writer.js';
import { ArchiveError } from './archive-error.js';
import { ZipEntryReader } from './zip-entry-reader.js';

const TEXT = Buffer.from('1704067200000,1,2,0.5,1.5,10,1704067259999,0,1,0,0,0\n'.repeat(5_000));

async function unzip(zip: Uint8Array, chunkBytes: number): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const reader = new ZipEntryReader((c) => out.push(Buffer.from(c)), 'test.zip');
  for (let i = 0; i < zip.length; i += chunkBytes)
    await reader.write(zip.subarray(i, i + chunkBytes));
  await reader.end();
  return Buffer.concat(out);
}

/** A zip as a streaming writer makes it: sizes after the data (flag bit 3). */
function streamedZip(): Buffer {
  const data = deflateRawSync(TEXT);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(8, 6);
  header.writeUInt16LE(8, 8);
  header.writeUInt16LE(5, 26);
  return Buffer.concat([header, Buffer.from('a.csv'), data, Buffer.alloc(16)]);
}

async function failure(promise: Promise<unknown>): Promise<ArchiveError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ArchiveError);
    return error as ArchiveError;
  }
  throw new Error('expected a failure');
}

describe('ZipEntryReader', () => {
  it('streams the entry of a zip out, whatever the chunking', async () => {
    const zip = zipOne('a.csv', TEXT);
    for (const chunk of [29, 31, 1000, zip.length]) expect(await unzip(zip, chunk)).toEqual(TEXT);
  });

  it('reads streamed zips, with sizes after the data', async () => {
    expect(await unzip(streamedZip(), 777)).toEqual(TEXT);
  });

  it('says ARCHIVE_CORRUPT for a cut zip, and for bytes that are no zip', async () => {
    const zip = zipOne('a.csv', TEXT);
    const cut = await failure(unzip(zip.subarray(0, Math.floor(zip.length / 2)), 4096));
    expect(cut.code).toBe('ARCHIVE_CORRUPT');
    expect((await failure(unzip(Buffer.from('<html>not found</html>'.repeat(3)), 10))).code).toBe(
      'ARCHIVE_CORRUPT',
    );
    expect((await failure(unzip(Buffer.alloc(10), 10))).code).toBe('ARCHIVE_CORRUPT');
  });

  it('stops at the first error of its consumer and throws it', async () => {
    const reader = new ZipEntryReader(() => {
      throw new Error('bad row');
    }, 'test.zip');
    const zip = zipOne('a.csv', TEXT);
    await expect(
      (async () => {
        for (let i = 0; i < zip.length; i += 512) await reader.write(zip.subarray(i, i + 512));
        await reader.end();
      })(),
    ).rejects.toThrow('bad row');
  });
});
