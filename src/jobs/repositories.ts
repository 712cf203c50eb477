import type { GaplessConfig } from '../config/schema.js';
import { openEmbeddedRepositories } from './embedded/open.js';
import type { Repositories } from './job.js';
import { openPostgresRepositories } from './postgres/open.js';

/** Options of {@link openRepositories}. */
export interface OpenRepositoriesOptions {
  /** Clock of the embedded backend (PostgreSQL uses the database clock); default `Date.now`. */
  readonly nowMs?: () => number;
}

/**
 * Opens PostgreSQL when `config.database_url` is set (migrations applied),
 * else embedded JSON files under `{data_dir}/.gapless/`.
 * @example
 * const repos = await openRepositories(loadConfig());
 * const { jobs } = await repos.jobs.list({ limit: 20, offset: 0 });
 */
export async function openRepositories(
  config: GaplessConfig,
  options: OpenRepositoriesOptions = {},
): Promise<Repositories> {
  if (config.database_url !== undefined) return openPostgresRepositories(config.database_url);
  return openEmbeddedRepositories(config.data_dir, options);
}
