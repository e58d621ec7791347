/**
 * Typed attribute decoding driven by a policy (attribute number → key and kind), the
 * userspace mirror of a kernel nla_policy. A known attribute whose size does not fit
 * its kind is a decode error naming it; unknown attributes are skipped (newer kernels
 * add attributes, and the batadv family tolerates them too).
 */
import { align4, cString, formatIPv4, formatMac, HOST_LITTLE_ENDIAN, macAt, readS32, readU16, readU32, readU64, viewOf } from './bytes.js';
import { NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { currentHost, type NativeAttrDecoder, type NativePolicy } from '../host/index.js';
import type { DumpFastPath } from './client.js';
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

/** A policy as arrays indexed by attribute type (built once per policy and decoder). */
interface CompiledPolicy {
  keys: (string | undefined)[];
  kinds: (AttrKind | undefined)[];
  /** The native decoder it was built for, and the kinds as its codes. */
  native: NativeAttrDecoder | null;
  nativePolicy: NativePolicy | null;
}
const compiled = new WeakMap<AttrPolicy, CompiledPolicy>();
// Room for 64 deferred attributes per call; more makes the native decoder give up (null).
const deferred = new Int32Array(1 + 3 * 64);

function nativeKind(d: NativeAttrDecoder, kind: AttrKind): number {
  return d.kinds[kind];
}

function compile(policy: AttrPolicy): CompiledPolicy {
  const native = currentHost()?.nlattr ?? null;
  let c = compiled.get(policy);
  if (c && c.native === native) return c;
  const keys: (string | undefined)[] = [];
  const kinds: (AttrKind | undefined)[] = [];
  for (const t of Object.keys(policy)) {
    const spec = policy[Number(t)] as AttrSpec;
    keys[Number(t)] = spec.key;
    kinds[Number(t)] = spec.kind;
  }
  let nativePolicy: NativePolicy | null = null;
  if (native) {
    const nativeKinds = new Uint8Array(kinds.length);
    kinds.forEach((k, t) => {
      if (k !== undefined) nativeKinds[t] = nativeKind(native, k);
    });
    nativePolicy = native.policy(nativeKinds, keys);
  }
  c = { keys, kinds, native, nativePolicy };
  compiled.set(policy, c);
  return c;
}

/**
 * Decode an attribute stream with a policy; the last of repeated attributes wins.
 * This is the hot path of every dump (a 20-node mesh has hundreds of originator
 * entries per second), so it walks the TLVs itself with one DataView and reads fixed-size
 * values in place instead of going through decodeAttributes/decodeValue, which allocate
 * an object, a subarray and a result per attribute. The checks are the same.
 */
export function decodeWithPolicy<P extends AttrPolicy>(bytes: Uint8Array, policy: P, what = 'attributes', start = 0): NlResult<Decoded<P>> {
  const c = compile(policy);
  if (c.native && c.nativePolicy) {
    const r = c.native.decode(bytes, c.nativePolicy, deferred, start);
    if (typeof r === 'string') return decodeError(`${what}: ${r}`);
    if (r !== null) {
      for (let i = 0, n = deferred[0] as number; i < n; i++) {
        const type = deferred[1 + i * 3] as number;
        const at = deferred[2 + i * 3] as number;
        const value = decodeValue(c.kinds[type] as AttrKind, bytes.subarray(at, at + (deferred[3 + i * 3] as number)));
        if (!value.ok) return decodeError(`${what}: attribute ${c.keys[type]} (${type}): ${value.error.message}`);
        r[c.keys[type] as string] = value.value;
      }
      return ok(r as Decoded<P>);
    }
  }
  return decodeInScript(start ? bytes.subarray(start) : bytes, c, what);
}

/**
 * The fast path of a dump decoded with `policy` (see DumpFastPath in client.ts): the
 * native decoder takes each datagram's leading data messages of netlink type `type`
 * whose `hdrlen`-byte fixed header starts with `cmd` (-1: any) and appends their decoded
 * attributes to `items`. Null without a native decoder (Node): the dump then goes the
 * general way, message by message.
 */
export function nativeDumpFastPath<P extends AttrPolicy>(policy: P, type: number, cmd: number, hdrlen: number): { items: Decoded<P>[]; fastPath: DumpFastPath } | null {
  const c = compile(policy);
  const { native, nativePolicy } = c;
  if (!native || !nativePolicy) return null;
  const items: Decoded<P>[] = [];
  return {
    items,
    fastPath: {
      take: (datagram, offset, seq) => native.decodeDump(datagram, offset, nativePolicy, deferred, seq, type, cmd, hdrlen, items),
      reset: () => {
        items.length = 0;
      },
      count: () => items.length,
    },
  };
}

/** decodeWithPolicy without the native decoder: the reference the native one is tested against. */
export function decodeWithPolicyInScript<P extends AttrPolicy>(bytes: Uint8Array, policy: P, what = 'attributes', start = 0): NlResult<Decoded<P>> {
  return decodeInScript(start ? bytes.subarray(start) : bytes, compile(policy), what);
}

/** The reference decoder (and the one Node runs). */
function decodeInScript<P extends AttrPolicy>(bytes: Uint8Array, c: CompiledPolicy, what: string): NlResult<Decoded<P>> {
  const { keys, kinds } = c;
  const view = viewOf(bytes);
  const end = bytes.length;
  const out: Record<string, unknown> = {};
  let offset = 0;
  while (end - offset >= NLA_HDRLEN) {
    const len = view.getUint16(offset, HOST_LITTLE_ENDIAN);
    const type = view.getUint16(offset + 2, HOST_LITTLE_ENDIAN) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN) return decodeError(`${what}: attribute at offset ${offset}: length ${len} is shorter than its header`);
    if (len > end - offset) return decodeError(`${what}: attribute type ${type} at offset ${offset}: length ${len} runs past the end (${end - offset} bytes left)`);
    const kind = kinds[type];
    if (kind !== undefined) {
      const at = offset + NLA_HDRLEN;
      const size = len - NLA_HDRLEN;
      const fixed = FIXED_SIZE[kind];
      if (fixed !== undefined && size !== fixed) return decodeError(`${what}: attribute ${keys[type]} (${type}): expected ${fixed} bytes, got ${size}`);
      let value: unknown;
      switch (kind) {
        case 'u8':
          value = bytes[at];
          break;
        case 'u16':
          value = view.getUint16(at, HOST_LITTLE_ENDIAN);
          break;
        case 'u32':
          value = view.getUint32(at, HOST_LITTLE_ENDIAN);
          break;
        case 's32':
          value = view.getInt32(at, HOST_LITTLE_ENDIAN);
          break;
        case 'u64':
          value = readU64(view, at);
          break;
        case 'flag':
          value = true;
          break;
        case 'mac':
          value = macAt(bytes, at);
          break;
        default:
          value = (decodeValue(kind, bytes.subarray(at, at + size)) as { value: unknown }).value;
      }
      out[keys[type] as string] = value;
    }
    offset += align4(len);
  }
  return ok(out as Decoded<P>);
}

/** Names of `required` keys missing from a decoded object (for "missing attribute" errors). */
export function missingKeys(decoded: object, required: readonly string[]): string[] {
  return required.filter((k) => !(k in decoded));
}
