/** @module How CLI commands open what they need: config from flags, env and file, then a runtime. */
import { type DataRuntime, openDataRuntime, openRuntime, type Runtime } from '../app/runtime.js';
import { loadConfig } from '../config/load-config.js';

/** Flags every command shares. */
export interface CommonFlags {
  config?: string;
  dataDir?: string;
}

/** Loads the configuration and opens the store, feeds and engine (no jobs). */
export function openApp(flags: CommonFlags): Promise<DataRuntime> {
  return openDataRuntime(loadConfig({ path: flags.config, dataDir: flags.dataDir }));
}

/** Like {@link openApp}, plus repositories and the job service (no worker, no scheduler). */
export function openAppWithJobs(flags: CommonFlags): Promise<Runtime> {
  return openRuntime(loadConfig({ path: flags.config, dataDir: flags.dataDir }), {
    worker: false,
    scheduler: false,
  });
}
