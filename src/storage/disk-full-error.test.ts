import { describe, expect, it } from 'vitest';
import { StorageError } from '../core/errors.js';
import { asDiskFull, DiskFullError, diskFullCode } from './disk-full-error.js';

const errno = (code: string) => Object.assign(new Error(`${code}: failed, write`), { code });

describe('a full disk', () => {
  it('is found by errno code anywhere in the cause chain, or in DuckDB words', () => {
    expect(diskFullCode(errno('ENOSPC'))).toBe('ENOSPC');
    expect(diskFullCode(new StorageError('cannot write x', { cause: errno('EDQUOT') }))).toBe(
      'EDQUOT',
    );
    expect(
      diskFullCode(new Error('IO Error: Could not write file "x.tmp": No space left on device')),
    ).toBe('ENOSPC');
    expect(diskFullCode(new StorageError('cannot write x', { cause: errno('EROFS') }))).toBe(
      undefined,
    );
    expect(diskFullCode('ENOSPC')).toBe(undefined);
    const loop: { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(diskFullCode(loop)).toBe(undefined);
  });

  it('becomes one storage error naming the data dir and the cause; others pass unchanged', () => {
    const cause = new StorageError('cannot write /d/x.parquet', { cause: errno('ENOSPC') });
    const error = asDiskFull(cause, '/d');
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as DiskFullError).message).toBe(
      'disk full: no space left on device writing data dir /d (ENOSPC)',
    );
    expect((error as DiskFullError).code).toBe('DISK_FULL');
    expect((error as DiskFullError).category).toBe('storage');
    expect((error as DiskFullError).cause).toBe(cause);
    expect(asDiskFull(error, '/elsewhere')).toBe(error);
    const other = new StorageError('cannot write x', { cause: errno('EACCES') });
    expect(asDiskFull(other, '/d')).toBe(other);
  });
});
