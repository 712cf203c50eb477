/** @module Small tmpfs mounts for full-disk tests: only root may mount them. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mounts a tmpfs of `size` (`3m`, `64k`: mount's units) on the existing, empty `dir`. */
export function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Grows (or shrinks) a mounted tmpfs in place; its files stay. */
export function resizeTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir], { stdio: 'pipe' });
}

/** Unmounts `dir`; a mount still in use is detached lazily. */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

/**
 * Whether this process may mount a tmpfs (root, and a kernel and container
 * that allow it): tried once on a scratch dir. When it may not, suites skip
 * with a visible message; with `GAPLESS_REQUIRE_SERVICES=1` (CI) that is a failure.
 */
export function tmpfsAvailable(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'gapless-tmpfs-probe-'));
  try {
    if (process.getuid?.() !== 0) throw new Error('not root');
    mountTmpfs(probe, '64k');
    unmountTmpfs(probe);
    return true;
  } catch (error) {
    const why =
      String((error as { stderr?: unknown }).stderr ?? '').trim() || (error as Error).message;
    if (process.env.GAPLESS_REQUIRE_SERVICES === '1') {
      throw new Error(`mounting a tmpfs is required for the full-disk tests but failed: ${why}`);
    }
    console.warn(`SKIPPED: full-disk tests (cannot mount a tmpfs: ${why})`);
    return false;
  } finally {
    rmdirSync(probe);
  }
}
