/**
 * The HTTP/2 client connection against a scripted server peer over an in-process pipe:
 * preface and SETTINGS, requests and responses, CONTINUATION, flow control in both
 * directions, limits, resets, GOAWAY and PING.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Header } from '../../runtime/src/hpack/index.js';
import {
  bytePipe, encodeFrame, FRAME_CONTINUATION, FRAME_HEADERS, FRAME_PUSH_PROMISE, type Http2Error, Http2Connection, type Http2Stream,
  SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_FRAME_SIZE,
} from '../../runtime/src/http2/index.js';
import { connectedPair, H2Peer, settle } from '../support/h2-peer.js';
import { waitFor } from '../support/tmp.js';

const t = suite('http2 connection');

const REQUEST: Header[] = [[':method', 'POST'], [':scheme', 'http'], [':path', '/echo'], [':authority', 'test']];

function open(conn: Http2Connection, endStream = false): Http2Stream {
  const r = conn.request(REQUEST, endStream);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** What a stream received, collected. */
function collect(s: Http2Stream) {
  const got = { headers: [] as Header[][], data: [] as Uint8Array[], bytes: 0, ended: false, closed: undefined as Http2Error | null | undefined };
  s.onHeaders((h) => got.headers.push(h));
  s.onData((c) => {
    got.data.push(c.slice());
    got.bytes += c.length;
  });
  s.onEnd(() => {
    got.ended = true;
  });
  s.onClose((e) => {
    got.closed = e;
  });
  return got;
}

t('preface, SETTINGS both ways, ACKs; the server must speak SETTINGS first', async () => {
  const [a, b] = bytePipe();
  const peer = new H2Peer(b);
  const conn = Http2Connection.connect(a, { initialWindowSize: 100_000, maxFrameSize: 20_000, connectionWindowSize: 2 << 20 });
  const s = await peer.waitFor('SETTINGS', (f) => !f.ack);
  assert.ok(peer.prefaceOk, 'client preface');
  assert.equal(s.type === 'SETTINGS' && s.settings, [[2, 0], [3, 100], [4, 100_000], [5, 20_000], [6, 65_536]]);
  const wu = await peer.waitFor('WINDOW_UPDATE', (f) => f.streamId === 0);
  assert.is(wu.increment, (2 << 20) - 65_535, 'connection window raised at once');
  peer.settings([[SETTINGS_MAX_FRAME_SIZE, 32_768]]);
  await conn.ready;
  await peer.waitFor('SETTINGS', (f) => f.ack, 'ACK of the server SETTINGS');
  assert.is(conn.peer.maxFrameSize, 32_768);
  conn.close();

  // A server that starts with anything else is refused with PROTOCOL_ERROR.
  const [c, d] = bytePipe();
  const bad = new H2Peer(d);
  const conn2 = Http2Connection.connect(c);
  let closedWith: Http2Error | null | undefined;
  conn2.onClose((e) => {
    closedWith = e;
  });
  bad.raw(0x6, 0, 0, new Uint8Array(8)); // PING first
  await waitFor(() => closedWith !== undefined);
  assert.is(closedWith?.code, 'PROTOCOL_ERROR');
  const goaway = await bad.waitFor('GOAWAY');
  assert.is(goaway.errorCode, 1);
  try {
    await conn2.ready;
    assert.unreachable('ready must reject');
  } catch (e) {
    assert.match(String(e), /PROTOCOL_ERROR/);
  }
});

t('request and response: headers, data, trailers, END_STREAM closes the stream', async () => {
  const { conn, peer } = await connectedPair();
  const s = open(conn);
  const got = collect(s);
  s.end(Uint8Array.from([1, 2, 3]));
  const h = await peer.waitFor('HEADERS');
  assert.equal(h.headers, REQUEST);
  assert.is(h.streamId, 1);
  await peer.waitFor('DATA', (f) => f.endStream);
  assert.is(s.state, 'half-closed-local');
  peer.headers(1, [[':status', '200'], ['content-type', 'x']]);
  peer.data(1, Uint8Array.from([9, 9]));
  peer.headers(1, [['grpc-status', '0']], true);
  await waitFor(() => got.closed !== undefined);
  assert.equal(got.headers, [[[':status', '200'], ['content-type', 'x']], [['grpc-status', '0']]]);
  assert.is(got.bytes, 2);
  assert.ok(got.ended);
  assert.is(got.closed, null);
  assert.is(conn.activeStreams, 0);
  assert.is(open(conn).id, 3, 'client stream ids are odd and rising');
  conn.close();
});

t('a header block split over HEADERS + CONTINUATION arrives whole; a frame inside it is refused', async () => {
  const { conn, peer } = await connectedPair();
  const s = open(conn, true);
  const got = collect(s);
  const long: Header[] = [[':status', '200'], ...Array.from({ length: 40 }, (_, i) => [`x-h${i}`, 'v'.repeat(50 + i)] as Header)];
  peer.headers(1, long, true, 100); // 100-byte frames: many CONTINUATIONs
  await waitFor(() => got.closed !== undefined);
  assert.equal(got.headers[0], long);

  const s2 = open(conn, true);
  collect(s2);
  let closedWith: Http2Error | null | undefined;
  conn.onClose((e) => {
    closedWith = e;
  });
  peer.raw(FRAME_HEADERS, 0, 3, Uint8Array.from([0x88])); // no END_HEADERS
  peer.raw(0x6, 0, 0, new Uint8Array(8)); // PING where CONTINUATION must come
  await waitFor(() => closedWith !== undefined);
  assert.is(closedWith?.code, 'PROTOCOL_ERROR');
  assert.match(closedWith?.message ?? '', /CONTINUATION expected/);
});

t('sending: a body larger than the window goes out only as WINDOW_UPDATEs arrive', async () => {
  const { conn, peer } = await connectedPair({}, [[SETTINGS_MAX_FRAME_SIZE, 16_384]]);
  const s = open(conn);
  const body = new Uint8Array(200_000).map((_, i) => i & 0xff);
  s.end(body);
  await settle(20);
  assert.is(peer.dataOn(1), 65_535, 'stopped at the initial window (65 535)');
  assert.ok(peer.of('DATA').every((f) => f.data.length <= 16_384), 'no frame above the peer max frame size');
  peer.windowUpdate(1, 100_000); // the stream may take more, the connection not yet
  await settle(20);
  assert.is(peer.dataOn(1), 65_535, 'the connection window still holds it');
  peer.windowUpdate(0, 100_000);
  await settle(20);
  assert.is(peer.dataOn(1), 165_535);
  peer.windowUpdate(0, 50_000);
  peer.windowUpdate(1, 50_000);
  await peer.waitFor('DATA', (f) => f.endStream);
  assert.is(peer.dataOn(1), 200_000);
  const sent = new Uint8Array(200_000);
  let at = 0;
  for (const f of peer.of('DATA')) {
    sent.set(f.data, at);
    at += f.data.length;
  }
  assert.equal(sent, body, 'bytes arrive in order, unchanged');
  conn.close();
});

t('sending: a smaller SETTINGS_INITIAL_WINDOW_SIZE shrinks open streams (may go negative)', async () => {
  const { conn, peer } = await connectedPair();
  const s = open(conn);
  s.write(new Uint8Array(1000));
  await settle();
  peer.settings([[SETTINGS_INITIAL_WINDOW_SIZE, 500]]);
  await settle();
  assert.is(s.sendWindow, 500 - 1000);
  s.write(new Uint8Array(10));
  await settle();
  assert.is(peer.dataOn(1), 1000, 'nothing more while the window is negative');
  peer.windowUpdate(1, 600);
  await settle();
  assert.is(peer.dataOn(1), 1010);
  conn.close();
});

t('receiving: a body larger than our windows gets through because we send WINDOW_UPDATEs', async () => {
  const { conn, peer } = await connectedPair({ initialWindowSize: 65_535, connectionWindowSize: 65_535 });
  const s = open(conn, true);
  const got = collect(s);
  peer.headers(1, [[':status', '200']]);
  // The server side of flow control: send only what the windows allow, wait for updates.
  let streamWindow = 65_535;
  let connWindow = 65_535;
  let sent = 0;
  const total = 300_000;
  let seen = 0;
  while (sent < total) {
    for (const f of peer.of('WINDOW_UPDATE').slice(seen)) {
      if (f.streamId === 0) connWindow += f.increment;
      else streamWindow += f.increment;
    }
    seen = peer.of('WINDOW_UPDATE').length;
    const n = Math.min(16_384, streamWindow, connWindow, total - sent);
    if (n <= 0) {
      const before = seen;
      await waitFor(() => peer.of('WINDOW_UPDATE').length > before, 2000, 'a WINDOW_UPDATE');
      continue;
    }
    peer.data(1, new Uint8Array(n).fill(7), sent + n === total);
    streamWindow -= n;
    connWindow -= n;
    sent += n;
    await settle(0);
  }
  await waitFor(() => got.closed !== undefined);
  assert.is(got.bytes, total);
  assert.is(got.closed, null);
  assert.ok(peer.of('WINDOW_UPDATE').filter((f) => f.streamId === 1).length >= 4, 'stream window given back several times');
  conn.close();
});

t('receiving: a peer that overruns our window gets FLOW_CONTROL_ERROR', async () => {
  const { conn, peer } = await connectedPair({ initialWindowSize: 1000 });
  const s = open(conn, true);
  const got = collect(s);
  peer.headers(1, [[':status', '200']]);
  peer.data(1, new Uint8Array(1001));
  await waitFor(() => got.closed !== undefined);
  assert.is(got.closed?.code, 'FLOW_CONTROL_ERROR');
  const rst = await peer.waitFor('RST_STREAM');
  assert.is(rst.errorCode, 3);
  assert.not.ok(conn.closed, 'a stream error: the connection lives on');

  // The connection window: one frame beyond it ends the connection.
  const c2 = await connectedPair({ initialWindowSize: 100_000, connectionWindowSize: 65_535, maxFrameSize: 70_000 });
  const a = open(c2.conn, true);
  collect(a);
  let closedWith: Http2Error | null | undefined;
  c2.conn.onClose((e) => {
    closedWith = e;
  });
  c2.peer.headers(1, [[':status', '200']]);
  c2.peer.data(1, new Uint8Array(65_536));
  await waitFor(() => closedWith !== undefined);
  assert.is(closedWith?.code, 'FLOW_CONTROL_ERROR');
  assert.match(closedWith?.message ?? '', /connection window/);
  c2.conn.close();
  conn.close();
});

t('pause() holds back the stream window until resume()', async () => {
  const { conn, peer } = await connectedPair({ initialWindowSize: 20_000 });
  const s = open(conn, true);
  collect(s);
  peer.headers(1, [[':status', '200']]);
  s.pause();
  peer.data(1, new Uint8Array(15_000));
  await settle();
  assert.not.ok(peer.of('WINDOW_UPDATE').some((f) => f.streamId === 1), 'no stream update while paused');
  s.resume();
  const wu = await peer.waitFor('WINDOW_UPDATE', (f) => f.streamId === 1);
  assert.is(wu.increment, 15_000);
  conn.close();
});

t('limits: concurrent streams (ours and the peer\'s), header list size, frame size', async () => {
  const { conn, peer } = await connectedPair({ maxConcurrentStreams: 5 }, [[SETTINGS_MAX_CONCURRENT_STREAMS, 2]]);
  open(conn);
  open(conn);
  const third = conn.request(REQUEST);
  assert.not.ok(third.ok);
  if (!third.ok) assert.is(third.error.code, 'REFUSED_STREAM');

  const small = await connectedPair({ maxHeaderListSize: 200 });
  const s = open(small.conn, true);
  collect(s);
  let closedWith: Http2Error | null | undefined;
  small.conn.onClose((e) => {
    closedWith = e;
  });
  small.peer.headers(1, [[':status', '200'], ['x-big', 'v'.repeat(300)]]);
  await waitFor(() => closedWith !== undefined);
  assert.is(closedWith?.code, 'COMPRESSION_ERROR');
  assert.match(closedWith?.message ?? '', /200/);

  const framed = await connectedPair();
  let closed2: Http2Error | null | undefined;
  framed.conn.onClose((e) => {
    closed2 = e;
  });
  const s3 = open(framed.conn, true);
  collect(s3);
  framed.peer.headers(1, [[':status', '200']]);
  framed.peer.data(1, new Uint8Array(16_385));
  await waitFor(() => closed2 !== undefined);
  assert.is(closed2?.code, 'FRAME_SIZE_ERROR');
  conn.close();
  void peer;
});

t('RST_STREAM from the peer ends that stream only; late frames for it are ignored', async () => {
  const { conn, peer } = await connectedPair();
  const s = open(conn, true);
  const got = collect(s);
  const other = open(conn, true);
  const got2 = collect(other);
  peer.raw(0x3, 0, 1, Uint8Array.from([0, 0, 0, 8])); // CANCEL
  await waitFor(() => got.closed !== undefined);
  assert.is(got.closed?.code, 'CANCEL');
  peer.headers(1, [[':status', '200']]); // late: decoded (HPACK state) and dropped
  peer.headers(3, [[':status', '200']], true);
  await waitFor(() => got2.closed !== undefined);
  assert.is(got2.closed, null);
  assert.not.ok(conn.closed);
  conn.close();
});

t('frames for streams never opened and PUSH_PROMISE are connection errors', async () => {
  for (const send of [
    (p: H2Peer) => p.headers(9, [[':status', '200']]),
    (p: H2Peer) => p.raw(FRAME_PUSH_PROMISE, 4, 1, Uint8Array.from([0, 0, 0, 2, 0x88])),
    (p: H2Peer) => p.raw(FRAME_CONTINUATION, 4, 1, Uint8Array.from([0x88])),
  ]) {
    const { conn, peer } = await connectedPair();
    open(conn);
    let closedWith: Http2Error | null | undefined;
    conn.onClose((e) => {
      closedWith = e;
    });
    send(peer);
    await waitFor(() => closedWith !== undefined);
    assert.is(closedWith?.code, 'PROTOCOL_ERROR');
    await peer.waitFor('GOAWAY');
  }
});

t('GOAWAY: streams above the last id are refused (retryable), the rest finish, then the connection closes', async () => {
  const { conn, peer } = await connectedPair();
  const s1 = open(conn, true);
  const s3 = open(conn, true);
  const g1 = collect(s1);
  const g3 = collect(s3);
  let closedWith: Http2Error | null | undefined;
  conn.onClose((e) => {
    closedWith = e;
  });
  peer.raw(0x7, 0, 0, Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0])); // last stream 1, NO_ERROR
  await waitFor(() => g3.closed !== undefined);
  assert.is(g3.closed?.code, 'REFUSED_STREAM');
  const refused = conn.request(REQUEST);
  assert.not.ok(refused.ok, 'no new streams after GOAWAY');
  peer.headers(1, [[':status', '200']], true);
  await waitFor(() => closedWith !== undefined);
  assert.is(g1.closed, null);
  assert.is(closedWith, null, 'a clean end');
});

t('PING: answered with an ACK of the same bytes; ours resolves on the ACK', async () => {
  const { conn, peer } = await connectedPair();
  peer.raw(0x6, 0, 0, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const ack = await peer.waitFor('PING', (f) => f.ack);
  assert.equal(Array.from(ack.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  let done = false;
  const p = conn.ping().then(() => {
    done = true;
  });
  const ours = await peer.waitFor('PING', (f) => !f.ack);
  await settle();
  assert.not.ok(done);
  peer.raw(0x6, 1, 0, ours.data);
  await p;
  assert.ok(done);
  conn.close();
});

t('the transport closing ends every stream with an error', async () => {
  const { conn, peer } = await connectedPair();
  const got = collect(open(conn, true));
  peer.stream.close();
  await waitFor(() => got.closed !== undefined);
  assert.is(got.closed?.code, 'CONNECT_ERROR');
  assert.ok(conn.closed);
  assert.not.ok(conn.request(REQUEST).ok);
});

t('no SETTINGS ACK within the timeout: SETTINGS_TIMEOUT', async () => {
  const [a, b] = bytePipe();
  const peer = new H2Peer(b);
  const conn = Http2Connection.connect(a, { settingsTimeoutMs: 50 });
  peer.settings();
  let closedWith: Http2Error | null | undefined;
  conn.onClose((e) => {
    closedWith = e;
  });
  await waitFor(() => closedWith !== undefined, 2000);
  assert.is(closedWith?.code, 'SETTINGS_TIMEOUT');
  void encodeFrame;
});

t.run();
