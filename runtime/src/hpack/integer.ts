/** HPACK prefix integers (RFC 7541 §5.1), bounded so a hostile peer cannot overflow them. */

/** Largest integer we decode: far above any table index, string length or table size we allow. */
export const MAX_INTEGER = 0x0fffffff;

/**
 * The integer whose N-bit prefix starts at `bytes[at]`: [value, next offset], or a string
 * saying why not.
 */
export function decodeInteger(bytes: Uint8Array, at: number, prefixBits: number): [number, number] | string {
  if (at >= bytes.length) return 'integer runs past the end';
  const max = (1 << prefixBits) - 1;
  let v = (bytes[at++] as number) & max;
  if (v < max) return [v, at];
  let shift = 0;
  for (;;) {
    if (at >= bytes.length) return 'integer runs past the end';
    const b = bytes[at++] as number;
    v += (b & 0x7f) * 2 ** shift;
    if (v > MAX_INTEGER) return `integer larger than ${MAX_INTEGER}`;
    if (b < 0x80) return [v, at];
    shift += 7;
  }
}

/** Append `value` with an N-bit prefix; `first` holds the bits above the prefix. */
export function encodeInteger(out: number[], value: number, prefixBits: number, first: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}
