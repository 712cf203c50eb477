/**
 * @module Archive CSV written straight into bytes: a month of 1m klines is
 * ~4 MB of text, and building it as strings (a template per row, then one
 * big string per day) took 60 % of the sim's time to make an archive file.
 */

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
// 10^0 .. 10^15: a safe integer has at most 16 digits.
const POW10_16 = Array.from({ length: 16 }, (_, k) => 10 ** k);
const GRID_STEPS = 2 ** 48;
const COMMA = 0x2c;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * A growing buffer of CSV text. Numbers come out exactly as `String(n)`
 * writes them; the common case (a whole number, or a decimal of at most
 * `places` digits that is the double nearest to itself) is written digit by
 * digit, anything else goes through `String`.
 * @example
 * const csv = new CsvWriter();
 * csv.int(1704067200000).comma().number(42000.5, 2).newline();
 * csv.bytes().toString(); // '1704067200000,42000.5\n'
 */
export class CsvWriter {
  #buf: Buffer;
  #at = 0;

  constructor(capacity = 1 << 16) {
    this.#buf = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** Appends `text` (for headers and words; numbers have their own methods). */
  text(text: string): this {
    this.#room(Buffer.byteLength(text));
    this.#at += this.#buf.write(text, this.#at);
    return this;
  }

  /** Appends `,`. */
  comma(): this {
    this.#room(1);
    this.#buf[this.#at++] = COMMA;
    return this;
  }

  /** Appends a line end. */
  newline(): this {
    this.#room(1);
    this.#buf[this.#at++] = 0x0a;
    return this;
  }

  /** Appends `n` as `String(n)` does. */
  int(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) return this.text(String(n));
    this.#digits(n, 0);
    return this;
  }

  /**
   * Appends `value` as `String(value)` does; fast when it has at most
   * `places` (0 to 8) decimals.
   */
  number(value: number, places: number): this {
    const scale = POW10[places] ?? 1;
    const size = Math.abs(value);
    if (!(size >= 1e-6 && size < 1e21)) return this.text(String(value));
    const scaled = Math.round(size * scale);
    // Digit by digit only where the decimal grid is 16+ doubles apart (at most 2^48 steps):
    // then the one grid point that reads back as `value` is also its shortest text, the
    // text `String` writes. Otherwise (too many digits, or not on the grid) `String` it is.
    if (scaled > GRID_STEPS || scaled / scale !== size) return this.text(String(value));
    const whole = Math.floor(scaled / scale);
    let fraction = scaled - whole * scale;
    if (value < 0) {
      this.#room(1);
      this.#buf[this.#at++] = MINUS;
    }
    this.#digits(whole, 0);
    if (fraction === 0) return this;
    let width = places;
    while (fraction % 10 === 0) {
      fraction /= 10;
      width--;
    }
    this.#room(1);
    this.#buf[this.#at++] = DOT;
    this.#digits(fraction, width);
    return this;
  }

  /** The text so far (a view, not a copy: write nothing more once it is taken). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  // A whole number >= 0, left-padded with zeros to `width` digits.
  #digits(n: number, width: number): void {
    let count = 1;
    while (count < 16 && n >= POW10_16[count]!) count++;
    count = Math.max(count, width);
    this.#room(count);
    let at = this.#at + count;
    for (let left = n, i = 0; i < count; i++) {
      const next = Math.floor(left / 10);
      this.#buf[--at] = ZERO + (left - next * 10);
      left = next;
    }
    this.#at += count;
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + bytes));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}
