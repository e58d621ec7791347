/**
 * Base64 (RFC 4648 §4, the standard alphabet) decoding of our own: not every engine has
 * atob or Buffer. Whitespace is skipped (PEM wraps lines); padding must be correct.
 */
import { fail, type IdResult, ok } from './result.js';

const VALUES = new Int16Array(128).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Decode `text`; at most `maxBytes` of output (a bound on what the caller accepts). */
export function base64Decode(text: string, maxBytes: number): IdResult<Uint8Array> {
  if (text.length > maxBytes * 2 + 1024) return fail('pem', `base64 text longer than a ${maxBytes}-byte result can need`);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  let digits = 0;
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    const v = c < 128 ? (VALUES[c] as number) : -1;
    if (v < 0) return fail('pem', `base64: invalid character ${JSON.stringify(text[i])} at ${i}`);
    if (pad > 0) return fail('pem', 'base64: data after padding');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    digits++;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  const rest = digits % 4;
  if (rest === 1) return fail('pem', 'base64: truncated (a lone final character)');
  if (pad > 0 && (rest === 0 || pad !== 4 - rest)) return fail('pem', 'base64: wrong padding');
  if (pad === 0 && rest !== 0) return fail('pem', 'base64: missing padding');
  if ((acc & ((1 << bits) - 1)) !== 0) return fail('pem', 'base64: non-zero bits after the last byte');
  if (n > maxBytes) return fail('pem', `base64: more than ${maxBytes} bytes`);
  return ok(out.slice(0, n));
}

/** Standard base64 with padding, no line breaks. */
export function base64Encode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = i + 1 < bytes.length ? (bytes[i + 1] as number) : 0;
    const c = i + 2 < bytes.length ? (bytes[i + 2] as number) : 0;
    const n = (a << 16) | (b << 8) | c;
    s += ALPHABET[n >> 18] as string;
    s += ALPHABET[(n >> 12) & 63] as string;
    s += i + 1 < bytes.length ? (ALPHABET[(n >> 6) & 63] as string) : '=';
    s += i + 2 < bytes.length ? (ALPHABET[n & 63] as string) : '=';
  }
  return s;
}
