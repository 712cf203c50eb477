// Compact protocol type ids.
const TRUE = 1;
const FALSE = 2;
const I32 = 5;
const I64 = 6;
const BINARY = 8;
const LIST = 9;
const STRUCT = 12;

const encoder = new TextEncoder();

/**
 * Writes Thrift structs in the compact protocol: the encoding of Parquet page
 * headers and footers. Fields must be written in increasing id order within
 * each struct, as the generated Thrift code does.
 * @example
 * const w = new CompactWriter();
 * w.i32(1, 0).i32(2, 1024).end();
 * w.bytes(); // a PageHeader's first two fields and its stop byte
 */
export class CompactWriter {
  #buffer = new Uint8Array(512);
  #length = 0;
  // Last field id of each open struct: compact field headers hold the delta.
  readonly #lastIds: number[] = [0];

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** An `i32` (or enum) field. */
  i32(id: number, value: number): this {
    this.#field(id, I32);
    this.#varint(zigzag(value));
    return this;
  }

  /** An `i64` field; exact up to 2^52 in magnitude. */
  i64(id: number, value: number): this {
    this.#field(id, I64);
    this.#varint(zigzag(value));
    return this;
  }

  /** A `bool` field. */
  bool(id: number, value: boolean): this {
    this.#field(id, value ? TRUE : FALSE);
    return this;
  }

  /** A `binary` field. */
  binary(id: number, value: Uint8Array): this {
    this.#field(id, BINARY);
    this.#binaryValue(value);
    return this;
  }

  /** A `string` field, UTF-8 encoded. */
  string(id: number, value: string): this {
    return this.binary(id, encoder.encode(value));
  }

  /** A struct field whose fields `body` writes. */
  struct(id: number, body: (w: this) => void): this {
    this.#field(id, STRUCT);
    this.#structValue(body);
    return this;
  }

  /** A `list<i32>` (or list of enums) field. */
  i32List(id: number, values: readonly number[]): this {
    this.#listHeader(id, I32, values.length);
    for (const value of values) this.#varint(zigzag(value));
    return this;
  }

  /** A `list<string>` field. */
  stringList(id: number, values: readonly string[]): this {
    this.#listHeader(id, BINARY, values.length);
    for (const value of values) this.#binaryValue(encoder.encode(value));
    return this;
  }

  /** A list-of-structs field, each element written by `body`. */
  structList<T>(id: number, items: readonly T[], body: (w: this, item: T) => void): this {
    this.#listHeader(id, STRUCT, items.length);
    for (const item of items) this.#structValue((w) => body(w, item));
    return this;
  }

  /** Ends the top-level struct. */
  end(): this {
    this.#byte(0);
    return this;
  }

  #structValue(body: (w: this) => void): void {
    this.#lastIds.push(0);
    body(this);
    this.#byte(0);
    this.#lastIds.pop();
  }

  #field(id: number, type: number): void {
    const last = this.#lastIds.length - 1;
    const delta = id - this.#lastIds[last]!;
    if (delta > 0 && delta <= 15) this.#byte((delta << 4) | type);
    else {
      this.#byte(type);
      this.#varint(zigzag(id));
    }
    this.#lastIds[last] = id;
  }

  #listHeader(id: number, elementType: number, size: number): void {
    this.#field(id, LIST);
    if (size < 15) this.#byte((size << 4) | elementType);
    else {
      this.#byte(0xf0 | elementType);
      this.#varint(size);
    }
  }

  #binaryValue(value: Uint8Array): void {
    this.#varint(value.length);
    this.#ensure(value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
  }

  // Unsigned LEB128; arithmetic rather than bit operators so values past 2^31 stay exact.
  #varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.#byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.#byte(v);
  }

  #byte(value: number): void {
    this.#ensure(1);
    this.#buffer[this.#length++] = value;
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + extra));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}
