/**
 * Building netlink messages: a growable buffer with the nlmsghdr in front, fixed
 * family headers, and attributes (padded to 4 bytes, nests closed by length patching).
 */
import { align4, HOST_LITTLE_ENDIAN, utf8Encode, writeU64 } from './bytes.js';
import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from './constants.js';

/** Where an open nest started (returned by beginNested, passed to endNested). */
export type NestToken = { readonly offset: number };

export class MessageWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = NLMSG_HDRLEN;

  /** `flags` may be amended by the client (NLM_F_REQUEST/ACK/DUMP) when sending. */
  constructor(type: number, flags = 0, capacity = 256) {
    this.buf = new Uint8Array(Math.max(capacity, 64));
    this.view = new DataView(this.buf.buffer);
    this.view.setUint16(4, type, HOST_LITTLE_ENDIAN);
    this.view.setUint16(6, flags, HOST_LITTLE_ENDIAN);
  }

  /** Current length in bytes (the offset the next write goes to). */
  get length(): number {
    return this.len;
  }

  private reserve(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.len = need;
    return at;
  }

  /** Raw fixed-header fields (genlmsghdr, ifinfomsg, ...). */
  u8(value: number): this {
    const at = this.reserve(1); // reserve first: it may replace this.buf
    this.buf[at] = value & 0xff;
    return this;
  }
  u16(value: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, value & 0xffff, HOST_LITTLE_ENDIAN);
    return this;
  }
  u32(value: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, value >>> 0, HOST_LITTLE_ENDIAN);
    return this;
  }
  s32(value: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, value | 0, HOST_LITTLE_ENDIAN);
    return this;
  }
  bytes(data: Uint8Array): this {
    const at = this.reserve(data.length);
    this.buf.set(data, at);
    return this;
  }
  /** Zero bytes up to a 4-byte boundary. */
  pad(): this {
    const n = align4(this.len) - this.len;
    if (n) {
      const at = this.reserve(n);
      this.buf.fill(0, at, this.len);
    }
    return this;
  }

  /** An attribute with a raw payload, padded. */
  attr(type: number, payload: Uint8Array): this {
    const at = this.reserve(NLA_HDRLEN);
    this.view.setUint16(at, NLA_HDRLEN + payload.length, HOST_LITTLE_ENDIAN);
    this.view.setUint16(at + 2, type, HOST_LITTLE_ENDIAN);
    this.bytes(payload);
    return this.pad();
  }
  attrU8(type: number, value: number): this {
    return this.attr(type, Uint8Array.of(value & 0xff));
  }
  attrU16(type: number, value: number): this {
    const p = new Uint8Array(2);
    new DataView(p.buffer).setUint16(0, value & 0xffff, HOST_LITTLE_ENDIAN);
    return this.attr(type, p);
  }
  attrU32(type: number, value: number): this {
    const p = new Uint8Array(4);
    new DataView(p.buffer).setUint32(0, value >>> 0, HOST_LITTLE_ENDIAN);
    return this.attr(type, p);
  }
  attrU64(type: number, value: number): this {
    const p = new Uint8Array(8);
    writeU64(new DataView(p.buffer), 0, value);
    return this.attr(type, p);
  }
  /** NUL-terminated string (NLA_NUL_STRING / NLA_STRING both accept it). */
  attrString(type: number, value: string): this {
    const text = utf8Encode(value);
    const p = new Uint8Array(text.length + 1);
    p.set(text);
    return this.attr(type, p);
  }
  attrFlag(type: number): this {
    return this.attr(type, new Uint8Array(0));
  }

  /** Open a nest; NLA_F_NESTED is set unless `markNested` is false. */
  beginNested(type: number, markNested = true): NestToken {
    const at = this.reserve(NLA_HDRLEN);
    this.view.setUint16(at + 2, markNested ? type | NLA_F_NESTED : type, HOST_LITTLE_ENDIAN);
    return { offset: at };
  }
  endNested(token: NestToken): this {
    this.view.setUint16(token.offset, this.len - token.offset, HOST_LITTLE_ENDIAN);
    return this;
  }

  /** The finished message (nlmsg_len set; seq and pid are stamped by the client). */
  finish(): Uint8Array {
    this.view.setUint32(0, this.len, HOST_LITTLE_ENDIAN);
    return this.buf.slice(0, this.len);
  }
}

/** Stamp flags (OR), seq and pid into a finished message in place. */
export function stampMessage(message: Uint8Array, addFlags: number, seq: number, pid = 0): void {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  view.setUint16(6, view.getUint16(6, HOST_LITTLE_ENDIAN) | addFlags, HOST_LITTLE_ENDIAN);
  view.setUint32(8, seq >>> 0, HOST_LITTLE_ENDIAN);
  view.setUint32(12, pid >>> 0, HOST_LITTLE_ENDIAN);
}
