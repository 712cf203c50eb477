/** @module A one-entry zip writer for the sim's archives (deflate, sizes in the local header). */
import { crc32, deflateRawSync } from 'node:zlib';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
// 1980-01-01 00:00 in DOS date/time: a fixed stamp keeps the bytes (and checksums) deterministic.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * Zips one file as a standard archive (what `unzip` and Binance's files look
 * like): local header, deflated data, central directory, end record.
 * @example
 * const zip = zipOne('BTCUSDT-1m-2024-01.csv', Buffer.from(csv));
 */
export function zipOne(name: string, data: Uint8Array, level = 1): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const deflated = deflateRawSync(data, { level });
  const crc = crc32(data);
  // The fields local header and central record share: version, flags, method, date, crc, sizes, name.
  const entry = (header: Buffer, at: number) => {
    header.writeUInt16LE(20, at); // version needed
    header.writeUInt16LE(8, at + 4); // deflate
    header.writeUInt16LE(DOS_DATE, at + 8);
    header.writeUInt32LE(crc, at + 10);
    header.writeUInt32LE(deflated.length, at + 14);
    header.writeUInt32LE(data.length, at + 18);
    header.writeUInt16LE(nameBytes.length, at + 22);
  };
  const local = Buffer.alloc(30);
  local.writeUInt32LE(LOCAL, 0);
  entry(local, 4);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(CENTRAL, 0);
  central.writeUInt16LE(20, 4); // made by
  entry(central, 6);
  // Extra, comment, disk, attributes and the local header's offset: all 0.
  const centralOffset = local.length + nameBytes.length + deflated.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, deflated, central, nameBytes, end]);
}
