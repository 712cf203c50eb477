import { InvalidArgumentError } from './errors.js';

/** Placeholders a `key_template` may use. */
export const KEY_PLACEHOLDERS = [
  'exchange',
  'exchange_id',
  'suffix',
  'key_suffix',
  'account',
  'api_url',
] as const;

/** One placeholder name. */
export type KeyPlaceholder = (typeof KEY_PLACEHOLDERS)[number];

/** Values to fill a key template with; absent or empty values count as missing. */
export type KeyValues = Partial<Record<KeyPlaceholder, string | undefined>>;

const TOKEN = /\{([^{}]*)\}/g;
const DELIMITER = /[^A-Za-z0-9{}]/;

interface Part {
  text: string;
  name?: KeyPlaceholder;
  optional?: boolean;
}

/**
 * Splits a template into text and placeholders; throws `InvalidArgumentError`
 * naming an unknown placeholder or a stray brace.
 */
export function parseKeyTemplate(template: string): readonly Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const match of template.matchAll(TOKEN)) {
    const text = template.slice(at, match.index);
    checkText(template, text);
    if (text !== '') parts.push({ text });
    const raw = match[1] ?? '';
    const optional = raw.endsWith('?');
    const name = optional ? raw.slice(0, -1) : raw;
    if (!(KEY_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(
        `Expected \`key_template\` placeholders from {${KEY_PLACEHOLDERS.join('}, {')}} (optional with ?), got \`{${raw}}\` in \`${template}\``,
      );
    }
    parts.push({ text: '', name: name as KeyPlaceholder, optional });
    at = match.index + match[0].length;
  }
  const rest = template.slice(at);
  checkText(template, rest);
  if (rest !== '') parts.push({ text: rest });
  return parts;
}

function checkText(template: string, text: string): void {
  if (text.includes('{') || text.includes('}')) {
    throw new InvalidArgumentError(
      `Expected \`key_template\` to use balanced {placeholders}, got \`${template}\``,
    );
  }
}

/**
 * Fills a limiter key template. `{suffix}` is another name for
 * `{key_suffix}`. A placeholder written `{name?}` may be missing: it is left
 * out together with the delimiter characters just before it (or, at the start
 * of the key, just after it). A missing required placeholder is an error.
 * @example
 * renderKeyTemplate('ccxt:{exchange}:{account?}', { exchange: 'binance' }); // 'ccxt:binance'
 * renderKeyTemplate('ccxt:{exchange}:{account?}', { exchange: 'binance', account: 'main' }); // 'ccxt:binance:main'
 */
export function renderKeyTemplate(template: string, values: KeyValues): string {
  const out: { text: string; literal: boolean }[] = [];
  let dropLeading = false;
  for (const part of parseKeyTemplate(template)) {
    if (part.name === undefined) {
      out.push({ text: dropLeading ? trimLeadingDelimiters(part.text) : part.text, literal: true });
      dropLeading = false;
      continue;
    }
    const value = lookUp(values, part.name);
    if (value !== undefined) {
      out.push({ text: value, literal: false });
      dropLeading = false;
    } else if (part.optional) {
      const last = out.at(-1);
      // Only literal text is trimmed: a value that ends in `/` or `:` stays whole.
      if (last?.literal) last.text = trimTrailingDelimiters(last.text);
      // Nothing before it: the key starts here, so drop the delimiters after it instead.
      dropLeading = out.every((segment) => segment.text === '');
    } else {
      throw new InvalidArgumentError(
        `key_template \`${template}\` needs a value for {${part.name}} (write {${part.name}?} to make it optional)`,
      );
    }
  }
  const key = out.map((segment) => segment.text).join('');
  if (key === '') {
    throw new InvalidArgumentError(`key_template \`${template}\` rendered an empty key`);
  }
  return key;
}

function lookUp(values: KeyValues, name: KeyPlaceholder): string | undefined {
  const value =
    name === 'suffix' || name === 'key_suffix'
      ? (values.key_suffix ?? values.suffix)
      : values[name];
  return value === undefined || value === '' ? undefined : value;
}

function trimTrailingDelimiters(text: string): string {
  let end = text.length;
  while (end > 0 && DELIMITER.test(text[end - 1] ?? '')) end--;
  return text.slice(0, end);
}

function trimLeadingDelimiters(text: string): string {
  let start = 0;
  while (start < text.length && DELIMITER.test(text[start] ?? '')) start++;
  return text.slice(start);
}
