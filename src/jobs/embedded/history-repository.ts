import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StorageError } from '../../core/errors.js';
import { asDiskFull } from '../../storage/index.js';
import type { BackfillHistoryEntry, HistoryRepository } from '../job.js';
import { dataDirOfState, stateLocks } from './state-dir.js';

const entrySchema = z.object({
  symbol: z.string(),
  backfillTimestamp: z.number(),
  recordsImported: z.number(),
  success: z.boolean(),
  errorDetails: z.string().nullable(),
});

/**
 * Scheduled-run outcomes appended to `{data_dir}/.gapless/backfill_history.jsonl`,
 * one JSON object a line. A line cut short by a crash is skipped when read.
 */
export class EmbeddedHistoryRepository implements HistoryRepository {
  readonly #file: string;
  readonly #dataDir: string;

  constructor(stateDir: string) {
    this.#file = path.join(stateDir, 'backfill_history.jsonl');
    this.#dataDir = dataDirOfState(stateDir);
  }

  record(entry: BackfillHistoryEntry): Promise<void> {
    const line = `${JSON.stringify(entrySchema.parse(entry))}\n`;
    return stateLocks.run(this.#file, async () => {
      try {
        await appendFile(this.#file, line);
      } catch (error) {
        throw asDiskFull(
          new StorageError(`cannot append to ${this.#file}`, { cause: error }),
          this.#dataDir,
        );
      }
    });
  }

  async list(options: { limit: number; symbol?: string }): Promise<BackfillHistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StorageError(`cannot read ${this.#file}`, { cause: error });
    }
    const entries: { entry: BackfillHistoryEntry; line: number }[] = [];
    text.split('\n').forEach((raw, line) => {
      if (raw.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        return; // a line torn by a crash mid-append
      }
      const parsed = entrySchema.safeParse(value);
      if (!parsed.success) return;
      if (options.symbol !== undefined && parsed.data.symbol !== options.symbol) return;
      entries.push({ entry: parsed.data, line });
    });
    return entries
      .sort((a, b) => b.entry.backfillTimestamp - a.entry.backfillTimestamp || b.line - a.line)
      .slice(0, options.limit)
      .map((e) => e.entry);
  }
}
