const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `id` is a well-formed job id (a UUID). Repositories answer "not
 * found" for anything else, so a hostile id never reaches a query or a path.
 */
export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && UUID_RE.test(id);
}
