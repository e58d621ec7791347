/**
 * gRPC calls over our HTTP/2 connection against a scripted server peer: the request
 * headers PROTOCOL-HTTP2.md requires, length-prefixed messages, statuses from trailers,
 * Trailers-Only and plain-HTTP failures, unary, server-streaming and bidi calls,
 * deadlines, cancellation and the message size limit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bidiStreamingCall, decodeTimeout, encodeTimeout, frameMessage, GrpcChannel, GrpcError, method, percentDecode, percentEncode, serverStreamingCall,
  statusFromTrailers, unaryCall,
} from '../../runtime/src/grpc/index.js';
import type { Header } from '../../runtime/src/hpack/index.js';
import { decodeMessage, encodeMessage, message } from '../../runtime/src/protobuf/index.js';
import { concat, connectedPair, type H2Peer, settle } from '../support/h2-peer.js';
import { waitFor } from '../support/tmp.js';

const t = suite('grpc call');

interface Note {
  text: string;
  n: number;
}
const Note = message<Note>('Note', [
  { name: 'text', no: 1, type: 'string' },
  { name: 'n', no: 2, type: 'int32' },
]);
const Echo = method('test.v1.Echo', 'Say', Note, Note);

const OK_HEADERS: Header[] = [[':status', '200'], ['content-type', 'application/grpc']];

async function setup(maxMessageBytes?: number) {
  const { conn, peer } = await connectedPair();
  const channel = new GrpcChannel(conn, { authority: 'test.local:443', ...(maxMessageBytes ? { maxMessageBytes } : {}) });
  return { channel, peer };
}

/** The request messages the client sent on a stream so far. */
function requests(peer: H2Peer, streamId: number): Note[] {
  let all = concat(peer.of('DATA').filter((f) => f.streamId === streamId).map((f) => f.data));
  const out: Note[] = [];
  while (all.length >= 5) {
    const len = new DataView(all.buffer, all.byteOffset).getUint32(1);
    assert.is(all[0], 0, 'uncompressed');
    const d = decodeMessage(Note, all.subarray(5, 5 + len));
    if (!d.ok) throw new Error(d.error.message);
    out.push(d.value);
    all = all.subarray(5 + len);
  }
  return out;
}

const reply = (note: Note) => frameMessage(encodeMessage(Note, note));

t('unary: the request headers, one framed message, the response and an OK status', async () => {
  const { channel, peer } = await setup();
  const p = unaryCall(channel, Echo, { text: 'hi', n: 1 }, { timeoutMs: 5000, metadata: [['x-trace', 'abc']] });
  const h = await peer.waitFor('HEADERS');
  assert.equal(h.headers, [
    [':method', 'POST'], [':scheme', 'https'], [':path', '/test.v1.Echo/Say'], [':authority', 'test.local:443'],
    ['content-type', 'application/grpc'], ['te', 'trailers'], ['user-agent', 'x0tta6bl4-grpc/1'], ['grpc-timeout', '5000m'], ['x-trace', 'abc'],
  ]);
  await peer.waitFor('DATA', (f) => f.endStream);
  assert.equal(requests(peer, 1), [{ text: 'hi', n: 1 }]);
  peer.headers(1, OK_HEADERS);
  peer.data(1, reply({ text: 'hello', n: 2 }));
  peer.headers(1, [['grpc-status', '0']], true);
  assert.equal(await p, { text: 'hello', n: 2 });
  channel.close();
});

t('a failed call rejects with GrpcError: code name and percent-decoded message', async () => {
  const { channel, peer } = await setup();
  const p = unaryCall(channel, Echo, { text: 'x', n: 0 });
  await peer.waitFor('HEADERS');
  peer.headers(1, OK_HEADERS);
  peer.headers(1, [['grpc-status', '7'], ['grpc-message', 'no %E2%9C%93 for you 100%25']], true);
  try {
    await p;
    assert.unreachable();
  } catch (e) {
    assert.instance(e, GrpcError);
    const g = e as GrpcError;
    assert.is(g.code, 7);
    assert.is(g.codeName, 'PERMISSION_DENIED');
    assert.is(g.details, 'no ✓ for you 100%');
    assert.match(g.message, /\/test.v1.Echo\/Say: PERMISSION_DENIED/);
  }
  channel.close();
});

t('Trailers-Only responses and HTTP errors without grpc-status', async () => {
  const { channel, peer } = await setup();
  const p1 = unaryCall(channel, Echo, { text: '', n: 0 });
  await peer.waitFor('HEADERS', (f) => f.streamId === 1);
  peer.headers(1, [[':status', '200'], ['content-type', 'application/grpc'], ['grpc-status', '12'], ['grpc-message', 'unknown method']], true);
  const e1 = await p1.then(() => null, (e: GrpcError) => e);
  assert.is(e1?.codeName, 'UNIMPLEMENTED');
  assert.is(e1?.details, 'unknown method');

  const p2 = unaryCall(channel, Echo, { text: '', n: 0 });
  await peer.waitFor('HEADERS', (f) => f.streamId === 3);
  peer.headers(3, [[':status', '503'], ['content-type', 'text/plain']], true);
  const e2 = await p2.then(() => null, (e: GrpcError) => e);
  assert.is(e2?.codeName, 'UNAVAILABLE');

  const p3 = unaryCall(channel, Echo, { text: '', n: 0 });
  await peer.waitFor('HEADERS', (f) => f.streamId === 5);
  peer.headers(5, OK_HEADERS);
  peer.data(5, reply({ text: 'a', n: 0 }), true); // no trailers at all
  const e3 = await p3.then(() => null, (e: GrpcError) => e);
  assert.is(e3?.codeName, 'INTERNAL');
  assert.match(e3?.details ?? '', /without trailers/);
  channel.close();
});

t('server streaming: messages split across DATA frames and several in one frame', async () => {
  const { channel, peer } = await setup();
  const call = serverStreamingCall(channel, Echo, { text: 'list', n: 0 });
  await peer.waitFor('DATA', (f) => f.endStream);
  peer.headers(1, OK_HEADERS);
  const bytes = concat([1, 2, 3, 4, 5].map((n) => reply({ text: `m${n}`, n })));
  peer.data(1, bytes.subarray(0, 7));
  peer.data(1, bytes.subarray(7, 30));
  peer.data(1, bytes.subarray(30));
  peer.headers(1, [['grpc-status', '0']], true);
  const got: number[] = [];
  for await (const m of call) got.push(m.n);
  assert.equal(got, [1, 2, 3, 4, 5]);
  const status = await call.status;
  assert.is(status.codeName, 'OK');
  channel.close();
});

t('bidi: send and read interleaved (an attestation-like challenge exchange), then half-close', async () => {
  const { channel, peer } = await setup();
  const call = bidiStreamingCall(channel, Echo);
  call.send({ text: 'params', n: 1 });
  await waitFor(() => requests(peer, 1).length === 1);
  peer.headers(1, OK_HEADERS);
  peer.data(1, reply({ text: 'challenge', n: 42 }));
  const challenge = await call.read();
  assert.equal(challenge, { text: 'challenge', n: 42 });
  call.send({ text: 'response', n: 43 });
  call.end();
  await peer.waitFor('DATA', (f) => f.endStream);
  assert.equal(requests(peer, 1), [{ text: 'params', n: 1 }, { text: 'response', n: 43 }]);
  peer.data(1, reply({ text: 'svid', n: 0 }));
  peer.headers(1, [['grpc-status', '0']], true);
  assert.equal(await call.read(), { text: 'svid', n: 0 });
  assert.is(await call.read(), null);
  assert.equal((await call.status).code, 0);
  channel.close();
});

t('deadline: the call ends DEADLINE_EXCEEDED and the stream is reset', async () => {
  const { channel, peer } = await setup();
  const p = unaryCall(channel, Echo, { text: 'slow', n: 0 }, { timeoutMs: 40 });
  const e = await p.then(() => null, (err: GrpcError) => err);
  assert.is(e?.codeName, 'DEADLINE_EXCEEDED');
  const rst = await peer.waitFor('RST_STREAM');
  assert.is(rst.errorCode, 8, 'CANCEL');
  channel.close();
});

t('cancel(): CANCELLED locally, RST_STREAM to the server; pending reads reject', async () => {
  const { channel, peer } = await setup();
  const call = bidiStreamingCall(channel, Echo);
  const pending = call.read();
  call.cancel();
  const e = await pending.then(() => null, (err: GrpcError) => err);
  assert.is(e?.codeName, 'CANCELLED');
  await peer.waitFor('RST_STREAM');
  channel.close();
});

t('a message above the size limit: RESOURCE_EXHAUSTED, and nothing buffered beyond it', async () => {
  const { channel, peer } = await setup(100);
  const p = unaryCall(channel, Echo, { text: '', n: 0 });
  await peer.waitFor('HEADERS');
  peer.headers(1, OK_HEADERS);
  peer.data(1, reply({ text: 'x'.repeat(200), n: 0 }).subarray(0, 50)); // the header says 203 bytes
  const e = await p.then(() => null, (err: GrpcError) => err);
  assert.is(e?.codeName, 'RESOURCE_EXHAUSTED');
  channel.close();
});

t('a response that is not the schema\'s message: INTERNAL', async () => {
  const { channel, peer } = await setup();
  const p = unaryCall(channel, Echo, { text: '', n: 0 });
  await peer.waitFor('HEADERS');
  peer.headers(1, OK_HEADERS);
  peer.data(1, frameMessage(Uint8Array.from([0x0b]))); // a group: refused by the decoder
  const e = await p.then(() => null, (err: GrpcError) => err);
  assert.is(e?.codeName, 'INTERNAL');
  assert.match(e?.details ?? '', /groups/);
  await settle();
  channel.close();
});

t('metadata helpers: percent-encoding, grpc-timeout units, status parsing', () => {
  assert.is(percentEncode('a b%c\n✓'), 'a b%25c%0A%E2%9C%93');
  assert.is(percentDecode(percentEncode('grüße 100% ✓')), 'grüße 100% ✓');
  assert.is(percentDecode('bad %zz and %4'), 'bad %zz and %4');
  assert.equal([encodeTimeout(1), encodeTimeout(99_999_999), encodeTimeout(100_000_000), encodeTimeout(1e12)], ['1m', '99999999m', '100000S', '277778H']);
  assert.equal([decodeTimeout('10S'), decodeTimeout('5m'), decodeTimeout('2H'), decodeTimeout('123456789m'), decodeTimeout('5x')], [10_000, 5, 7_200_000, null, null]);
  assert.is(statusFromTrailers([]).codeName, 'UNKNOWN');
  assert.is(statusFromTrailers([['grpc-status', 'abc']]).codeName, 'UNKNOWN');
  assert.is(statusFromTrailers([['grpc-status', '99']]).codeName, 'UNKNOWN');
  assert.is(statusFromTrailers([['grpc-status', '16']]).codeName, 'UNAUTHENTICATED');
});

t.run();
