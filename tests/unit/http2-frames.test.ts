/**
 * The HTTP/2 frame decoder and encoders (RFC 9113 §4, §6): each frame type round-trips,
 * and each malformed frame is an error value with the RFC's error code.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeFrame, encodeData, encodeFrame, encodeGoaway, encodeHeaders, encodePing, encodeRstStream, encodeSettings, encodeWindowUpdate, FLAG_PADDED,
  FLAG_PRIORITY, FRAME_DATA, FRAME_HEADERS, FRAME_PING, FRAME_PRIORITY, FRAME_RST_STREAM, FRAME_SETTINGS, FRAME_WINDOW_UPDATE, type Frame,
} from '../../runtime/src/http2/index.js';

const t = suite('http2 frames');

function one(bytes: Uint8Array, max = 16_384): Frame {
  const r = decodeFrame(bytes, 0, max);
  if (!r.ok) throw new Error(r.error.message);
  if (!r.value) throw new Error('incomplete');
  assert.is(r.value.next, bytes.length);
  return r.value.frame;
}

function refused(bytes: Uint8Array, code: string, scope = 'connection', max = 16_384): void {
  const r = decodeFrame(bytes, 0, max);
  assert.not.ok(r.ok, `expected ${code}`);
  if (!r.ok) {
    assert.is(r.error.code, code, r.error.message);
    assert.is(r.error.scope, scope, r.error.message);
  }
}

t('the 9-byte header: length, type, flags, stream id with the reserved bit ignored', () => {
  const f = encodeData(5, Uint8Array.from([1, 2, 3]), true);
  assert.equal(Array.from(f.subarray(0, 9)), [0, 0, 3, 0, 1, 0, 0, 0, 5]);
  f[5] = 0x80; // reserved bit set
  assert.equal(one(f), { type: 'DATA', streamId: 5, endStream: true, data: Uint8Array.from([1, 2, 3]), flowLength: 3 });
});

t('incomplete input is "not yet", not an error', () => {
  const f = encodeData(1, new Uint8Array(100), false);
  for (const n of [0, 5, 9, 50, 108]) assert.equal(decodeFrame(f.subarray(0, n), 0, 16_384), { ok: true, value: null });
});

t('every frame type round-trips', () => {
  assert.equal(one(encodeSettings([[1, 4096], [4, 1 << 20]])), { type: 'SETTINGS', ack: false, settings: [[1, 4096], [4, 1 << 20]] });
  assert.equal(one(encodePing(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), true)), { type: 'PING', ack: true, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
  assert.equal(one(encodeRstStream(3, 8)), { type: 'RST_STREAM', streamId: 3, errorCode: 8 });
  assert.equal(one(encodeWindowUpdate(0, 0x7fffffff)), { type: 'WINDOW_UPDATE', streamId: 0, increment: 0x7fffffff });
  const g = one(encodeGoaway(7, 2, 'bye'));
  assert.equal(g, { type: 'GOAWAY', lastStreamId: 7, errorCode: 2, debug: Uint8Array.from([98, 121, 101]) });
  const hs = encodeHeaders(1, new Uint8Array(40_000).fill(0x82), true, 16_384);
  assert.is(hs.length, 3, 'HEADERS + 2 CONTINUATION');
  const frames = hs.map((h) => one(h));
  assert.equal(frames.map((f) => f.type), ['HEADERS', 'CONTINUATION', 'CONTINUATION']);
  assert.equal(frames.map((f) => ('endHeaders' in f ? f.endHeaders : null)), [false, false, true]);
  assert.ok(frames[0]?.type === 'HEADERS' && frames[0].endStream);
  assert.equal(one(encodeFrame(0xfa, 0xff, 9, Uint8Array.from([1]))), { type: 'UNKNOWN', frameType: 0xfa, streamId: 9 });
  assert.equal(one(encodeFrame(FRAME_PRIORITY, 0, 3, new Uint8Array(5))), { type: 'PRIORITY', streamId: 3 });
});

t('padding and priority fields are stripped; flow control still counts the padding', () => {
  const padded = encodeFrame(FRAME_DATA, FLAG_PADDED, 1, Uint8Array.from([3, 0xaa, 0xbb, 0, 0, 0]));
  assert.equal(one(padded), { type: 'DATA', streamId: 1, endStream: false, data: Uint8Array.from([0xaa, 0xbb]), flowLength: 6 });
  const h = one(encodeFrame(FRAME_HEADERS, FLAG_PADDED | FLAG_PRIORITY | 4, 1, Uint8Array.from([1, 0, 0, 0, 3, 16, 0x82, 0])));
  assert.equal(h, { type: 'HEADERS', streamId: 1, endStream: false, endHeaders: true, fragment: Uint8Array.from([0x82]) });
});

t('malformed frames: the RFC error code for each', () => {
  refused(encodeData(1, new Uint8Array(16_385), false), 'FRAME_SIZE_ERROR'); // above SETTINGS_MAX_FRAME_SIZE
  refused(encodeData(0, new Uint8Array(1), false), 'PROTOCOL_ERROR'); // DATA on stream 0
  refused(encodeFrame(FRAME_HEADERS, 0, 0, new Uint8Array(1)), 'PROTOCOL_ERROR');
  refused(encodeFrame(FRAME_DATA, FLAG_PADDED, 1, Uint8Array.from([5, 1])), 'PROTOCOL_ERROR'); // padding > payload
  refused(encodeFrame(FRAME_DATA, FLAG_PADDED, 1, new Uint8Array(0)), 'FRAME_SIZE_ERROR'); // no pad length
  refused(encodeFrame(FRAME_SETTINGS, 0, 0, new Uint8Array(5)), 'FRAME_SIZE_ERROR');
  refused(encodeFrame(FRAME_SETTINGS, 1, 0, new Uint8Array(6)), 'FRAME_SIZE_ERROR'); // ACK with payload
  refused(encodeFrame(FRAME_SETTINGS, 0, 1, new Uint8Array(0)), 'PROTOCOL_ERROR'); // on a stream
  refused(encodeSettings([[2, 2]]), 'PROTOCOL_ERROR'); // ENABLE_PUSH 2
  refused(encodeSettings([[4, 0x80000000]]), 'FLOW_CONTROL_ERROR');
  refused(encodeSettings([[5, 16_383]]), 'PROTOCOL_ERROR');
  refused(encodeSettings([[5, 1 << 24]]), 'PROTOCOL_ERROR');
  refused(encodeFrame(FRAME_PING, 0, 0, new Uint8Array(7)), 'FRAME_SIZE_ERROR');
  refused(encodeFrame(FRAME_PING, 0, 3, new Uint8Array(8)), 'PROTOCOL_ERROR');
  refused(encodeFrame(FRAME_RST_STREAM, 0, 1, new Uint8Array(3)), 'FRAME_SIZE_ERROR');
  refused(encodeFrame(FRAME_RST_STREAM, 0, 0, new Uint8Array(4)), 'PROTOCOL_ERROR');
  refused(encodeFrame(FRAME_WINDOW_UPDATE, 0, 0, new Uint8Array(4)), 'PROTOCOL_ERROR'); // increment 0 on the connection
  refused(encodeFrame(FRAME_WINDOW_UPDATE, 0, 1, new Uint8Array(4)), 'PROTOCOL_ERROR', 'stream');
  refused(encodeFrame(FRAME_WINDOW_UPDATE, 0, 1, new Uint8Array(5)), 'FRAME_SIZE_ERROR');
  refused(encodeFrame(FRAME_PRIORITY, 0, 1, new Uint8Array(4)), 'FRAME_SIZE_ERROR', 'stream');
  refused(encodeFrame(FRAME_HEADERS, FLAG_PRIORITY, 1, new Uint8Array(4)), 'FRAME_SIZE_ERROR');
  refused(encodeFrame(0x7, 0, 0, new Uint8Array(7)), 'FRAME_SIZE_ERROR'); // GOAWAY too short
});

t.run();
