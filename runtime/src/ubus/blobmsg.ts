/**
 * blobmsg (libubox blobmsg.h): named, typed values on top of blob. Each element is a
 * blob attribute with EXTENDED set and id = type; its payload starts with a name
 * header (u16 BE length, name, NUL, zero pad to 4) followed by the value.
 *
 * Decoding yields typed nodes (`BlobmsgNode`) so that argument parsing can accept any
 * integer width; `blobmsgToJson` maps them the way libubox's blobmsg_json does
 * (INT8 → boolean, UNSPEC → null). `encodeJsonFields` maps JSON the way
 * blobmsg_add_json_element does (boolean → INT8, integer in int32 range → INT32,
 * other integers → INT64, other numbers → DOUBLE, null → UNSPEC).
 */
import { utf8Decode, utf8Encode } from '../netlink/bytes.js';
import { type BlobAttr, type BlobWriter, type Decoded, decodeError, parseBlobList, pad4, type UbusDecodeError } from './blob.js';

export const BLOBMSG_TYPE_UNSPEC = 0;
export const BLOBMSG_TYPE_ARRAY = 1;
export const BLOBMSG_TYPE_TABLE = 2;
export const BLOBMSG_TYPE_STRING = 3;
export const BLOBMSG_TYPE_INT64 = 4;
export const BLOBMSG_TYPE_INT32 = 5;
export const BLOBMSG_TYPE_INT16 = 6;
export const BLOBMSG_TYPE_INT8 = 7;
export const BLOBMSG_TYPE_BOOL = BLOBMSG_TYPE_INT8;
export const BLOBMSG_TYPE_DOUBLE = 8;

export const BLOBMSG_TYPE_NAMES: readonly string[] = ['unspec', 'array', 'table', 'string', 'int64', 'int32', 'int16', 'int8', 'double'];

/** A JSON value as we carry it; integers beyond 2^53 decode as bigint. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type BlobmsgNode =
  | { type: typeof BLOBMSG_TYPE_UNSPEC; name: string; value: null }
  | { type: typeof BLOBMSG_TYPE_ARRAY | typeof BLOBMSG_TYPE_TABLE; name: string; value: BlobmsgNode[] }
  | { type: typeof BLOBMSG_TYPE_STRING; name: string; value: string }
  | { type: typeof BLOBMSG_TYPE_INT64; name: string; value: number | bigint }
  | { type: typeof BLOBMSG_TYPE_INT32 | typeof BLOBMSG_TYPE_INT16 | typeof BLOBMSG_TYPE_INT8 | typeof BLOBMSG_TYPE_DOUBLE; name: string; value: number };

export interface BlobmsgLimits {
  /** Nesting depth of tables/arrays (recursion bound). */
  maxDepth: number;
  /** Elements in the whole tree. */
  maxNodes: number;
}

export const DEFAULT_BLOBMSG_LIMITS: BlobmsgLimits = { maxDepth: 32, maxNodes: 65536 };

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = -SAFE_MAX;

/** Name header length for a name of `namelen` bytes: roundup4(2 + namelen + 1). */
export function blobmsgHeaderLength(namelen: number): number {
  return pad4(2 + namelen + 1);
}

interface DecodeState {
  nodes: number;
  limits: BlobmsgLimits;
}

function decodeNode(attr: BlobAttr, named: boolean, depth: number, st: DecodeState): Decoded<BlobmsgNode> {
  if (!attr.extended) return decodeError(`blobmsg: attribute without the EXTENDED bit (id ${attr.id})`);
  if (++st.nodes > st.limits.maxNodes) return decodeError(`blobmsg: more than ${st.limits.maxNodes} elements`, 'limit');
  const d = attr.data;
  if (d.length < 3) return decodeError('blobmsg: element shorter than its name header');
  const namelen = (d[0]! << 8) | d[1]!;
  if (named && namelen === 0) return decodeError('blobmsg: table member without a name');
  const hdr = blobmsgHeaderLength(namelen);
  if (d.length < hdr) return decodeError(`blobmsg: name length ${namelen} runs past the element`);
  if (d[2 + namelen] !== 0) return decodeError('blobmsg: name not NUL-terminated');
  const name = named ? utf8Decode(d, 2, 2 + namelen) : '';
  const v = d.subarray(hdr);
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const exact = (n: number, what: string): { ok: false; error: UbusDecodeError } | null => (v.length === n ? null : decodeError(`blobmsg: ${what} "${name}" has ${v.length} bytes, need ${n}`));
  switch (attr.id) {
    case BLOBMSG_TYPE_UNSPEC:
      return { ok: true, value: { type: BLOBMSG_TYPE_UNSPEC, name, value: null } };
    case BLOBMSG_TYPE_ARRAY:
    case BLOBMSG_TYPE_TABLE: {
      if (depth >= st.limits.maxDepth) return decodeError(`blobmsg: nested deeper than ${st.limits.maxDepth}`, 'limit');
      const list = decodeList(v, attr.id === BLOBMSG_TYPE_TABLE, depth + 1, st);
      if (!list.ok) return list;
      return { ok: true, value: { type: attr.id, name, value: list.value } };
    }
    case BLOBMSG_TYPE_STRING:
      if (v.length === 0 || v[v.length - 1] !== 0) return decodeError(`blobmsg: string "${name}" not NUL-terminated`);
      return { ok: true, value: { type: BLOBMSG_TYPE_STRING, name, value: utf8Decode(v, 0, v.length - 1) } };
    case BLOBMSG_TYPE_INT64: {
      const bad = exact(8, 'int64');
      if (bad) return bad;
      const big = view.getBigInt64(0, false);
      return { ok: true, value: { type: BLOBMSG_TYPE_INT64, name, value: big >= SAFE_MIN && big <= SAFE_MAX ? Number(big) : big } };
    }
    case BLOBMSG_TYPE_INT32:
      return exact(4, 'int32') ?? { ok: true, value: { type: BLOBMSG_TYPE_INT32, name, value: view.getInt32(0, false) } };
    case BLOBMSG_TYPE_INT16:
      return exact(2, 'int16') ?? { ok: true, value: { type: BLOBMSG_TYPE_INT16, name, value: view.getInt16(0, false) } };
    case BLOBMSG_TYPE_INT8:
      return exact(1, 'int8') ?? { ok: true, value: { type: BLOBMSG_TYPE_INT8, name, value: view.getInt8(0) } };
    case BLOBMSG_TYPE_DOUBLE:
      return exact(8, 'double') ?? { ok: true, value: { type: BLOBMSG_TYPE_DOUBLE, name, value: view.getFloat64(0, false) } };
    default:
      return decodeError(`blobmsg: unknown type ${attr.id}`);
  }
}

function decodeList(bytes: Uint8Array, named: boolean, depth: number, st: DecodeState): Decoded<BlobmsgNode[]> {
  const attrs = parseBlobList(bytes, 0, bytes.length, st.limits.maxNodes);
  if (!attrs.ok) return attrs;
  const out: BlobmsgNode[] = [];
  for (const a of attrs.value) {
    const n = decodeNode(a, named, depth, st);
    if (!n.ok) return n;
    out.push(n.value);
  }
  return { ok: true, value: out };
}

/** A blobmsg list (a message's DATA payload, a table's content): named elements. */
export function decodeBlobmsgTable(bytes: Uint8Array, limits: BlobmsgLimits = DEFAULT_BLOBMSG_LIMITS): Decoded<BlobmsgNode[]> {
  return decodeList(bytes, true, 0, { nodes: 0, limits });
}

/** One typed node as JSON (libubox blobmsg_format_element). */
export function nodeToJson(node: BlobmsgNode): JsonValue {
  switch (node.type) {
    case BLOBMSG_TYPE_UNSPEC:
      return null;
    case BLOBMSG_TYPE_INT8:
      return node.value !== 0;
    case BLOBMSG_TYPE_ARRAY:
      return node.value.map(nodeToJson);
    case BLOBMSG_TYPE_TABLE:
      return nodesToObject(node.value);
    default:
      return node.value;
  }
}

/** A list of named nodes as one JSON object (later duplicates win, as in a JS object). */
export function nodesToObject(nodes: readonly BlobmsgNode[]): JsonObject {
  const o: JsonObject = {};
  for (const n of nodes) o[n.name] = nodeToJson(n);
  return o;
}

export function decodeBlobmsgJson(bytes: Uint8Array, limits: BlobmsgLimits = DEFAULT_BLOBMSG_LIMITS): Decoded<JsonObject> {
  const t = decodeBlobmsgTable(bytes, limits);
  return t.ok ? { ok: true, value: nodesToObject(t.value) } : t;
}

/** Start an element: header with EXTENDED|type, then the name header. Returns the nest token. */
function startElement(w: BlobWriter, type: number, name: string): number {
  const t = w.start(type, true);
  const nb = utf8Encode(name);
  w.putU16(nb.length);
  w.putBytes(nb);
  const padded = blobmsgHeaderLength(nb.length) - 2 - nb.length;
  for (let i = 0; i < padded; i++) w.putU8(0);
  return t;
}

export function putString(w: BlobWriter, name: string, value: string): void {
  const t = startElement(w, BLOBMSG_TYPE_STRING, name);
  w.putBytes(utf8Encode(value));
  w.putU8(0);
  w.end(t);
}

export function putInt32(w: BlobWriter, name: string, value: number): void {
  const t = startElement(w, BLOBMSG_TYPE_INT32, name);
  w.putU32(value | 0);
  w.end(t);
}

export function putInt64(w: BlobWriter, name: string, value: number | bigint): void {
  const t = startElement(w, BLOBMSG_TYPE_INT64, name);
  w.putU64(typeof value === 'bigint' ? value : BigInt(value));
  w.end(t);
}

export function putBool(w: BlobWriter, name: string, value: boolean): void {
  const t = startElement(w, BLOBMSG_TYPE_INT8, name);
  w.putU8(value ? 1 : 0);
  w.end(t);
}

export function putDouble(w: BlobWriter, name: string, value: number): void {
  const t = startElement(w, BLOBMSG_TYPE_DOUBLE, name);
  w.putF64(value);
  w.end(t);
}

export function putNull(w: BlobWriter, name: string): void {
  w.end(startElement(w, BLOBMSG_TYPE_UNSPEC, name));
}

export function openTable(w: BlobWriter, name: string): number {
  return startElement(w, BLOBMSG_TYPE_TABLE, name);
}

export function openArray(w: BlobWriter, name: string): number {
  return startElement(w, BLOBMSG_TYPE_ARRAY, name);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** One JSON value as a named element (array elements get the empty name). */
export function putJson(w: BlobWriter, name: string, value: JsonValue | undefined, depth = 0): void {
  if (depth > DEFAULT_BLOBMSG_LIMITS.maxDepth) throw new RangeError(`blobmsg: value nested deeper than ${DEFAULT_BLOBMSG_LIMITS.maxDepth}`);
  if (value === null) putNull(w, name);
  else if (typeof value === 'boolean') putBool(w, name, value);
  else if (typeof value === 'string') putString(w, name, value);
  else if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`blobmsg: ${value} does not fit int64`);
    // bigint against bigint: quickjs-ng 0.17 compares a negative bigint with a number wrongly
    // (-(2n ** 62n) >= -2147483648 is true there).
    if (value >= BigInt(INT32_MIN) && value <= BigInt(INT32_MAX)) putInt32(w, name, Number(value));
    else putInt64(w, name, value);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) putInt32(w, name, value);
    else if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) putInt64(w, name, BigInt(value));
    else putDouble(w, name, value);
  } else if (Array.isArray(value)) {
    const t = openArray(w, name);
    for (const v of value) putJson(w, '', v === undefined ? null : v, depth + 1);
    w.end(t);
  } else if (typeof value === 'object') {
    const t = openTable(w, name);
    putJsonFields(w, value, depth + 1);
    w.end(t);
  }
  // undefined (and functions) are skipped, as JSON.stringify does.
}

/** The members of a JSON object as a blobmsg list (a message's DATA, a table's content). */
export function putJsonFields(w: BlobWriter, obj: { readonly [key: string]: JsonValue | undefined }, depth = 0): void {
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v !== undefined) putJson(w, key, v, depth);
  }
}

/** JSON text for values that may hold bigints (printed as plain integers). */
export function jsonText(value: JsonValue, indent?: string): string {
  const hasBig = (v: JsonValue): boolean => typeof v === 'bigint' || (typeof v === 'object' && v !== null && Object.values(v).some(hasBig));
  if (!hasBig(value)) return JSON.stringify(value, null, indent);
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000big${marks.push(v.toString()) - 1}\u0000` : v), indent);
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)] ?? '0');
}
