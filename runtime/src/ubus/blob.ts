/**
 * libubox's blob TLV (blob.h): one big-endian u32 `id_len` per attribute (bit 31 =
 * EXTENDED, bits 30..24 = id, bits 23..0 = length including the 4-byte header, pad
 * excluded), payload, zero pad to 4 bytes. Containers hold their children's padded
 * lengths. The reader is bounded and returns errors as values; the writer grows a
 * buffer up to a declared limit.
 */
import { utf8Decode, utf8Encode } from '../netlink/bytes.js';

export const BLOB_ATTR_EXTENDED = 0x80000000;
export const BLOB_ATTR_ID_MASK = 0x7f000000;
export const BLOB_ATTR_ID_SHIFT = 24;
export const BLOB_ATTR_LEN_MASK = 0x00ffffff;
export const BLOB_HEADER = 4;

/** What a decoder rejected: `decode` for bytes that do not parse, `limit` for a declared bound. */
export interface UbusDecodeError {
  kind: 'decode' | 'limit';
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: UbusDecodeError };

export function decodeError(message: string, kind: 'decode' | 'limit' = 'decode'): { ok: false; error: UbusDecodeError } {
  return { ok: false, error: { kind, message } };
}

export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One attribute: its id, the EXTENDED flag, and a view of its payload (no copy). */
export interface BlobAttr {
  id: number;
  extended: boolean;
  data: Uint8Array;
}

/**
 * The attributes in `bytes[start, end)`. A trailing attribute whose padding runs past
 * `end` is accepted (libubox counts the last child's pad, but a sender may not).
 */
export function parseBlobList(bytes: Uint8Array, start = 0, end = bytes.length, maxCount = 65536): Decoded<BlobAttr[]> {
  const out: BlobAttr[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = start;
  while (off < end) {
    if (end - off < BLOB_HEADER) return decodeError(`blob: ${end - off} stray bytes at offset ${off}`);
    const idLen = view.getUint32(off, false);
    const len = idLen & BLOB_ATTR_LEN_MASK;
    if (len < BLOB_HEADER) return decodeError(`blob: attribute length ${len} < 4 at offset ${off}`);
    if (off + len > end) return decodeError(`blob: attribute length ${len} at offset ${off} runs past its container`);
    if (out.length >= maxCount) return decodeError(`blob: more than ${maxCount} attributes`, 'limit');
    out.push({ id: (idLen & BLOB_ATTR_ID_MASK) >>> BLOB_ATTR_ID_SHIFT, extended: (idLen & BLOB_ATTR_EXTENDED) !== 0, data: bytes.subarray(off + BLOB_HEADER, off + len) });
    off += pad4(len);
  }
  return { ok: true, value: out };
}

/** A blob with exactly one root attribute: its id_len says how long it is. */
export function parseRootBlob(bytes: Uint8Array): Decoded<BlobAttr> {
  if (bytes.length < BLOB_HEADER) return decodeError(`blob: ${bytes.length} bytes, need a 4-byte header`);
  const idLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  const len = idLen & BLOB_ATTR_LEN_MASK;
  if (len < BLOB_HEADER || len > bytes.length) return decodeError(`blob: root length ${len} does not fit ${bytes.length} bytes`);
  return { ok: true, value: { id: (idLen & BLOB_ATTR_ID_MASK) >>> BLOB_ATTR_ID_SHIFT, extended: (idLen & BLOB_ATTR_EXTENDED) !== 0, data: bytes.subarray(BLOB_HEADER, len) } };
}

export function readU32(data: Uint8Array, offset = 0): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, false);
}

/** A STRING payload: needs its NUL terminator (libubox `blob_check_type`). */
export function readString(data: Uint8Array): string | null {
  if (data.length === 0 || data[data.length - 1] !== 0) return null;
  return utf8Decode(data, 0, data.length - 1);
}

export class BlobLimitError extends Error {
  constructor(limit: number) {
    super(`blob: message would exceed ${limit} bytes`);
    this.name = 'BlobLimitError';
  }
}

/** A nest in progress: where its header sits. */
export type NestToken = number;

/**
 * Builds blobs. Every put pads to 4 bytes with zeros; a nest's length is fixed when it
 * ends. Exceeding `limit` throws BlobLimitError (callers encoding untrusted data catch it).
 */
export class BlobWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(
    readonly limit = 1 << 20,
    initial = 256,
  ) {
    this.buf = new Uint8Array(Math.min(initial, limit));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    const at = this.pos;
    const need = at + n;
    if (need > this.limit) throw new BlobLimitError(this.limit);
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.min(this.limit, Math.max(need, this.buf.length * 2)));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.pos = need;
    return at;
  }

  private header(at: number, id: number, extended: boolean, len: number): void {
    this.view.setUint32(at, ((extended ? BLOB_ATTR_EXTENDED : 0) | ((id << BLOB_ATTR_ID_SHIFT) & BLOB_ATTR_ID_MASK) | (len & BLOB_ATTR_LEN_MASK)) >>> 0, false);
  }

  /** Zero bytes up to the next 4-byte boundary. */
  private pad(): void {
    const n = pad4(this.pos) - this.pos;
    if (n > 0) {
      const at = this.reserve(n);
      this.buf.fill(0, at, this.pos);
    }
  }

  /** Raw bytes with no header (blobmsg name headers, values inside an open attribute). */
  putBytes(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
  }

  putU8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v & 0xff);
  }
  putU16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v & 0xffff, false);
  }
  putU32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0, false);
  }
  putU64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, v), false);
  }
  putF64(v: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, false);
  }

  /** Open an attribute; its content follows; `end()` writes its length and pads. */
  start(id: number, extended = false): NestToken {
    const at = this.reserve(BLOB_HEADER);
    this.header(at, id, extended, 0);
    return at;
  }

  end(token: NestToken): void {
    this.header(token, (this.view.getUint32(token, false) & BLOB_ATTR_ID_MASK) >>> BLOB_ATTR_ID_SHIFT, (this.view.getUint32(token, false) & BLOB_ATTR_EXTENDED) !== 0, this.pos - token);
    this.pad();
  }

  /** A whole attribute with a byte payload. */
  putAttr(id: number, payload: Uint8Array, extended = false): void {
    const t = this.start(id, extended);
    this.putBytes(payload);
    this.end(t);
  }

  putAttrU32(id: number, v: number): void {
    const t = this.start(id);
    this.putU32(v);
    this.end(t);
  }

  putAttrU8(id: number, v: number): void {
    const t = this.start(id);
    this.putU8(v);
    this.end(t);
  }

  putAttrString(id: number, s: string): void {
    const t = this.start(id);
    this.putBytes(utf8Encode(s));
    this.putU8(0);
    this.end(t);
  }

  /** The bytes written so far (a copy). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
