import { access } from 'node:fs/promises';
import type { Repositories } from '../job.js';
import { EmbeddedHistoryRepository } from './history-repository.js';
import { EmbeddedJobRepository } from './job-repository.js';
import { ensureDir, stateDirOf } from './state-dir.js';
import { EmbeddedSymbolRepository } from './symbol-repository.js';

/** Opens the embedded repositories under `{dataDir}/.gapless/`, creating it. */
export async function openEmbeddedRepositories(
  dataDir: string,
  options: { nowMs?: () => number } = {},
): Promise<Repositories & { readonly jobs: EmbeddedJobRepository }> {
  const dir = stateDirOf(dataDir);
  await ensureDir(dir);
  const jobs = new EmbeddedJobRepository(dir, options.nowMs);
  await jobs.open();
  return {
    mode: 'embedded',
    jobs,
    symbols: new EmbeddedSymbolRepository(dir, options.nowMs),
    history: new EmbeddedHistoryRepository(dir),
    async ping() {
      try {
        await access(dir);
        return true;
      } catch {
        return false;
      }
    },
    close: () => jobs.close(),
  };
}
