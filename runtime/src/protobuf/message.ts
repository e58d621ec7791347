/**
 * Schema-driven encode and decode of whole messages (schema.ts describes the schemas).
 * Decoding is total and bounded: depth, input size and repeated counts are limited,
 * unknown fields are skipped, groups (deprecated wire types 3 and 4) are refused.
 */
import { utf8Decode, utf8Encode } from '../netlink/bytes.js';
import { ok, type PbResult, pbError } from './result.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type FieldSpec, type MessageSchema, type ScalarType } from './schema.js';
import {
  split64, unzigzag32, unzigzag64, WIRE_END_GROUP, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_START_GROUP, WIRE_VARINT, WireReader, WireWriter, zigzag32, zigzag64,
} from './wire.js';

type Obj = Record<string, unknown>;

/** The wire type a scalar is written with. */
function wireTypeOf(type: ScalarType | 'message'): number {
  switch (type) {
    case 'fixed64': case 'sfixed64': case 'double': return WIRE_FIXED64;
    case 'fixed32': case 'sfixed32': case 'float': return WIRE_FIXED32;
    case 'string': case 'bytes': case 'message': return WIRE_LEN;
    default: return WIRE_VARINT;
  }
}

const IS_64 = new Set<string>(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function defaultOf(f: FieldSpec): unknown {
  if (f.repeated) return [];
  switch (f.type) {
    case 'string': return '';
    case 'bytes': return new Uint8Array(0);
    case 'bool': return false;
    case 'message': return undefined;
    default: return IS_64.has(f.type) ? 0n : 0;
  }
}

function isDefault(f: FieldSpec, v: unknown): boolean {
  if (f.type === 'bytes') return v instanceof Uint8Array && v.length === 0;
  if (f.type === 'message') return false;
  return v === defaultOf(f) || (typeof v === 'bigint' && v === 0n) || v === 0;
}

// ---------------------------------------------------------------- encode

function writeScalar(w: WireWriter, type: ScalarType, v: unknown): void {
  switch (type) {
    case 'int32': case 'enum': w.int32(Number(v) | 0); return;
    case 'uint32': w.uvarint(Number(v) >>> 0); return;
    case 'sint32': w.uvarint(zigzag32(Number(v) | 0)); return;
    case 'bool': w.uvarint(v ? 1 : 0); return;
    case 'int64': case 'uint64': { const [lo, hi] = split64(v as bigint | number); w.varint64(lo, hi); return; }
    case 'sint64': { const [lo, hi] = split64(zigzag64(BigInt(v as bigint | number))); w.varint64(lo, hi); return; }
    case 'fixed32': case 'sfixed32': w.fixed32(Number(v) >>> 0); return;
    case 'fixed64': case 'sfixed64': { const [lo, hi] = split64(v as bigint | number); w.fixed64(lo, hi); return; }
    case 'float': w.float(Number(v)); return;
    case 'double': w.double(Number(v)); return;
    case 'string': w.delimited(utf8Encode(String(v))); return;
    case 'bytes': w.delimited(v as Uint8Array); return;
  }
}

function writeField(w: WireWriter, f: FieldSpec, v: unknown): void {
  if (f.type === 'message') {
    const schema = (f.message as () => MessageSchema)();
    w.tag(f.no, WIRE_LEN).delimited(encodeMessage(schema, v as Obj));
    return;
  }
  w.tag(f.no, wireTypeOf(f.type));
  writeScalar(w, f.type, v);
}

/** The wire bytes of `value` under `schema`. Throws only on a value of the wrong shape. */
export function encodeMessage<T>(schema: MessageSchema<T>, value: T): Uint8Array {
  const w = new WireWriter();
  const obj = value as Obj;
  for (const f of schema.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) {
      if (!Array.isArray(v)) throw new TypeError(`${schema.name}.${f.name}: repeated field needs an array`);
      if (v.length === 0) continue;
      const packable = wireTypeOf(f.type) !== WIRE_LEN;
      if (packable && f.packed !== false) {
        const inner = new WireWriter();
        for (const x of v) writeScalar(inner, f.type as ScalarType, x);
        w.tag(f.no, WIRE_LEN).delimited(inner.finish());
      } else {
        for (const x of v) writeField(w, f, x);
      }
      continue;
    }
    if (!f.optional && isDefault(f, v)) continue;
    writeField(w, f, v);
  }
  return w.finish();
}

// ---------------------------------------------------------------- decode

/** One scalar of `type` from `r` (whose wire type the caller has checked). */
function readScalar(r: WireReader, type: ScalarType): unknown {
  switch (type) {
    case 'int32': case 'enum': return r.varint() | 0;
    case 'uint32': return r.varint();
    case 'sint32': return unzigzag32(r.varint());
    case 'bool': { const lo = r.varint(); return lo !== 0 || r.hi !== 0; }
    case 'int64': return BigInt.asIntN(64, r.varint64());
    case 'uint64': return r.varint64();
    case 'sint64': return unzigzag64(r.varint64());
    case 'fixed32': return r.fixed32();
    case 'sfixed32': return r.fixed32() | 0;
    case 'fixed64': { const lo = r.fixed64(); return (BigInt(r.hi) << 32n) | BigInt(lo); }
    case 'sfixed64': { const lo = r.fixed64(); return BigInt.asIntN(64, (BigInt(r.hi) << 32n) | BigInt(lo)); }
    case 'float': return r.float();
    case 'double': return r.double();
    case 'string': { const span = r.delimited(); return span ? utf8Decode(r.bytes, span[0], span[1]) : ''; }
    case 'bytes': { const span = r.delimited(); return span ? r.bytes.slice(span[0], span[1]) : new Uint8Array(0); }
  }
}

/** Skip one field's value of `wireType`; groups are refused. */
function skipField(r: WireReader, wireType: number): void {
  switch (wireType) {
    case WIRE_VARINT: r.varint(); return;
    case WIRE_FIXED64: r.fixed64(); return;
    case WIRE_FIXED32: r.fixed32(); return;
    case WIRE_LEN: r.delimited(); return;
    case WIRE_START_GROUP: case WIRE_END_GROUP: r.fail('groups are not supported'); return;
    default: r.fail(`wire type ${wireType} does not exist`);
  }
}

interface Ctx {
  limits: DecodeLimits;
  depth: number;
}

/** A field table indexed by number, built once per schema. */
const byNumber = new WeakMap<MessageSchema, Map<number, FieldSpec>>();

function fieldTable(schema: MessageSchema): Map<number, FieldSpec> {
  let t = byNumber.get(schema);
  if (!t) {
    t = new Map(schema.fields.map((f) => [f.no, f]));
    byNumber.set(schema, t);
  }
  return t;
}

function pushRepeated(r: WireReader, ctx: Ctx, out: Obj, f: FieldSpec, v: unknown): void {
  const list = out[f.name] as unknown[];
  if (list.length >= ctx.limits.maxRepeated) {
    r.fail(`${f.name}: more than ${ctx.limits.maxRepeated} elements`);
    return;
  }
  list.push(v);
}

function decodeInto(schema: MessageSchema, r: WireReader, ctx: Ctx): Obj {
  const out: Obj = {};
  for (const f of schema.fields) if (!f.optional) out[f.name] = defaultOf(f);
  const table = fieldTable(schema);
  while (!r.done) {
    const key = r.varint32();
    if (r.error !== null) break;
    const no = key >>> 3;
    const wt = key & 7;
    if (no === 0) {
      r.fail('field number 0');
      break;
    }
    if (wt === WIRE_START_GROUP || wt === WIRE_END_GROUP || wt > WIRE_FIXED32) {
      skipField(r, wt); // refuses: groups and wire types that do not exist
      break;
    }
    const f = table.get(no);
    if (!f) {
      skipField(r, wt);
      continue;
    }
    const expected = wireTypeOf(f.type);
    if (f.type === 'message') {
      if (wt !== WIRE_LEN) {
        r.fail(`${schema.name}.${f.name}: wire type ${wt}, expected 2`);
        break;
      }
      const span = r.delimited();
      if (!span) break;
      if (ctx.depth + 1 > ctx.limits.maxDepth) {
        r.fail(`messages nested deeper than ${ctx.limits.maxDepth}`);
        break;
      }
      const inner = new WireReader(r.bytes, span[0], span[1]);
      ctx.depth++;
      const sub = decodeInto((f.message as () => MessageSchema)(), inner, ctx);
      ctx.depth--;
      if (inner.error !== null) {
        r.error = `${f.name}: ${inner.error}`;
        break;
      }
      if (f.repeated) pushRepeated(r, ctx, out, f, sub);
      else out[f.name] = sub; // proto merges repeated occurrences; last one wins here
      continue;
    }
    if (f.repeated && wt === WIRE_LEN && expected !== WIRE_LEN) {
      // packed run of scalars
      const span = r.delimited();
      if (!span) break;
      const inner = new WireReader(r.bytes, span[0], span[1]);
      while (!inner.done) {
        const v = readScalar(inner, f.type as ScalarType);
        if (inner.error === null) pushRepeated(inner, ctx, out, f, v);
      }
      if (inner.error !== null) r.error = `${f.name}: ${inner.error}`;
      continue;
    }
    if (wt !== expected) {
      r.fail(`${schema.name}.${f.name}: wire type ${wt}, expected ${expected}`);
      break;
    }
    const v = readScalar(r, f.type as ScalarType);
    if (r.error !== null) break;
    if (f.repeated) pushRepeated(r, ctx, out, f, v);
    else out[f.name] = v;
  }
  return out;
}

/** Decode `bytes` as a `schema` message: the object, or an error that says why not. */
export function decodeMessage<T>(schema: MessageSchema<T>, bytes: Uint8Array, limits: Partial<DecodeLimits> = {}): PbResult<T> {
  const lim = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (bytes.length > lim.maxBytes) return pbError(`message of ${bytes.length} bytes exceeds ${lim.maxBytes}`);
  const r = new WireReader(bytes);
  const out = decodeInto(schema as MessageSchema, r, { limits: lim, depth: 0 });
  if (r.error !== null) return pbError(`${schema.name}: ${r.error}`);
  return ok(out as T);
}
