import { expect } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/core/errors.js';

/** The one-line message `parseConfig` refuses `input` with (fails the test when it accepts it). */
export function configError(input: unknown): string {
  try {
    parseConfig(input, 'gapless.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
