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

// Scalar kinds as small numbers: the decoder's switch runs once per field value.
const K_INT32 = 0, K_UINT32 = 1, K_SINT32 = 2, K_BOOL = 3, K_INT64 = 4, K_UINT64 = 5, K_SINT64 = 6, K_FIXED32 = 7, K_SFIXED32 = 8;
const K_FIXED64 = 9, K_SFIXED64 = 10, K_FLOAT = 11, K_DOUBLE = 12, K_STRING = 13, K_BYTES = 14, K_MESSAGE = 15;
const KINDS: Record<string, number> = {
  int32: K_INT32, enum: K_INT32, uint32: K_UINT32, sint32: K_SINT32, bool: K_BOOL, int64: K_INT64, uint64: K_UINT64, sint64: K_SINT64,
  fixed32: K_FIXED32, sfixed32: K_SFIXED32, fixed64: K_FIXED64, sfixed64: K_SFIXED64, float: K_FLOAT, double: K_DOUBLE, string: K_STRING,
  bytes: K_BYTES, message: K_MESSAGE,
};

/** One scalar of `kind` from `r` (whose wire type the caller has checked). */
function readScalar(r: WireReader, kind: number): unknown {
  switch (kind) {
    case K_INT32: return r.varint() | 0;
    case K_UINT32: return r.varint();
    case K_SINT32: return unzigzag32(r.varint());
    case K_BOOL: { const lo = r.varint(); return lo !== 0 || r.hi !== 0; }
    case K_INT64: return BigInt.asIntN(64, r.varint64());
    case K_UINT64: return r.varint64();
    case K_SINT64: return unzigzag64(r.varint64());
    case K_FIXED32: return r.fixed32();
    case K_SFIXED32: return r.fixed32() | 0;
    case K_FIXED64: { const lo = r.fixed64(); return (BigInt(r.hi) << 32n) | BigInt(lo); }
    case K_SFIXED64: { const lo = r.fixed64(); return BigInt.asIntN(64, (BigInt(r.hi) << 32n) | BigInt(lo)); }
    case K_FLOAT: return r.float();
    case K_DOUBLE: return r.double();
    case K_STRING: { const span = r.delimited(); return span ? utf8Decode(r.bytes, span[0], span[1]) : ''; }
    default: { const span = r.delimited(); return span ? r.bytes.slice(span[0], span[1]) : new Uint8Array(0); }
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

/** A field prepared for decoding. */
interface Prepared {
  spec: FieldSpec;
  name: string;
  kind: number;
  wire: number;
  repeated: boolean;
}

/** A schema prepared once: fields by number, and what a fresh object starts with. */
interface Compiled {
  byNumber: Map<number, Prepared>;
  /** Singular fields with implicit presence and their defaults, copied into each new object. */
  template: Obj;
  /** Repeated fields: each new object gets its own empty array. */
  repeatedNames: string[];
}

/** The default of every empty bytes field: shared, it has no bytes to change. */
const EMPTY_BYTES = new Uint8Array(0);

const compiledSchemas = new WeakMap<MessageSchema, Compiled>();

function compile(schema: MessageSchema): Compiled {
  let c = compiledSchemas.get(schema);
  if (!c) {
    const prepared = schema.fields.map((f) => ({ spec: f, name: f.name, kind: KINDS[f.type] as number, wire: wireTypeOf(f.type), repeated: f.repeated === true }));
    const template: Obj = {};
    for (const p of prepared) if (!p.spec.optional && !p.repeated) template[p.name] = p.kind === K_BYTES ? EMPTY_BYTES : defaultOf(p.spec);
    c = { byNumber: new Map(prepared.map((p) => [p.spec.no, p])), template, repeatedNames: prepared.filter((p) => p.repeated).map((p) => p.name) };
    compiledSchemas.set(schema, c);
  }
  return c;
}

function pushRepeated(r: WireReader, ctx: Ctx, list: unknown[], name: string, v: unknown): void {
  if (list.length >= ctx.limits.maxRepeated) r.fail(`${name}: more than ${ctx.limits.maxRepeated} elements`);
  else list.push(v);
}

function decodeInto(schema: MessageSchema, r: WireReader, ctx: Ctx): Obj {
  const c = compile(schema);
  const out: Obj = Object.assign({}, c.template);
  for (const name of c.repeatedNames) out[name] = [];
  while (r.pos < r.end && r.error === null) {
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
    const f = c.byNumber.get(no);
    if (!f) {
      skipField(r, wt);
      continue;
    }
    if (f.kind === K_MESSAGE) {
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
      const sub = decodeInto((f.spec.message as () => MessageSchema)(), inner, ctx);
      ctx.depth--;
      if (inner.error !== null) {
        r.error = `${f.name}: ${inner.error}`;
        break;
      }
      if (f.repeated) pushRepeated(r, ctx, out[f.name] as unknown[], f.name, sub);
      else out[f.name] = sub; // proto merges repeated occurrences; last one wins here
      continue;
    }
    if (f.repeated && wt === WIRE_LEN && f.wire !== WIRE_LEN) {
      // packed run of scalars
      const span = r.delimited();
      if (!span) break;
      const inner = new WireReader(r.bytes, span[0], span[1]);
      const list = out[f.name] as unknown[];
      while (inner.pos < inner.end && inner.error === null) {
        const v = readScalar(inner, f.kind);
        if (inner.error === null) pushRepeated(inner, ctx, list, f.name, v);
      }
      if (inner.error !== null) r.error = `${f.name}: ${inner.error}`;
      continue;
    }
    if (wt !== f.wire) {
      r.fail(`${schema.name}.${f.name}: wire type ${wt}, expected ${f.wire}`);
      break;
    }
    const v = readScalar(r, f.kind);
    if (r.error !== null) break;
    if (f.repeated) pushRepeated(r, ctx, out[f.name] as unknown[], f.name, v);
    else out[f.name] = v;
  }
  return out;
}

/** Decode `bytes` as a `schema` message: the object, or an error that says why not. */
export function decodeMessage<T>(schema: MessageSchema<T>, bytes: Uint8Array, limits?: Partial<DecodeLimits>): PbResult<T> {
  const lim = limits ? { ...DEFAULT_DECODE_LIMITS, ...limits } : DEFAULT_DECODE_LIMITS;
  if (bytes.length > lim.maxBytes) return pbError(`message of ${bytes.length} bytes exceeds ${lim.maxBytes}`);
  const r = new WireReader(bytes);
  const out = decodeInto(schema as MessageSchema, r, { limits: lim, depth: 0 });
  if (r.error !== null) return pbError(`${schema.name}: ${r.error}`);
  return ok(out as T);
}
