/**
 * ubus messages (ubusmsg.h): an 8-byte header (u8 version 0, u8 type, u16 seq BE,
 * u32 peer BE) and one blob attribute with id 0 whose payload is a list of raw
 * UBUS_ATTR_* attributes. `UbusFramer` cuts a byte stream into messages (bounded by
 * UBUS_MAX_MSGLEN); `decodeMessage` checks each known attribute's shape.
 */
import { type BlobAttr, BlobWriter, type Decoded, decodeError, parseBlobList, parseRootBlob, readString, readU32 } from './blob.js';

export const UBUS_MSG_HELLO = 0;
export const UBUS_MSG_STATUS = 1;
export const UBUS_MSG_DATA = 2;
export const UBUS_MSG_PING = 3;
export const UBUS_MSG_LOOKUP = 4;
export const UBUS_MSG_INVOKE = 5;
export const UBUS_MSG_ADD_OBJECT = 6;
export const UBUS_MSG_REMOVE_OBJECT = 7;
export const UBUS_MSG_SUBSCRIBE = 8;
export const UBUS_MSG_UNSUBSCRIBE = 9;
export const UBUS_MSG_NOTIFY = 10;
export const UBUS_MSG_MONITOR = 11;
export const UBUS_MSG_TYPE_NAMES: readonly string[] = ['HELLO', 'STATUS', 'DATA', 'PING', 'LOOKUP', 'INVOKE', 'ADD_OBJECT', 'REMOVE_OBJECT', 'SUBSCRIBE', 'UNSUBSCRIBE', 'NOTIFY', 'MONITOR'];

export const UBUS_ATTR_STATUS = 1;
export const UBUS_ATTR_OBJPATH = 2;
export const UBUS_ATTR_OBJID = 3;
export const UBUS_ATTR_METHOD = 4;
export const UBUS_ATTR_OBJTYPE = 5;
export const UBUS_ATTR_SIGNATURE = 6;
export const UBUS_ATTR_DATA = 7;
export const UBUS_ATTR_TARGET = 8;
export const UBUS_ATTR_ACTIVE = 9;
export const UBUS_ATTR_NO_REPLY = 10;
export const UBUS_ATTR_SUBSCRIBERS = 11;
export const UBUS_ATTR_USER = 12;
export const UBUS_ATTR_GROUP = 13;

export const UBUS_STATUS_OK = 0;
export const UBUS_STATUS_INVALID_COMMAND = 1;
export const UBUS_STATUS_INVALID_ARGUMENT = 2;
export const UBUS_STATUS_METHOD_NOT_FOUND = 3;
export const UBUS_STATUS_NOT_FOUND = 4;
export const UBUS_STATUS_NO_DATA = 5;
export const UBUS_STATUS_PERMISSION_DENIED = 6;
export const UBUS_STATUS_TIMEOUT = 7;
export const UBUS_STATUS_NOT_SUPPORTED = 8;
export const UBUS_STATUS_UNKNOWN_ERROR = 9;
export const UBUS_STATUS_CONNECTION_FAILED = 10;
export const UBUS_STATUS_NO_MEMORY = 11;
export const UBUS_STATUS_PARSE_ERROR = 12;
export const UBUS_STATUS_SYSTEM_ERROR = 13;

/** libubus's texts (ubus_strerror), so our CLI reads like `ubus`. */
export const UBUS_STATUS_TEXT: readonly string[] = [
  'Success', 'Invalid command', 'Invalid argument', 'Method not found', 'Not found', 'No response', 'Permission denied',
  'Request timed out', 'Operation not supported', 'Unknown error', 'Connection failed', 'Out of memory', 'Parsing message data failed',
  'System error',
];

export function ubusStatusText(status: number): string {
  return UBUS_STATUS_TEXT[status] ?? `Unknown error (${status})`;
}

export const UBUS_SYSTEM_OBJECT_EVENT = 1;
export const UBUS_MAX_MSGLEN = 1 << 20;
export const UBUS_HEADER_LENGTH = 8;

export interface UbusAttrs {
  status?: number;
  objpath?: string;
  objid?: number;
  method?: string;
  objtype?: number;
  /** SIGNATURE payload: blobmsg tables, one per method. */
  signature?: Uint8Array;
  /** DATA payload: a blobmsg list. */
  data?: Uint8Array;
  target?: number;
  active?: boolean;
  noReply?: boolean;
  subscribers?: number[];
  user?: string;
  group?: string;
}

export interface UbusMessage {
  type: number;
  seq: number;
  peer: number;
  attrs: UbusAttrs;
}

function attrError(a: BlobAttr, what: string): { ok: false; error: { kind: 'decode'; message: string } } {
  return decodeError(`ubus: attribute ${a.id} ${what}`) as { ok: false; error: { kind: 'decode'; message: string } };
}

/** Parse one complete message (header + root blob); bounded by `bytes`. */
export function decodeMessage(bytes: Uint8Array): Decoded<UbusMessage> {
  if (bytes.length < UBUS_HEADER_LENGTH + 4) return decodeError(`ubus: ${bytes.length} bytes, need at least 12`);
  if (bytes[0] !== 0) return decodeError(`ubus: version ${bytes[0]}, expected 0`);
  const type = bytes[1]!;
  const seq = (bytes[2]! << 8) | bytes[3]!;
  const peer = readU32(bytes, 4);
  const root = parseRootBlob(bytes.subarray(UBUS_HEADER_LENGTH));
  if (!root.ok) return root;
  const list = parseBlobList(root.value.data, 0, root.value.data.length, 64);
  if (!list.ok) return list;
  const attrs: UbusAttrs = {};
  for (const a of list.value) {
    if (a.extended) continue;
    const d = a.data;
    switch (a.id) {
      case UBUS_ATTR_STATUS:
      case UBUS_ATTR_OBJID:
      case UBUS_ATTR_OBJTYPE:
      case UBUS_ATTR_TARGET: {
        if (d.length !== 4) return attrError(a, `has ${d.length} bytes, need 4`);
        const v = readU32(d);
        if (a.id === UBUS_ATTR_STATUS) attrs.status = v | 0;
        else if (a.id === UBUS_ATTR_OBJID) attrs.objid = v;
        else if (a.id === UBUS_ATTR_OBJTYPE) attrs.objtype = v;
        else attrs.target = v;
        break;
      }
      case UBUS_ATTR_OBJPATH:
      case UBUS_ATTR_METHOD:
      case UBUS_ATTR_USER:
      case UBUS_ATTR_GROUP: {
        const s = readString(d);
        if (s === null) return attrError(a, 'is not a NUL-terminated string');
        if (a.id === UBUS_ATTR_OBJPATH) attrs.objpath = s;
        else if (a.id === UBUS_ATTR_METHOD) attrs.method = s;
        else if (a.id === UBUS_ATTR_USER) attrs.user = s;
        else attrs.group = s;
        break;
      }
      case UBUS_ATTR_SIGNATURE:
        attrs.signature = d;
        break;
      case UBUS_ATTR_DATA:
        attrs.data = d;
        break;
      case UBUS_ATTR_ACTIVE:
      case UBUS_ATTR_NO_REPLY:
        if (d.length !== 1) return attrError(a, `has ${d.length} bytes, need 1`);
        if (a.id === UBUS_ATTR_ACTIVE) attrs.active = d[0] !== 0;
        else attrs.noReply = d[0] !== 0;
        break;
      case UBUS_ATTR_SUBSCRIBERS: {
        const subs = parseBlobList(d, 0, d.length, 4096);
        if (!subs.ok) return subs;
        attrs.subscribers = [];
        for (const s of subs.value) if (s.data.length === 4) attrs.subscribers.push(readU32(s.data));
        break;
      }
      default:
        break; // unknown attributes are skipped, as libubus's blob_parse does
    }
  }
  return { ok: true, value: { type, seq, peer, attrs } };
}

/** Header and root blob around attributes written by `fill`. */
export function encodeMessage(type: number, seq: number, peer: number, fill: (w: BlobWriter) => void, limit = UBUS_MAX_MSGLEN): Uint8Array {
  const w = new BlobWriter(limit + UBUS_HEADER_LENGTH);
  w.putU8(0);
  w.putU8(type);
  w.putU16(seq);
  w.putU32(peer);
  const root = w.start(0);
  fill(w);
  w.end(root);
  return w.bytes();
}

/** What the framer can report: complete messages (as bytes) or a fatal framing error. */
export type FrameResult = { ok: true; messages: Uint8Array[] } | { ok: false; error: string };

/**
 * Cuts a stream into messages: 12 bytes (header + root blob header) give the length;
 * a length below 4 or above `maxLength` is fatal (the peer must be dropped), as in
 * libubus's ubus_validate_hdr. Holds at most one partial message.
 */
export class UbusFramer {
  private buf = new Uint8Array(0);
  private have = 0;
  private failed: string | null = null;

  constructor(private readonly maxLength = UBUS_MAX_MSGLEN) {}

  push(chunk: Uint8Array): FrameResult {
    if (this.failed) return { ok: false, error: this.failed };
    const out: Uint8Array[] = [];
    let src = chunk;
    while (src.length > 0) {
      // Fill up to the header, then up to the whole message.
      const want = this.have < 12 ? 12 : this.expected();
      if (want < 0) return { ok: false, error: this.failed as unknown as string };
      const take = Math.min(want - this.have, src.length);
      this.ensure(want);
      this.buf.set(src.subarray(0, take), this.have);
      this.have += take;
      src = src.subarray(take);
      if (this.have < want) break;
      if (want === 12) {
        const total = this.expected();
        if (total < 0) return { ok: false, error: this.failed as unknown as string };
        if (total > 12) continue;
      }
      out.push(this.buf.slice(0, this.have));
      this.have = 0;
      // Give back a big buffer once its message is out (one large reply must not pin 1 MiB).
      if (this.buf.length > 65536) this.buf = new Uint8Array(0);
    }
    return { ok: true, messages: out };
  }

  /** Total length of the message in the buffer (header read), or -1 after a fatal error. */
  private expected(): number {
    const b = this.buf;
    const len = (((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0) & 0xffffff;
    if (b[0] !== 0) this.failed = `ubus: bad header (version ${b[0]})`;
    else if (len < 4) this.failed = `ubus: message blob length ${len} < 4`;
    else if (((len + 3) & ~3) > this.maxLength) this.failed = `ubus: message of ${len} bytes exceeds ${this.maxLength}`;
    return this.failed ? -1 : UBUS_HEADER_LENGTH + len;
  }

  private ensure(n: number): void {
    if (this.buf.length >= n) return;
    const next = new Uint8Array(Math.max(n, Math.min(this.buf.length * 2, this.maxLength + UBUS_HEADER_LENGTH)));
    next.set(this.buf.subarray(0, this.have));
    this.buf = next;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.have;
  }
}
