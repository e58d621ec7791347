/**
 * The character-string types of X.509 names and general names, each checked against
 * its character set: UTF8String (strict UTF-8), PrintableString, IA5String,
 * NumericString, VisibleString, BMPString (UCS-2), UniversalString (UCS-4) and
 * TeletexString (read as Latin-1, as most implementations do).
 */
import { type Tlv, tagName, TAG } from './der.js';
import { derError, type IdResult, ok } from './result.js';

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF); null when invalid. */
export function decodeUtf8Strict(v: Uint8Array): string | null {
  let s = '';
  let i = 0;
  while (i < v.length) {
    const b = v[i] as number;
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= v.length) return null;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = v[i + k] as number;
      if ((c & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (c & 0x3f);
    }
    if ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) return null;
    s += String.fromCodePoint(cp);
    i += need + 1;
  }
  return s;
}

function ascii(v: Uint8Array, max: number, min = 0): string | null {
  let s = '';
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (b > max || b < min) return null;
    s += String.fromCharCode(b);
  }
  return s;
}

function ucs(v: Uint8Array, width: 2 | 4): string | null {
  if (v.length % width !== 0) return null;
  let s = '';
  for (let i = 0; i < v.length; i += width) {
    let cp = 0;
    for (let k = 0; k < width; k++) cp = cp * 256 + (v[i + k] as number);
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return null;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** True when `tag` is one of the string types this module reads. */
export function isStringTag(tag: number): boolean {
  return (
    tag === TAG.UTF8_STRING || tag === TAG.PRINTABLE_STRING || tag === TAG.IA5_STRING || tag === TAG.NUMERIC_STRING ||
    tag === TAG.VISIBLE_STRING || tag === TAG.TELETEX_STRING || tag === TAG.BMP_STRING || tag === TAG.UNIVERSAL_STRING
  );
}

/** Any of the string types, as text. */
export function readString(tlv: Tlv, what: string): IdResult<string> {
  const v = tlv.value;
  let s: string | null;
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      s = decodeUtf8Strict(v);
      break;
    case TAG.PRINTABLE_STRING:
      s = ascii(v, 0x7e);
      if (s !== null && !PRINTABLE.test(s)) s = null;
      break;
    case TAG.IA5_STRING:
      s = ascii(v, 0x7f);
      break;
    case TAG.NUMERIC_STRING:
      s = ascii(v, 0x7e);
      if (s !== null && !/^[0-9 ]*$/.test(s)) s = null;
      break;
    case TAG.VISIBLE_STRING:
      s = ascii(v, 0x7e, 0x20);
      break;
    case TAG.TELETEX_STRING:
      s = ascii(v, 0xff);
      break;
    case TAG.BMP_STRING:
      s = ucs(v, 2);
      break;
    case TAG.UNIVERSAL_STRING:
      s = ucs(v, 4);
      break;
    default:
      return derError(`${what}: expected a string, found ${tagName(tlv.tag)}`);
  }
  if (s === null) return derError(`${what}: ${tagName(tlv.tag)} has characters outside its character set`);
  return ok(s);
}

/** An IA5String under an implicit tag (general names: rfc822Name, dNSName, URI). */
export function readIA5(tlv: Tlv, what: string): IdResult<string> {
  const s = ascii(tlv.value, 0x7f);
  if (s === null) return derError(`${what}: non-ASCII byte in an IA5String`);
  return ok(s);
}
