/**
 * Byte helpers: host byte order, bounds-checked integer reads, UTF-8 and MAC text.
 *
 * Netlink headers and most attribute payloads are in the host's byte order, which is
 * big-endian on many MIPS routers, so the order is probed once, never assumed.
 */

/** True when this machine stores integers little-endian. */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const TWO_POW_32 = 4294967296;

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}

// The read helpers assume the caller checked `offset + size <= bytes.length`;
// every decoder does that before calling them (DataView would throw otherwise).
export function readU16(view: DataView, offset: number): number {
  return view.getUint16(offset, HOST_LITTLE_ENDIAN);
}
export function readU32(view: DataView, offset: number): number {
  return view.getUint32(offset, HOST_LITTLE_ENDIAN);
}
export function readS32(view: DataView, offset: number): number {
  return view.getInt32(offset, HOST_LITTLE_ENDIAN);
}
/** u64 as a number: exact up to 2^53 (9 PB of counters), which is enough for stats. */
export function readU64(view: DataView, offset: number): number {
  const a = view.getUint32(offset, HOST_LITTLE_ENDIAN);
  const b = view.getUint32(offset + 4, HOST_LITTLE_ENDIAN);
  return HOST_LITTLE_ENDIAN ? b * TWO_POW_32 + a : a * TWO_POW_32 + b;
}

export function writeU64(view: DataView, offset: number, value: number): void {
  const hi = Math.floor(value / TWO_POW_32) >>> 0;
  const lo = value >>> 0;
  view.setUint32(offset, HOST_LITTLE_ENDIAN ? lo : hi, HOST_LITTLE_ENDIAN);
  view.setUint32(offset + 4, HOST_LITTLE_ENDIAN ? hi : lo, HOST_LITTLE_ENDIAN);
}

/** UTF-8 encode (own helper: not every engine build has TextEncoder). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

const NON_ASCII = /[\x80-\xff]/;
const APPLY_CHUNK = 8192;

/** Code units (bytes or UTF-16) to a string; `apply` on a typed array is fast on quickjs-ng. */
function unitsToString(units: Uint8Array | Uint16Array): string {
  let s = '';
  for (let i = 0; i < units.length; i += APPLY_CHUNK) {
    s += String.fromCharCode.apply(null, units.subarray(i, i + APPLY_CHUNK) as unknown as number[]);
  }
  return s;
}

/** UTF-8 decode; invalid sequences become U+FFFD (never throws). */
export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const lo = Math.max(0, Math.min(start, bytes.length));
  const hi = Math.max(lo, Math.min(end, bytes.length));
  // Fast path: interface names and most strings are ASCII.
  const latin = unitsToString(bytes.subarray(lo, hi));
  if (!NON_ASCII.test(latin)) return latin;
  const units = new Uint16Array(hi - lo);
  let n = 0;
  let i = lo;
  while (i < hi) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      units[n++] = b;
      i++;
      continue;
    }
    // bytes that follow a lead byte: 1..3, or -1 for an invalid lead byte
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= hi) {
      units[n++] = 0xfffd;
      i++;
      continue;
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let valid = true;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) {
        valid = false;
        break;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (!valid || (need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      units[n++] = 0xfffd;
      i++;
      continue;
    }
    // A 4-byte sequence (2 units) always replaces 4 bytes, so `units` cannot overflow.
    if (cp >= 0x10000) {
      units[n++] = 0xd800 + ((cp - 0x10000) >> 10);
      units[n++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else {
      units[n++] = cp;
    }
    i += need + 1;
  }
  return unitsToString(units.subarray(0, n));
}

/** A C string: up to the first NUL (or the end when there is none). */
export function cString(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return utf8Decode(bytes, 0, end);
}

const HEX = '0123456789abcdef';

export function hexByte(b: number): string {
  return (HEX[(b >> 4) & 15] as string) + (HEX[b & 15] as string);
}

const HEX_BYTES: string[] = Array.from({ length: 256 }, (_, b) => hexByte(b));

/**
 * The 6-byte address at `at` as text. The same few hundred addresses come back in every
 * dump, so their strings are kept in a bounded cache keyed by the 48-bit value.
 */
const macCache = new Map<number, string>();
const MAC_CACHE_MAX = 4096;
export function macAt(bytes: Uint8Array, at: number): string {
  const b0 = bytes[at] as number;
  const b1 = bytes[at + 1] as number;
  const b2 = bytes[at + 2] as number;
  const b3 = bytes[at + 3] as number;
  const b4 = bytes[at + 4] as number;
  const b5 = bytes[at + 5] as number;
  const key = (b0 * 256 + b1) * 4294967296 + (((b2 << 24) | (b3 << 16) | (b4 << 8) | b5) >>> 0);
  let s = macCache.get(key);
  if (s === undefined) {
    s = `${HEX_BYTES[b0]}:${HEX_BYTES[b1]}:${HEX_BYTES[b2]}:${HEX_BYTES[b3]}:${HEX_BYTES[b4]}:${HEX_BYTES[b5]}`;
    if (macCache.size >= MAC_CACHE_MAX) macCache.clear();
    macCache.set(key, s);
  }
  return s;
}

/** "aa:bb:cc:dd:ee:ff" from 6 bytes (longer hardware addresses print all bytes). */
export function formatMac(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ':' : '') + hexByte(bytes[i] as number);
  return s;
}

/** Parse "aa:bb:cc:dd:ee:ff" (also '-' separated); null when malformed. */
export function parseMac(text: string): Uint8Array | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = parts[i] as string;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out[i] = Number.parseInt(p, 16);
  }
  return out;
}

/** Dotted quad from 4 bytes in network order. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}
