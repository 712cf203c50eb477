import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type BundledFile, BundleReader, parseBundle } from './day-file-bundle.js';

function frame(date: string, bytes: Uint8Array, sha256?: string): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      date,
      size_bytes: bytes.length,
      sha256: sha256 ?? createHash('sha256').update(bytes).digest('hex'),
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, bytes]);
}

describe('parseBundle', () => {
  it('splits files and checks each against its hash', () => {
    const a = Buffer.from('first file');
    const b = Buffer.from('second');
    const files = parseBundle(Buffer.concat([frame('2024-01-01', a), frame('2024-01-02', b)]), 'u');
    expect([...files.keys()]).toEqual(['2024-01-01', '2024-01-02']);
    expect(Buffer.concat(files.get('2024-01-02')!.parts).toString()).toBe('second');
    expect(parseBundle(new Uint8Array(0), 'u').size).toBe(0);
  });

  it('refuses truncated and tampered bundles as retryable source errors', () => {
    const good = frame('2024-01-01', Buffer.from('data'));
    expect(() => parseBundle(good.subarray(0, good.length - 1), 'u')).toThrow(
      'u answered a damaged bundle (2024-01-01 is truncated)',
    );
    expect(() => parseBundle(frame('2024-01-01', Buffer.from('x'), 'f'.repeat(64)), 'u')).toThrow(
      '(2024-01-01 fails its hash)',
    );
    expect(() => parseBundle(good.subarray(0, 2), 'u')).toThrow('truncated header length');
  });

  it('gives the same files whatever cuts the bytes arrive in, empty files included', () => {
    const files = [
      ['2024-01-01', Buffer.from('first file')],
      ['2024-01-02', Buffer.alloc(0)],
      ['2024-01-03', Buffer.from('the third one')],
    ] as const;
    const body = Buffer.concat(files.map(([day, bytes]) => frame(day, bytes)));
    const whole = (got: Map<string, BundledFile>) =>
      [...got].map(([day, f]) => [day, Buffer.concat(f.parts).toString(), f.size]);
    const expected = files.map(([day, bytes]) => [day, bytes.toString(), bytes.length]);
    for (const step of [1, 2, 3, 7, 50]) {
      const reader = new BundleReader('u');
      const got = new Map<string, BundledFile>();
      for (let at = 0; at < body.length; at += step) {
        reader.push(body.subarray(at, at + step), (day, f) => got.set(day, f));
      }
      reader.end();
      expect(whole(got)).toEqual(expected);
    }
  });
});
