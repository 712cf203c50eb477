/** @module Streams the first entry of a zip out as its bytes arrive: local header, then inflate. */
import { once } from 'node:events';
import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { ArchiveError } from './archive-error.js';

const LOCAL_HEADER = 0x04034b50;
const HEADER_BYTES = 30;

/**
 * Reads the first file of a zip as the zip streams in, without the central
 * directory at its end (Binance's archives hold one CSV each): the local
 * header tells the method and, unless the zip was streamed, the compressed
 * size; the data goes through native inflate and out to `onData`. A zip cut
 * short, or not a zip, is `ARCHIVE_CORRUPT`; an error thrown by `onData`
 * stops the read and is thrown by `write` or `end`.
 * @example
 * const zip = new ZipEntryReader((csv) => parser.push(csv), 'BTCUSDT-1m-2024-01.zip');
 * for await (const chunk of body) await zip.write(chunk);
 * await zip.end();
 */
export class ZipEntryReader {
  #head: Uint8Array = new Uint8Array(0);
  #started = false;
  #stored = false;
  /** Compressed bytes still to come, when the header says. */
  #remaining = Number.POSITIVE_INFINITY;
  #inflate: InflateRaw | undefined;
  #done: Promise<void> = Promise.resolve();
  #error: unknown;

  constructor(
    private readonly onData: (chunk: Uint8Array) => void,
    private readonly what: string,
  ) {}

  /** Takes the next bytes of the zip; waits while inflate catches up. */
  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    let data = chunk;
    if (!this.#started) {
      const head = new Uint8Array(this.#head.length + chunk.length);
      head.set(this.#head, 0);
      head.set(chunk, this.#head.length);
      const body = this.#header(head);
      if (body === undefined) {
        this.#head = head;
        return;
      }
      data = body;
    }
    if (data.length > this.#remaining) data = data.subarray(0, this.#remaining);
    this.#remaining -= data.length;
    if (data.length === 0) return;
    if (this.#stored) {
      this.#deliver(data);
      this.#throwIfFailed();
      return;
    }
    const inflate = this.#inflate!;
    if (!inflate.write(data)) await Promise.race([once(inflate, 'drain'), this.#done]);
    this.#throwIfFailed();
  }

  /** The zip has ended: resolves once every byte is out, or throws why it cannot be. */
  async end(): Promise<void> {
    this.#throwIfFailed();
    if (!this.#started) throw this.#corrupt('too short to be a zip');
    if (this.#remaining > 0 && this.#remaining !== Number.POSITIVE_INFINITY) {
      throw this.#corrupt(`cut short: ${this.#remaining} compressed bytes missing`);
    }
    if (this.#inflate !== undefined) {
      this.#inflate.end();
      try {
        await this.#done;
      } catch (error) {
        throw this.#error ?? this.#corrupt(`cannot inflate: ${(error as Error).message}`, error);
      }
    }
    this.#throwIfFailed();
  }

  /** Parses the local header once it is all there; returns the data bytes after it. */
  #header(head: Uint8Array): Uint8Array | undefined {
    if (head.length < HEADER_BYTES) return undefined;
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (view.getUint32(0, true) !== LOCAL_HEADER) throw this.#corrupt('not a zip');
    const flags = view.getUint16(6, true);
    const method = view.getUint16(8, true);
    const size = view.getUint32(18, true);
    const skip = HEADER_BYTES + view.getUint16(26, true) + view.getUint16(28, true);
    if (head.length < skip) return undefined;
    if (method !== 0 && method !== 8)
      throw this.#corrupt(`unsupported compression method ${method}`);
    // Bit 3: sizes follow the data (a streamed zip); 0xffffffff: zip64. Inflate then finds the end.
    if ((flags & 8) === 0 && size !== 0xffffffff) this.#remaining = size;
    this.#started = true;
    this.#stored = method === 0;
    if (!this.#stored) {
      // Large output chunks: fewer callbacks and line joins per file.
      const inflate = createInflateRaw({ chunkSize: 256 * 1024 });
      inflate.on('data', (c: Uint8Array) => this.#deliver(c));
      this.#done = new Promise<void>((resolve, reject) => {
        inflate.once('end', resolve);
        inflate.once('error', reject);
      });
      this.#done.catch(() => {});
      this.#inflate = inflate;
    }
    return head.subarray(skip);
  }

  #deliver(chunk: Uint8Array): void {
    if (this.#error !== undefined) return;
    try {
      this.onData(chunk);
    } catch (error) {
      this.#error = error;
      this.#inflate?.destroy(error as Error);
    }
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  #corrupt(detail: string, cause?: unknown): ArchiveError {
    return new ArchiveError('ARCHIVE_CORRUPT', `${this.what}: ${detail}`, { cause });
  }
}
