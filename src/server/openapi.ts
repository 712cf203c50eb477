/** Placeholder, replaced below. */
export function openApiDocument(): Record<string, unknown> {
  return { openapi: '3.1.0' };
}
