/**
 * A DER reader for what X.509 needs (ITU-T X.690 §8 and §10, the distinguished rules):
 * definite lengths only, in their shortest form; single-byte tags of the universal and
 * context-specific classes; a bound on nesting depth. Every read is bounds-checked and
 * returns a result value: nothing here throws or reads past the bytes it was given.
 *
 * Values are views (`subarray`) into the caller's bytes, never copies.
 */
import { derError, type IdResult, ok } from './result.js';

/** Nesting levels accepted (a certificate needs about 10, an extension's value counted in). */
export const DER_MAX_DEPTH = 24;
/** Longest content accepted: lengths take at most 4 bytes; certificates are kilobytes. */
export const DER_MAX_LENGTH = 0x00ffffff;

/** Identifier octets of the universal types X.509 uses. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const CLASS_MASK = 0xc0;
const CLASS_CONTEXT = 0x80;
const CONSTRUCTED = 0x20;
const NUMBER_MASK = 0x1f;

/** Universal primitive types accepted (everything else universal is refused). */
const UNIVERSAL_PRIMITIVE = new Set<number>([
  TAG.BOOLEAN, TAG.INTEGER, TAG.BIT_STRING, TAG.OCTET_STRING, TAG.NULL, TAG.OID, TAG.UTF8_STRING, TAG.NUMERIC_STRING,
  TAG.PRINTABLE_STRING, TAG.TELETEX_STRING, TAG.IA5_STRING, TAG.UTC_TIME, TAG.GENERALIZED_TIME, TAG.VISIBLE_STRING,
  TAG.UNIVERSAL_STRING, TAG.BMP_STRING,
]);

/** The identifier octet of context-specific tag [n] (n < 31). */
export function contextTag(n: number, constructed: boolean): number {
  return CLASS_CONTEXT | (constructed ? CONSTRUCTED : 0) | (n & NUMBER_MASK);
}

export function isConstructed(tag: number): boolean {
  return (tag & CONSTRUCTED) !== 0;
}

export function isContext(tag: number): boolean {
  return (tag & CLASS_MASK) === CLASS_CONTEXT;
}

/** The tag number of a context-specific tag ([n]). */
export function contextNumber(tag: number): number {
  return tag & NUMBER_MASK;
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

/** A tag as people read it in errors: "SEQUENCE", "[3]", "0x45". */
export function tagName(tag: number): string {
  if (isContext(tag)) return `[${contextNumber(tag)}]`;
  for (const [name, value] of Object.entries(TAG)) if (value === tag) return name.replace('_', ' ');
  return `0x${tag.toString(16).padStart(2, '0')}`;
}

/** Why a tag is refused, or null when it is one X.509 can contain. */
function tagProblem(tag: number): string | null {
  if ((tag & NUMBER_MASK) === NUMBER_MASK) return 'multi-byte tag numbers are not used by X.509';
  const cls = tag & CLASS_MASK;
  if (cls === CLASS_CONTEXT) return null;
  if (cls !== 0) return `${cls === 0x40 ? 'application' : 'private'} class tag 0x${tag.toString(16)} is not used by X.509`;
  if (tag === TAG.SEQUENCE || tag === TAG.SET) return null;
  if (UNIVERSAL_PRIMITIVE.has(tag)) return null;
  if (UNIVERSAL_PRIMITIVE.has(tag & ~CONSTRUCTED)) return `constructed ${tagName(tag & ~CONSTRUCTED)} is not DER`;
  if (tag === (TAG.SEQUENCE & ~CONSTRUCTED) || tag === (TAG.SET & ~CONSTRUCTED)) return `primitive ${tag === 0x10 ? 'SEQUENCE' : 'SET'} is not DER`;
  return `universal tag ${tag & NUMBER_MASK} is not used by X.509`;
}

/** One decoded TLV. */
export interface Tlv {
  /** The identifier octet. */
  tag: number;
  /** The contents (a view). */
  value: Uint8Array;
  /** Header and contents (a view): what signatures cover and names compare by. */
  raw: Uint8Array;
  /** Offset of the TLV in the bytes it was read from. */
  offset: number;
  /** Nesting level: 0 for the outermost element. */
  depth: number;
}

/** Read the TLV at `offset` of `bytes`. */
export function readTlv(bytes: Uint8Array, offset: number, depth: number): IdResult<Tlv> {
  if (depth >= DER_MAX_DEPTH) return derError(`nesting deeper than ${DER_MAX_DEPTH} levels`);
  const left = bytes.length - offset;
  if (offset < 0 || left < 2) return derError(`element at offset ${offset}: ${left <= 0 ? 'missing' : 'truncated header'}`);
  const tag = bytes[offset] as number;
  const bad = tagProblem(tag);
  if (bad !== null) return derError(`element at offset ${offset}: ${bad}`);
  const first = bytes[offset + 1] as number;
  let length: number;
  let header = 2;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) return derError(`element at offset ${offset}: indefinite length is not DER`);
    if (count > 3) return derError(`element at offset ${offset}: a ${count}-byte length exceeds the ${DER_MAX_LENGTH}-byte limit`);
    if (left < 2 + count) return derError(`element at offset ${offset}: truncated length`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] as number);
    if ((bytes[offset + 2] as number) === 0 || length < 0x80) return derError(`element at offset ${offset}: length ${length} is not in its shortest form`);
    header += count;
  }
  if (length > left - header) return derError(`${tagName(tag)} at offset ${offset}: length ${length} runs past the end (${left - header} bytes left)`);
  const end = offset + header + length;
  return ok({ tag, value: bytes.subarray(offset + header, end), raw: bytes.subarray(offset, end), offset, depth });
}

/** Walks the elements inside one constructed value (or a whole buffer), in order. */
export class DerReader {
  private pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly depth: number,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** The tag of the next element, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.bytes.length ? (this.bytes[this.pos] as number) : -1;
  }

  next(what: string): IdResult<Tlv> {
    if (this.atEnd()) return derError(`${what}: missing`);
    const r = readTlv(this.bytes, this.pos, this.depth);
    if (!r.ok) return derError(`${what}: ${r.error.message}`);
    this.pos += r.value.raw.length;
    return r;
  }

  /** The next element, which must carry `tag`. */
  expect(tag: number, what: string): IdResult<Tlv> {
    const t = this.peekTag();
    if (t !== tag) return derError(`${what}: expected ${tagName(tag)}, found ${t < 0 ? 'the end' : tagName(t)}`);
    return this.next(what);
  }

  /** The next element if it carries `tag`, else null (an absent OPTIONAL or DEFAULT field). */
  optional(tag: number, what: string): IdResult<Tlv | null> {
    return this.peekTag() === tag ? this.next(what) : ok(null);
  }

  /** Succeeds only when every byte was read (DER has no trailing data). */
  end(what: string): IdResult<true> {
    if (!this.atEnd()) return derError(`${what}: ${this.bytes.length - this.pos} unexpected trailing bytes (${tagName(this.peekTag())})`);
    return ok(true);
  }
}

/** A reader over the elements inside a constructed TLV. */
export function enter(tlv: Tlv, what: string): IdResult<DerReader> {
  if (!isConstructed(tlv.tag)) return derError(`${what}: ${tagName(tlv.tag)} is not constructed`);
  if (tlv.depth + 1 >= DER_MAX_DEPTH && tlv.value.length > 0) return derError(`${what}: nesting deeper than ${DER_MAX_DEPTH} levels`);
  return ok(new DerReader(tlv.value, tlv.depth + 1));
}

/** A reader over DER carried inside an OCTET STRING or BIT STRING (extension values, keys). */
export function enterEncapsulated(bytes: Uint8Array, outer: Tlv): DerReader {
  return new DerReader(bytes, outer.depth + 1);
}

/** Exactly one element that spans all of `bytes`. */
export function parseDer(bytes: Uint8Array, what: string, depth = 0): IdResult<Tlv> {
  const r = new DerReader(bytes, depth);
  const tlv = r.next(what);
  if (!tlv.ok) return tlv;
  const end = r.end(what);
  if (!end.ok) return end;
  return tlv;
}

/**
 * Walk a whole tree (every constructed element, depth first) without interpreting it:
 * checks the framing of everything, including context-tagged parts. Returns the number
 * of elements.
 */
export function walkDer(bytes: Uint8Array): IdResult<number> {
  let count = 0;
  const stack: DerReader[] = [new DerReader(bytes, 0)];
  while (stack.length > 0) {
    const r = stack[stack.length - 1] as DerReader;
    if (r.atEnd()) {
      stack.pop();
      continue;
    }
    const tlv = r.next('element');
    if (!tlv.ok) return tlv;
    count++;
    if (isConstructed(tlv.value.tag)) {
      const inner = enter(tlv.value, 'element');
      if (!inner.ok) return inner;
      stack.push(inner.value);
    }
  }
  return ok(count);
}

export function readBoolean(tlv: Tlv, what: string): IdResult<boolean> {
  if (tlv.tag !== TAG.BOOLEAN) return derError(`${what}: expected BOOLEAN, found ${tagName(tlv.tag)}`);
  if (tlv.value.length !== 1) return derError(`${what}: a BOOLEAN has one byte, not ${tlv.value.length}`);
  const b = tlv.value[0] as number;
  if (b !== 0 && b !== 0xff) return derError(`${what}: BOOLEAN byte 0x${b.toString(16)} is not DER (0x00 or 0xff)`);
  return ok(b === 0xff);
}

/**
 * The two's-complement bytes of an INTEGER (any `tag`, for implicitly tagged ones),
 * checked to be minimal: no 0x00 before a byte < 0x80, no 0xff before a byte ≥ 0x80.
 */
export function readIntegerBytes(tlv: Tlv, what: string, tag: number = TAG.INTEGER): IdResult<Uint8Array> {
  if (tlv.tag !== tag) return derError(`${what}: expected ${tagName(tag)}, found ${tagName(tlv.tag)}`);
  const v = tlv.value;
  if (v.length === 0) return derError(`${what}: empty INTEGER`);
  if (v.length > 1) {
    const a = v[0] as number;
    const b = v[1] as number;
    if ((a === 0 && b < 0x80) || (a === 0xff && b >= 0x80)) return derError(`${what}: INTEGER is not in its shortest form`);
  }
  return ok(v);
}

/** A non-negative INTEGER up to `max` (versions, path lengths). */
export function readSmallInteger(tlv: Tlv, what: string, max: number): IdResult<number> {
  const r = readIntegerBytes(tlv, what);
  if (!r.ok) return r;
  const v = r.value;
  if (((v[0] as number) & 0x80) !== 0) return derError(`${what}: negative INTEGER`);
  if (v.length > 4) return derError(`${what}: INTEGER above ${max}`);
  let n = 0;
  for (let i = 0; i < v.length; i++) n = n * 256 + (v[i] as number);
  if (n > max) return derError(`${what}: INTEGER ${n} above ${max}`);
  return ok(n);
}

export interface BitString {
  /** The content bytes (a view), unused bits in the last byte are zero. */
  bytes: Uint8Array;
  unusedBits: number;
}

export function readBitString(tlv: Tlv, what: string): IdResult<BitString> {
  if (tlv.tag !== TAG.BIT_STRING) return derError(`${what}: expected BIT STRING, found ${tagName(tlv.tag)}`);
  const v = tlv.value;
  if (v.length === 0) return derError(`${what}: BIT STRING without its unused-bits byte`);
  const unused = v[0] as number;
  if (unused > 7) return derError(`${what}: BIT STRING claims ${unused} unused bits`);
  if (v.length === 1 && unused !== 0) return derError(`${what}: empty BIT STRING with ${unused} unused bits`);
  if (unused > 0 && ((v[v.length - 1] as number) & ((1 << unused) - 1)) !== 0) return derError(`${what}: BIT STRING unused bits are not zero`);
  return ok({ bytes: v.subarray(1), unusedBits: unused });
}

/** Bit `n` of a named-bit BIT STRING (bit 0 is the most significant bit of the first byte). */
export function bitAt(bits: BitString, n: number): boolean {
  const byte = n >> 3;
  if (byte >= bits.bytes.length) return false;
  return (((bits.bytes[byte] as number) >> (7 - (n & 7))) & 1) === 1;
}

export function readOctetString(tlv: Tlv, what: string, tag: number = TAG.OCTET_STRING): IdResult<Uint8Array> {
  if (tlv.tag !== tag) return derError(`${what}: expected ${tagName(tag)}, found ${tagName(tlv.tag)}`);
  return ok(tlv.value);
}

export function readNull(tlv: Tlv, what: string): IdResult<null> {
  if (tlv.tag !== TAG.NULL) return derError(`${what}: expected NULL, found ${tagName(tlv.tag)}`);
  if (tlv.value.length !== 0) return derError(`${what}: NULL with ${tlv.value.length} content bytes`);
  return ok(null);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
