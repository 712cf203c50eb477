import { InvalidArgumentError } from '../core/errors.js';

/** Checks an integer option (p-queue style message) and returns it or its default. */
export function checkInt(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be an integer >= ${min}, got \`${String(value)}\``,
    );
  }
  return value;
}

/** Checks a ratio option in [0, 1] and returns it or its default. */
export function checkRatio(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a number from 0 to 1, got \`${String(value)}\``,
    );
  }
  return value;
}
