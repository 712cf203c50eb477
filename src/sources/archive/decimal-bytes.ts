/** @module Numbers read straight from CSV bytes, without making a string per field. */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_DIGITS = 15;

/**
 * Reads the decimal number starting at `i` (`-12.345`, `42`) into `out[at]`
 * and returns the index of the byte after it. A whole number up to 2^53 is
 * exact as read; up to 15 significant digits a fraction is the digits as an
 * integer divided by a power of ten: both are exact doubles, so the one
 * rounding of the division gives exactly what `Number(text)` gives (Clinger's
 * fast path). Longer numbers and exponents take `Number(text)` itself.
 * Stores NaN when no digit is there.
 *
 * Why into an array: a double returned from a call the compiler does not
 * inline is boxed on the heap, some 40 million of them for five years of
 * three symbols; an index (a small integer) is not.
 */
export function readDecimalInto(
  bytes: Uint8Array,
  i: number,
  end: number,
  out: Float64Array,
  at: number,
): number {
  const start = i;
  let negative = false;
  if (bytes[i] === 45) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  const next = bytes[i];
  // Whole numbers are exact up to 2^53 (microsecond times have 16 digits); fractions up to 15 digits.
  const exact =
    scale === 0 ? mantissa <= Number.MAX_SAFE_INTEGER : digits <= MAX_DIGITS && scale <= 22;
  if (!exact || next === 101 || next === 69) return slow(bytes, start, end, out, at);
  if (i === start || (negative && i === start + 1)) out[at] = Number.NaN;
  else {
    const value = scale === 0 ? mantissa : mantissa / POW10[scale]!;
    out[at] = negative ? -value : value;
  }
  return i;
}

function slow(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Float64Array,
  at: number,
): number {
  let i = start;
  while (i < end && bytes[i] !== 44 && bytes[i] !== 10 && bytes[i] !== 13) i++;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('latin1');
  out[at] = text === '' ? Number.NaN : Number(text);
  return i;
}
