/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/): varints,
 * zigzag, little-endian fixed32/fixed64, length-delimited fields.
 *
 * `WireReader` is total: a read past the end or an overlong varint sets `error` (the
 * first one wins) and returns 0, so callers check `error` once per field instead of
 * catching exceptions.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class WireReader {
  pos: number;
  error: string | null = null;
  /** The high 32 bits of the last varint read by `varint()`. */
  hi = 0;
  private view: DataView | null = null;

  constructor(readonly bytes: Uint8Array, start = 0, public end = bytes.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end || this.error !== null;
  }

  fail(message: string): 0 {
    if (this.error === null) this.error = `${message} at byte ${this.pos}`;
    this.pos = this.end;
    return 0;
  }

  /** A varint of up to 64 bits: returns the low 32 bits (unsigned), leaves the high ones in `hi`. */
  varint(): number {
    const b = this.bytes;
    if (this.pos < this.end) {
      const first = b[this.pos] as number;
      if (first < 0x80) {
        // one byte: most tags, lengths and small numbers
        this.pos++;
        this.hi = 0;
        return first;
      }
    }
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let at = this.pos;
    for (let i = 0; i < 10; i++) {
      if (at >= this.end) return this.fail('varint runs past the end');
      const byte = b[at++] as number;
      if (i < 4) lo |= (byte & 0x7f) << shift;
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi = (byte & 0x7f) >> 4;
      } else if (i === 9) {
        if (byte > 1) return this.fail('varint overflows 64 bits');
        hi |= byte << 31;
      } else hi |= (byte & 0x7f) << (shift - 32);
      if (byte < 0x80) {
        this.pos = at;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
      shift += 7;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** A varint as a 64-bit unsigned bigint. */
  varint64(): bigint {
    const lo = this.varint();
    return (BigInt(this.hi) << 32n) | BigInt(lo);
  }

  /** A varint that must fit a JavaScript length or tag (up to 2^32-1). */
  varint32(): number {
    const lo = this.varint();
    if (this.hi !== 0) return this.fail('varint too large for a length');
    return lo;
  }

  fixed32(): number {
    if (this.end - this.pos < 4) return this.fail('fixed32 runs past the end');
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
  }

  /** Eight little-endian bytes: low word returned, high word in `hi`. */
  fixed64(): number {
    if (this.end - this.pos < 8) return this.fail('fixed64 runs past the end');
    const lo = this.fixed32();
    this.hi = this.fixed32();
    return lo;
  }

  float(): number {
    if (this.end - this.pos < 4) return this.fail('float runs past the end');
    const v = this.dataView().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.end - this.pos < 8) return this.fail('double runs past the end');
    const v = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length prefix and the bounds it covers: [start, end), or null after an error. */
  delimited(): [number, number] | null {
    const len = this.varint32();
    if (this.error !== null) return null;
    if (len > this.end - this.pos) {
      this.fail(`length ${len} runs past the end`);
      return null;
    }
    const start = this.pos;
    this.pos += len;
    return [start, this.pos];
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }
}

/** Grows as it is written; `finish()` returns the bytes written. */
export class WireWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** An unsigned varint below 2^53 (lengths, tags, 32-bit values). */
  uvarint(v: number): this {
    this.room(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
    return this;
  }

  /** A 64-bit varint from two 32-bit halves. */
  varint64(lo: number, hi: number): this {
    this.room(10);
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.len++] = lo;
    return this;
  }

  /** int32: negative values are sign-extended to ten bytes, as the spec requires. */
  int32(v: number): this {
    return v < 0 ? this.varint64(v, -1) : this.uvarint(v);
  }

  tag(no: number, wireType: number): this {
    return this.uvarint(no * 8 + wireType);
  }

  fixed32(v: number): this {
    this.room(4);
    const b = this.buf;
    b[this.len++] = v & 0xff;
    b[this.len++] = (v >>> 8) & 0xff;
    b[this.len++] = (v >>> 16) & 0xff;
    b[this.len++] = (v >>> 24) & 0xff;
    return this;
  }

  fixed64(lo: number, hi: number): this {
    return this.fixed32(lo).fixed32(hi);
  }

  float(v: number): this {
    this.room(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  double(v: number): this {
    this.room(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, true);
    this.len += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  delimited(bytes: Uint8Array): this {
    return this.uvarint(bytes.length).raw(bytes);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** A 64-bit value (bigint or safe integer) as unsigned 32-bit halves [lo, hi]. */
export function split64(v: bigint | number): [number, number] {
  const u = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

export function unzigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

export function zigzag64(n: bigint): bigint {
  const v = BigInt.asIntN(64, n);
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

export function unzigzag64(n: bigint): bigint {
  return BigInt.asIntN(64, (n >> 1n) ^ -(n & 1n));
}

/** Two 32-bit halves as a number when it is a safe integer (lengths etc.). */
export function joinSafe(lo: number, hi: number): number {
  return hi * TWO_32 + lo;
}
