/** @module Splits a stream of CSV bytes into lines without copying them (only a line cut by a chunk edge is copied). */

/** Receives one line: `bytes[start, end)`, without its line break. */
export type LineHandler = (bytes: Uint8Array, start: number, end: number) => void;

/**
 * Feeds whole lines of a byte stream to a handler, in order. A line cut by
 * a chunk edge is copied once, joined with its rest; every other line is
 * handed over where it lies in its chunk.
 */
export class CsvLines {
  #carry: Uint8Array | undefined;

  constructor(private readonly onLine: LineHandler) {}

  /** Takes the next chunk of bytes. */
  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.#carry !== undefined) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.#carry = concat(this.#carry, chunk);
        return;
      }
      const line = concat(this.#carry, chunk.subarray(0, nl));
      this.#carry = undefined;
      this.#line(line, 0, line.length);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    const onLine = this.onLine;
    let start = from;
    while (start <= last) {
      const nl = chunk.indexOf(10, start);
      const end = nl > start && chunk[nl - 1] === 13 ? nl - 1 : nl;
      if (end > start) onLine(chunk, start, end);
      start = nl + 1;
    }
    if (start < chunk.length) this.#carry = chunk.slice(start);
  }

  /** Ends the stream: a last line without a line break counts too. */
  end(): void {
    const carry = this.#carry;
    this.#carry = undefined;
    if (carry !== undefined) this.#line(carry, 0, carry.length);
  }

  #line(bytes: Uint8Array, start: number, end: number): void {
    const stop = end > start && bytes[end - 1] === 13 ? end - 1 : end;
    if (stop > start) this.onLine(bytes, start, stop);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
