/**
 * HTTP/2 frames (RFC 9113 §4, §6): a total decoder (every bad input is an Http2Error
 * value, never an exception) and encoders. The decoder checks what a frame can say about
 * itself: its size, its stream id, padding, fixed payload lengths, setting values;
 * stream states and flow control are the connection's business (connection.ts).
 */
import {
  FLAG_ACK, FLAG_END_HEADERS, FLAG_END_STREAM, FLAG_PADDED, FLAG_PRIORITY, FRAME_CONTINUATION, FRAME_DATA, FRAME_GOAWAY, FRAME_HEADER_LENGTH,
  FRAME_HEADERS, FRAME_PING, FRAME_PRIORITY, FRAME_PUSH_PROMISE, FRAME_RST_STREAM, FRAME_SETTINGS, FRAME_WINDOW_UPDATE, MAX_MAX_FRAME_SIZE,
  MAX_WINDOW, MIN_MAX_FRAME_SIZE, SETTINGS_ENABLE_PUSH, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
} from './constants.js';
import { connectionError, type H2Result, ok, streamError } from './result.js';

export type Frame =
  /** `flowLength` is the whole payload incl. padding: what flow control counts. */
  | { type: 'DATA'; streamId: number; endStream: boolean; data: Uint8Array; flowLength: number }
  | { type: 'HEADERS'; streamId: number; endStream: boolean; endHeaders: boolean; fragment: Uint8Array }
  | { type: 'PRIORITY'; streamId: number }
  | { type: 'RST_STREAM'; streamId: number; errorCode: number }
  | { type: 'SETTINGS'; ack: boolean; settings: [id: number, value: number][] }
  | { type: 'PUSH_PROMISE'; streamId: number; promisedStreamId: number; endHeaders: boolean; fragment: Uint8Array }
  | { type: 'PING'; ack: boolean; data: Uint8Array }
  | { type: 'GOAWAY'; lastStreamId: number; errorCode: number; debug: Uint8Array }
  | { type: 'WINDOW_UPDATE'; streamId: number; increment: number }
  | { type: 'CONTINUATION'; streamId: number; endHeaders: boolean; fragment: Uint8Array }
  /** Unknown frame types must be ignored (§4.1, §5.5). */
  | { type: 'UNKNOWN'; frameType: number; streamId: number };

export interface DecodedFrame {
  frame: Frame;
  /** Offset just after the frame. */
  next: number;
}

function u32(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

/** The payload without padding (§6.1): [start, end) or an error. */
function unpad(b: Uint8Array, start: number, end: number, flags: number, what: string): H2Result<[number, number]> {
  if (!(flags & FLAG_PADDED)) return ok([start, end]);
  if (start >= end) return connectionError('FRAME_SIZE_ERROR', `${what}: PADDED frame without a pad length`);
  const pad = b[start] as number;
  if (pad > end - start - 1) return connectionError('PROTOCOL_ERROR', `${what}: padding ${pad} exceeds the payload`);
  return ok([start + 1, end - pad]);
}

function checkSetting(id: number, value: number): H2Result<void> {
  if (id === SETTINGS_ENABLE_PUSH && value > 1) return connectionError('PROTOCOL_ERROR', `SETTINGS_ENABLE_PUSH ${value}`);
  if (id === SETTINGS_INITIAL_WINDOW_SIZE && value > MAX_WINDOW) return connectionError('FLOW_CONTROL_ERROR', `SETTINGS_INITIAL_WINDOW_SIZE ${value} exceeds 2^31-1`);
  if (id === SETTINGS_MAX_FRAME_SIZE && (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE)) {
    return connectionError('PROTOCOL_ERROR', `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
  }
  return ok(undefined);
}

/**
 * The frame at `bytes[at]`: decoded with the offset after it, null when the bytes do not
 * hold a whole frame yet, or an error. `maxFrameSize` is our SETTINGS_MAX_FRAME_SIZE.
 */
export function decodeFrame(bytes: Uint8Array, at: number, maxFrameSize: number): H2Result<DecodedFrame | null> {
  if (bytes.length - at < FRAME_HEADER_LENGTH) return ok(null);
  const length = ((bytes[at] as number) << 16) | ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
  const type = bytes[at + 3] as number;
  const flags = bytes[at + 4] as number;
  const streamId = u32(bytes, at + 5) & 0x7fffffff; // the reserved bit is ignored
  if (length > maxFrameSize) return connectionError('FRAME_SIZE_ERROR', `frame of ${length} bytes exceeds ${maxFrameSize}`);
  const start = at + FRAME_HEADER_LENGTH;
  const end = start + length;
  if (end > bytes.length) return ok(null);
  const done = (frame: Frame): H2Result<DecodedFrame> => ok({ frame, next: end });
  const needStream = (what: string) => connectionError('PROTOCOL_ERROR', `${what} on stream 0`);
  const noStream = (what: string) => connectionError('PROTOCOL_ERROR', `${what} on stream ${streamId}`);

  switch (type) {
    case FRAME_DATA: {
      if (streamId === 0) return needStream('DATA');
      const p = unpad(bytes, start, end, flags, 'DATA');
      if (!p.ok) return p;
      return done({ type: 'DATA', streamId, endStream: (flags & FLAG_END_STREAM) !== 0, data: bytes.subarray(p.value[0], p.value[1]), flowLength: length });
    }
    case FRAME_HEADERS: {
      if (streamId === 0) return needStream('HEADERS');
      const p = unpad(bytes, start, end, flags, 'HEADERS');
      if (!p.ok) return p;
      let [s] = p.value;
      const e = p.value[1];
      if (flags & FLAG_PRIORITY) {
        if (e - s < 5) return connectionError('FRAME_SIZE_ERROR', 'HEADERS: priority fields past the end');
        s += 5; // stream dependency and weight: deprecated (§5.3.2), ignored
      }
      return done({ type: 'HEADERS', streamId, endStream: (flags & FLAG_END_STREAM) !== 0, endHeaders: (flags & FLAG_END_HEADERS) !== 0, fragment: bytes.subarray(s, e) });
    }
    case FRAME_PRIORITY:
      if (streamId === 0) return needStream('PRIORITY');
      if (length !== 5) return streamError('FRAME_SIZE_ERROR', `PRIORITY of ${length} bytes`);
      return done({ type: 'PRIORITY', streamId });
    case FRAME_RST_STREAM:
      if (streamId === 0) return needStream('RST_STREAM');
      if (length !== 4) return connectionError('FRAME_SIZE_ERROR', `RST_STREAM of ${length} bytes`);
      return done({ type: 'RST_STREAM', streamId, errorCode: u32(bytes, start) });
    case FRAME_SETTINGS: {
      if (streamId !== 0) return noStream('SETTINGS');
      const ack = (flags & FLAG_ACK) !== 0;
      if (ack && length !== 0) return connectionError('FRAME_SIZE_ERROR', 'SETTINGS ack with a payload');
      if (length % 6 !== 0) return connectionError('FRAME_SIZE_ERROR', `SETTINGS of ${length} bytes`);
      const settings: [number, number][] = [];
      for (let p = start; p < end; p += 6) {
        const id = ((bytes[p] as number) << 8) | (bytes[p + 1] as number);
        const value = u32(bytes, p + 2);
        const c = checkSetting(id, value);
        if (!c.ok) return c;
        settings.push([id, value]);
      }
      return done({ type: 'SETTINGS', ack, settings });
    }
    case FRAME_PUSH_PROMISE: {
      if (streamId === 0) return needStream('PUSH_PROMISE');
      const p = unpad(bytes, start, end, flags, 'PUSH_PROMISE');
      if (!p.ok) return p;
      if (p.value[1] - p.value[0] < 4) return connectionError('FRAME_SIZE_ERROR', 'PUSH_PROMISE without a promised stream id');
      return done({ type: 'PUSH_PROMISE', streamId, promisedStreamId: u32(bytes, p.value[0]) & 0x7fffffff, endHeaders: (flags & FLAG_END_HEADERS) !== 0, fragment: bytes.subarray(p.value[0] + 4, p.value[1]) });
    }
    case FRAME_PING:
      if (streamId !== 0) return noStream('PING');
      if (length !== 8) return connectionError('FRAME_SIZE_ERROR', `PING of ${length} bytes`);
      return done({ type: 'PING', ack: (flags & FLAG_ACK) !== 0, data: bytes.slice(start, end) });
    case FRAME_GOAWAY:
      if (streamId !== 0) return noStream('GOAWAY');
      if (length < 8) return connectionError('FRAME_SIZE_ERROR', `GOAWAY of ${length} bytes`);
      return done({ type: 'GOAWAY', lastStreamId: u32(bytes, start) & 0x7fffffff, errorCode: u32(bytes, start + 4), debug: bytes.slice(start + 8, end) });
    case FRAME_WINDOW_UPDATE: {
      if (length !== 4) return connectionError('FRAME_SIZE_ERROR', `WINDOW_UPDATE of ${length} bytes`);
      const increment = u32(bytes, start) & 0x7fffffff;
      if (increment === 0) {
        return streamId === 0 ? connectionError('PROTOCOL_ERROR', 'WINDOW_UPDATE of 0 on the connection') : streamError('PROTOCOL_ERROR', `WINDOW_UPDATE of 0 on stream ${streamId}`);
      }
      return done({ type: 'WINDOW_UPDATE', streamId, increment });
    }
    case FRAME_CONTINUATION:
      if (streamId === 0) return needStream('CONTINUATION');
      return done({ type: 'CONTINUATION', streamId, endHeaders: (flags & FLAG_END_HEADERS) !== 0, fragment: bytes.subarray(start, end) });
    default:
      return done({ type: 'UNKNOWN', frameType: type, streamId });
  }
}

/** The stream id of the frame at `at`, when its header is there (for stream errors). */
export function frameStreamId(bytes: Uint8Array, at: number): number {
  return bytes.length - at >= FRAME_HEADER_LENGTH ? u32(bytes, at + 5) & 0x7fffffff : 0;
}

/** The length of the frame at `at` including its header, when its header is there. */
export function frameLength(bytes: Uint8Array, at: number): number {
  if (bytes.length - at < FRAME_HEADER_LENGTH) return 0;
  return FRAME_HEADER_LENGTH + (((bytes[at] as number) << 16) | ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number));
}

// ---------------------------------------------------------------- encoders

export function encodeFrame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
  const n = payload.length;
  out[0] = (n >>> 16) & 0xff;
  out[1] = (n >>> 8) & 0xff;
  out[2] = n & 0xff;
  out[3] = type;
  out[4] = flags;
  putU32(out, 5, streamId & 0x7fffffff);
  out.set(payload, FRAME_HEADER_LENGTH);
  return out;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function u32Payload(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  values.forEach((v, i) => {
    putU32(b, 4 * i, v);
  });
  return b;
}

export function encodeData(streamId: number, data: Uint8Array, endStream: boolean): Uint8Array {
  return encodeFrame(FRAME_DATA, endStream ? FLAG_END_STREAM : 0, streamId, data);
}

/** HEADERS plus as many CONTINUATION frames as `maxFrameSize` makes necessary. */
export function encodeHeaders(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  do {
    const chunk = block.subarray(at, at + maxFrameSize);
    at += chunk.length;
    const last = at >= block.length;
    const first = frames.length === 0;
    const flags = (last ? FLAG_END_HEADERS : 0) | (first && endStream ? FLAG_END_STREAM : 0);
    frames.push(encodeFrame(first ? FRAME_HEADERS : FRAME_CONTINUATION, flags, streamId, chunk));
  } while (at < block.length);
  return frames;
}

export function encodeSettings(settings: readonly [number, number][]): Uint8Array {
  const p = new Uint8Array(6 * settings.length);
  settings.forEach(([id, value], i) => {
    p[6 * i] = (id >> 8) & 0xff;
    p[6 * i + 1] = id & 0xff;
    putU32(p, 6 * i + 2, value);
  });
  return encodeFrame(FRAME_SETTINGS, 0, 0, p);
}

export function encodeSettingsAck(): Uint8Array {
  return encodeFrame(FRAME_SETTINGS, FLAG_ACK, 0);
}

export function encodePing(data: Uint8Array, ack: boolean): Uint8Array {
  return encodeFrame(FRAME_PING, ack ? FLAG_ACK : 0, 0, data);
}

export function encodeRstStream(streamId: number, errorCode: number): Uint8Array {
  return encodeFrame(FRAME_RST_STREAM, 0, streamId, u32Payload(errorCode));
}

export function encodeGoaway(lastStreamId: number, errorCode: number, debug = ''): Uint8Array {
  const d = Uint8Array.from(debug, (c) => c.charCodeAt(0) & 0xff);
  const p = new Uint8Array(8 + d.length);
  putU32(p, 0, lastStreamId);
  putU32(p, 4, errorCode);
  p.set(d, 8);
  return encodeFrame(FRAME_GOAWAY, 0, 0, p);
}

export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  return encodeFrame(FRAME_WINDOW_UPDATE, 0, streamId, u32Payload(increment));
}
