/** @module The wire shape of one `GET /data/backfill/index` entry: what the server sends and a client reads. */

/** One manifest entry: a day file the server holds. */
export interface ManifestEntry {
  /** Relative to the data dir, `/`-separated and URL-ready: GET `/data/backfill/{path}`. */
  readonly path: string;
  readonly records: number;
  readonly size_bytes: number;
  /** UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** Hex SHA-256 of the file's bytes; a client's copy is current while it matches. */
  readonly sha256: string;
}
