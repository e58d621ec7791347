/**
 * A.L.F.R.E.D.'s unix-socket packets (alfred 2023.0, packet.h): a 4-byte TLV
 * header (type, version, big-endian length of what follows), then the body. We
 * build push, request and event-register packets and decode what the daemon
 * writes back: pushed datasets, an error status, event notifications.
 * Decoding is bounded and returns errors as values.
 */

export const ALFRED_PUSH_DATA = 0;
export const ALFRED_REQUEST = 2;
export const ALFRED_STATUS_TXEND = 3;
export const ALFRED_STATUS_ERROR = 4;
export const ALFRED_EVENT_REGISTER = 9;
export const ALFRED_EVENT_NOTIFY = 10;
export const ALFRED_VERSION = 0;
export const TLV_LEN = 4;
/** source MAC (6) + type + version + length (2). */
export const DATA_HEADER_LEN = 10;
/** MAX_PAYLOAD: 65535 minus the UDP header. */
export const ALFRED_MAX_PAYLOAD = 65527;

export interface AlfredDataset {
  /** Source MAC, "aa:bb:cc:dd:ee:ff". */
  source: string;
  type: number;
  version: number;
  data: Uint8Array;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function macText(b: Uint8Array, at: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[at + i] as number).toString(16).padStart(2, '0'));
  return parts.join(':');
}

function checkType(type: number): void {
  if (!Number.isInteger(type) || type < 0 || type > 255) throw new RangeError(`alfred data type must be 0..255, got ${type}`);
}

/** push_data_v0 with one dataset from source 00:00:00:00:00:00 (the daemon fills in its own MAC). */
export function encodePush(type: number, version: number, data: Uint8Array, txId: number): Uint8Array {
  checkType(type);
  const total = TLV_LEN + 4 + DATA_HEADER_LEN + data.length;
  if (total - TLV_LEN > ALFRED_MAX_PAYLOAD - TLV_LEN) throw new RangeError(`alfred push of ${data.length} bytes is too large`);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out[0] = ALFRED_PUSH_DATA;
  out[1] = ALFRED_VERSION;
  v.setUint16(2, total - TLV_LEN);
  v.setUint16(4, txId & 0xffff);
  v.setUint16(6, 0);
  // bytes 8..13: source MAC, zero
  out[14] = type;
  out[15] = version & 0xff;
  v.setUint16(16, data.length);
  out.set(data, 18);
  return out;
}

/** request_v0: every dataset of one type. */
export function encodeRequest(type: number, txId: number): Uint8Array {
  checkType(type);
  const out = new Uint8Array(7);
  const v = new DataView(out.buffer);
  out[0] = ALFRED_REQUEST;
  out[1] = ALFRED_VERSION;
  v.setUint16(2, 3);
  out[4] = type;
  v.setUint16(5, txId & 0xffff);
  return out;
}

export function encodeEventRegister(): Uint8Array {
  return new Uint8Array([ALFRED_EVENT_REGISTER, ALFRED_VERSION, 0, 0]);
}

/** One TLV frame as the daemon wrote it. */
export interface Frame {
  type: number;
  version: number;
  body: Uint8Array;
}

/** Reassembles frames from stream chunks; bounded in buffered bytes. */
export class FrameReader {
  private buf = new Uint8Array(0);

  constructor(private readonly maxBuffered = 256 * 1024) {}

  /** Add bytes; returns the complete frames, or an error when the stream is unusable. */
  push(chunk: Uint8Array): Decoded<Frame[]> {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    const frames: Frame[] = [];
    let at = 0;
    while (joined.length - at >= TLV_LEN) {
      const len = ((joined[at + 2] as number) << 8) | (joined[at + 3] as number);
      if (joined.length - at < TLV_LEN + len) break;
      frames.push({ type: joined[at] as number, version: joined[at + 1] as number, body: joined.slice(at + TLV_LEN, at + TLV_LEN + len) });
      at += TLV_LEN + len;
    }
    this.buf = joined.slice(at);
    if (this.buf.length > this.maxBuffered) return { ok: false, error: `alfred: more than ${this.maxBuffered} bytes without a complete packet` };
    return { ok: true, value: frames };
  }

  /** Bytes left over (a truncated packet when the stream ended). */
  get pending(): number {
    return this.buf.length;
  }
}

/** The datasets in a push_data frame's body (transaction header, then data blocks). */
export function decodePushBody(body: Uint8Array): Decoded<AlfredDataset[]> {
  if (body.length < 4) return { ok: false, error: 'alfred: push packet shorter than its transaction header' };
  const out: AlfredDataset[] = [];
  let at = 4;
  while (at < body.length) {
    if (body.length - at < DATA_HEADER_LEN) return { ok: false, error: `alfred: truncated data header at byte ${at}` };
    const len = ((body[at + 8] as number) << 8) | (body[at + 9] as number);
    if (body.length - at - DATA_HEADER_LEN < len) return { ok: false, error: `alfred: data block claims ${len} bytes, ${body.length - at - DATA_HEADER_LEN} present` };
    out.push({
      source: macText(body, at),
      type: body[at + 6] as number,
      version: body[at + 7] as number,
      data: body.slice(at + DATA_HEADER_LEN, at + DATA_HEADER_LEN + len),
    });
    at += DATA_HEADER_LEN + len;
  }
  return { ok: true, value: out };
}

export interface EventNotice {
  type: number;
  source: string;
}

export function decodeEventNotify(body: Uint8Array): Decoded<EventNotice> {
  if (body.length < 7) return { ok: false, error: `alfred: event notification of ${body.length} bytes (7 expected)` };
  return { ok: true, value: { type: body[0] as number, source: macText(body, 1) } };
}

/** alfred writes the error code of STATUS_ERROR without byte swapping; read it in host order. */
export function statusErrorCode(body: Uint8Array): number {
  if (body.length < 4) return -1;
  return new DataView(body.buffer, body.byteOffset, body.length).getUint16(2, true);
}
