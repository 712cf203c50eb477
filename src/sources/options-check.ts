import { InvalidArgumentError } from '../core/errors.js';

/**
 * Checks a numeric option and returns it (or its default), p-queue style:
 * "Expected `maxAttempts` to be an integer >= 1, got `0`".
 */
export function checkNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  rule: { min: number; integer?: boolean; max?: number },
): number {
  if (value === undefined) return fallback;
  const kind = rule.integer ? 'an integer' : 'a finite number';
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const bounds = rule.max === undefined ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be ${kind} ${bounds}, got \`${String(value)}\``,
    );
  }
  return value;
}
