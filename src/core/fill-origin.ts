/** @module Where a filled range came from: a bulk archive or the exchange's REST API. */
import type { Range } from './range-math.js';

/** The sources a range may be filled from. */
export const FILL_VIAS = ['archive', 'rest'] as const;

/** One of {@link FILL_VIAS}. */
export type FillVia = (typeof FILL_VIAS)[number];

/** A range and the source that filled it, with why when it was not the first choice. */
export interface FillOrigin extends Range {
  readonly via: FillVia;
  /** Why this range came over REST although an archive should have had it (a fault, reported). */
  readonly note?: string | undefined;
}
