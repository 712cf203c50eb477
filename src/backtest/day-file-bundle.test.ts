import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseBundle } from './day-file-bundle.js';

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
    expect(Buffer.from(files.get('2024-01-02')!.bytes).toString()).toBe('second');
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
});
