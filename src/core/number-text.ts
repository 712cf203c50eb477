/** @module One way to write a stored double as text, for every text format. */

/**
 * A double as text, the same in CLI CSV and JSON and HTTP CSV and JSON: the
 * shortest text that reads back as the same double (`1e-7`, `1e+21`, what
 * `String` gives), `-0` kept as `-0` (Parquet keeps it, and `JSON.parse('-0')`
 * gives it back), and no text (`null`) for NaN and infinities, which JSON
 * cannot hold: they mean "no value".
 * @example
 * numberText(1e21); // '1e+21'
 * numberText(-0); // '-0'
 * numberText(Number.NaN); // null
 */
export function numberText(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  return Object.is(value, -0) ? '-0' : String(value);
}

/** {@link numberText} as a CSV cell: empty when there is no value. */
export function csvNumber(value: number): string {
  return numberText(value) ?? '';
}

/** {@link numberText} as a JSON value: `null` when there is no value. */
export function jsonNumber(value: number): string {
  return numberText(value) ?? 'null';
}
