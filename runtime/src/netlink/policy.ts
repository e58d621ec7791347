/**
 * Typed attribute decoding driven by a policy (attribute number → key and kind), the
 * userspace mirror of a kernel nla_policy. A known attribute whose size does not fit
 * its kind is a decode error naming it; unknown attributes are skipped (newer kernels
 * add attributes, and the batadv family tolerates them too).
 */
import { decodeAttributes } from './attributes.js';
import { cString, formatIPv4, formatMac, readS32, readU16, readU32, readU64, viewOf } from './bytes.js';
import { decodeError, type NlResult, ok } from './result.js';

export type AttrKind =
  | 'u8'
  | 'u16'
  | 'u32'
  | 's32'
  | 'u64'
  /** Presence is the value (NLA_FLAG). */
  | 'flag'
  /** NUL-terminated (or unterminated) UTF-8. */
  | 'string'
  /** 6-byte hardware address, as "aa:bb:cc:dd:ee:ff". */
  | 'mac'
  /** Any-length hardware address (IFLA_ADDRESS), same text form. */
  | 'hwaddr'
  /** 4-byte IPv4 address in network order, as dotted quad. */
  | 'ipv4'
  /** Raw bytes, including nests to decode with another policy (a copy). */
  | 'binary';

export interface AttrSpec {
  readonly key: string;
  readonly kind: AttrKind;
}

export type AttrPolicy = { readonly [type: number]: AttrSpec };

export type ValueOfKind<K extends AttrKind> = K extends 'flag'
  ? true
  : K extends 'string' | 'mac' | 'hwaddr' | 'ipv4'
    ? string
    : K extends 'binary'
      ? Uint8Array
      : number;

/** The decoded object of a policy: every key optional (absent attribute → no key). */
export type Decoded<P extends AttrPolicy> = {
  -readonly [T in keyof P as P[T] extends AttrSpec ? P[T]['key'] : never]?: P[T] extends AttrSpec ? ValueOfKind<P[T]['kind']> : never;
};

const FIXED_SIZE: Partial<Record<AttrKind, number>> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, mac: 6, ipv4: 4 };

/** Decode one attribute payload according to its kind. */
export function decodeValue(kind: AttrKind, data: Uint8Array): NlResult<unknown> {
  const size = FIXED_SIZE[kind];
  if (size !== undefined && data.length !== size) return decodeError(`expected ${size} bytes, got ${data.length}`);
  switch (kind) {
    case 'u8':
      return ok(data[0] as number);
    case 'u16':
      return ok(readU16(viewOf(data), 0));
    case 'u32':
      return ok(readU32(viewOf(data), 0));
    case 's32':
      return ok(readS32(viewOf(data), 0));
    case 'u64':
      return ok(readU64(viewOf(data), 0));
    case 'flag':
      return ok(true);
    case 'string':
      return ok(cString(data));
    case 'mac':
    case 'hwaddr':
      return ok(formatMac(data));
    case 'ipv4':
      return ok(formatIPv4(data));
    case 'binary':
      return ok(data.slice());
  }
}

/** Decode an attribute stream with a policy; the last of repeated attributes wins. */
export function decodeWithPolicy<P extends AttrPolicy>(bytes: Uint8Array, policy: P, what = 'attributes'): NlResult<Decoded<P>> {
  const attrs = decodeAttributes(bytes);
  if (!attrs.ok) return decodeError(`${what}: ${attrs.error.message}`);
  const out: Record<string, unknown> = {};
  for (const a of attrs.value) {
    const spec = policy[a.type];
    if (spec === undefined) continue;
    const value = decodeValue(spec.kind, a.data);
    if (!value.ok) return decodeError(`${what}: attribute ${spec.key} (${a.type}): ${value.error.message}`);
    out[spec.key] = value.value;
  }
  return ok(out as Decoded<P>);
}

/** Names of `required` keys missing from a decoded object (for "missing attribute" errors). */
export function missingKeys(decoded: object, required: readonly string[]): string[] {
  return required.filter((k) => !(k in decoded));
}
