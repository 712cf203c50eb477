/** @module Shortening user input for one-line messages. */

/** `text` cut to `max` characters with `...`, so a hostile value cannot flood a message or a log. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
