import type { Context } from 'hono';
import type { z } from 'zod';
import { clip } from '../core/clip.js';
import { InvalidArgumentError } from '../core/errors.js';
import { httpError } from './http-errors.js';

/** Describes the first zod issue as `field: problem`, naming the field. */
export function describeIssues(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${where}: invalid`;
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${clip(k)}'`).join(', ');
    return `${where}${path === '' ? '' : ` ${path}`}: unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  return `${where}${path === '' ? '' : ` field '${clip(path)}'`}: ${clip(issue.message, 200)}`;
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidArgumentError(describeIssues(result.error, where), 'BAD_REQUEST');
  }
  return result.data;
}

/**
 * The query string parsed by a strict zod schema. A parameter given twice is
 * refused: it is never clear which one the client meant.
 */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const entries = Object.entries(c.req.queries()).map(([key, values]) => {
    if (values.length > 1) {
      throw new InvalidArgumentError(
        `query parameter '${clip(key)}' given more than once`,
        'BAD_REQUEST',
      );
    }
    return [key, values[0] ?? ''] as const;
  });
  // fromEntries makes own properties, so `?__proto__=1` is an unknown field, not a prototype.
  return parseWith(schema, Object.fromEntries(entries), 'query');
}

/**
 * The JSON body parsed by a strict zod schema: 415 for a non-JSON content
 * type, 400 for malformed JSON or a field of the wrong type.
 */
export async function parseJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S>> {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw httpError(415, `expected Content-Type application/json, got '${clip(type)}'`);
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(
      `body is not valid JSON: ${clip((error as Error).message, 120)}`,
      'BAD_JSON',
    );
  }
  return parseWith(schema, body, 'body');
}
