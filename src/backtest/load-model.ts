/** @module Loads a model from a JavaScript module file, as the CLI's `--model` does. */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';
import { asModel, type Model } from './model.js';

/**
 * Imports `file` and finds its model: named `tick` and `predict` exports, a
 * default export with both, or a default export class (or factory) whose
 * instance has both. Throws `InvalidArgumentError` (`BAD_MODEL`) in one line.
 */
export async function loadModel(file: string): Promise<Model> {
  const full = path.resolve(file);
  try {
    await access(full);
  } catch {
    throw new InvalidArgumentError(`model file ${file} does not exist`, 'BAD_MODEL');
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new InvalidArgumentError(`cannot load model ${file}: ${why}`, 'BAD_MODEL', { cause });
  }
  const what = `model ${file}`;
  if (typeof mod.tick === 'function' || typeof mod.predict === 'function') {
    return asModel(mod, what);
  }
  const main = mod.default;
  if (typeof main === 'function' && !isModelLike(main)) {
    const made: unknown = isClass(main)
      ? new (main as new () => unknown)()
      : (main as () => unknown)();
    return asModel(await made, what);
  }
  if (main !== undefined) return asModel(main, what);
  return asModel(mod, what);
}

function isModelLike(value: object): boolean {
  const m = value as Record<string, unknown>;
  return typeof m.tick === 'function' && typeof m.predict === 'function';
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
