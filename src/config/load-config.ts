import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { configSchema, type GaplessConfig } from './schema.js';

/** Where the configuration comes from. */
export interface LoadConfigOptions {
  /** Path to the YAML file; default `$GAPLESS_CONFIG` or `./gapless.yaml` when it exists. */
  path?: string | undefined;
  /** Overrides the configured data directory (the `--data-dir` flag). */
  dataDir?: string | undefined;
  /** Environment to read `GAPLESS_CONFIG` and `GAPLESS_DATA_DIR` from. */
  env?: NodeJS.ProcessEnv;
}

/** The feed used when no configuration file exists: the built-in simulated market. */
export const DEFAULT_CONFIG_INPUT = {
  feeds: [
    {
      source: 'sim',
      exchange: 'sim',
      subjects: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'],
      kinds: ['candle'],
      granularities: ['1m'],
    },
  ],
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const at = key === '' ? 'top level' : key.replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return `${at}: ${issue.message}`;
}

/** Validates a parsed configuration object; errors name the key and the problem. */
export function parseConfig(input: unknown, origin = 'configuration'): GaplessConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues.slice(0, 3).map(describeIssue).join('; ');
    throw new ConfigError(`${origin}: ${details}`);
  }
  return deepFreeze(result.data);
}

/**
 * Builds the frozen configuration from the YAML file (if any), the
 * environment and flags. Without a file, the built-in sim feed is used.
 */
export function loadConfig(options: LoadConfigOptions = {}): GaplessConfig {
  const env = options.env ?? process.env;
  const explicit = options.path ?? (env.GAPLESS_CONFIG || undefined);
  const path = resolve(explicit ?? 'gapless.yaml');
  let input: unknown = DEFAULT_CONFIG_INPUT;
  let origin = 'built-in configuration';
  if (explicit !== undefined || existsSync(path)) {
    origin = path;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      input = parseYaml(text) ?? {};
    } catch (error) {
      const line = (error as Error).message.split('\n')[0];
      throw new ConfigError(`${path}: malformed YAML: ${line}`, { cause: error });
    }
  }
  return parseConfig(withEnv(input, options.dataDir, env), origin);
}

type Plain = Record<string, unknown>;

// Environment variables win over the file, flags over both.
function withEnv(input: unknown, dataDirFlag: string | undefined, env: NodeJS.ProcessEnv): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Plain = { ...(input as Plain) };
  const dataDir = dataDirFlag ?? (env.GAPLESS_DATA_DIR || undefined);
  if (dataDir !== undefined) out.data_dir = dataDir;
  if (env.DATABASE_URL) out.database_url = env.DATABASE_URL;
  const section = (key: string): Plain => {
    const value = out[key];
    const copy = typeof value === 'object' && value !== null ? { ...(value as Plain) } : {};
    out[key] = copy;
    return copy;
  };
  if (env.BACKFILL_SCHEDULE_HOUR) section('scheduler').hour = envInt(env, 'BACKFILL_SCHEDULE_HOUR');
  if (env.BACKFILL_SCHEDULE_MINUTE) {
    section('scheduler').minute = envInt(env, 'BACKFILL_SCHEDULE_MINUTE');
  }
  if (env.GAPLESS_API_KEYS) {
    section('server').api_keys = env.GAPLESS_API_KEYS.split(',')
      .map((k) => k.trim())
      .filter(Boolean);
  }
  if (env.GAPLESS_PORT) section('server').port = envInt(env, 'GAPLESS_PORT');
  return out;
}

function envInt(env: NodeJS.ProcessEnv, key: string): number {
  const text = env[key] ?? '';
  if (!/^\d+$/.test(text)) throw new ConfigError(`${key}: expected a whole number, got '${text}'`);
  return Number(text);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
