#!/usr/bin/env node
// An independent gRPC server for tests/unit/grpc-node-http2.test.ts: Node's own
// node:http2 (nghttp2) over TLS with ALPN h2 and a required client certificate, and a
// hand-written encoding of the one message type (not our protobuf codec), so that our
// HTTP/2, HPACK, gRPC and protobuf code meets implementations it did not write.
//
//   node tests/support/grpc-node-server.mjs DIR
// DIR holds server.pem (chain), server.key, ca.pem; the port goes to DIR/port.
// Service test.v1.Echo, message Note { string text = 1; int32 n = 2; }:
//   Say (unary): "echo:<text> from <client SPIFFE ID>", n + 1
//   Chat (bidi): each request answered at once: TEXT uppercased, n * 2; OK when the client ends
//   Fail (unary): status 9 FAILED_PRECONDITION, message "not ready: ✓ 100%"
//   Big (server streaming): three Notes of 100 000 bytes each (more than a 64 KiB window)
//   Upload (unary): n = the length of the request's text
// It exits after `Quit` or 30 s.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';

const dir = process.argv[2];
const read = (f) => readFileSync(`${dir}/${f}`);

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function encodeNote(text, n) {
  const t = Buffer.from(text, 'utf8');
  const body = Buffer.concat([Buffer.from([0x0a, ...varint(t.length)]), t, n ? Buffer.from([0x10, ...varint(n)]) : Buffer.alloc(0)]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function decodeNote(b) {
  let at = 0;
  let text = '';
  let n = 0;
  const rv = () => {
    let v = 0;
    let s = 0;
    for (;;) {
      const x = b[at++];
      v += (x & 0x7f) * 2 ** s;
      s += 7;
      if (x < 0x80) return v;
    }
  };
  while (at < b.length) {
    const key = rv();
    if (key === 0x0a) {
      const len = rv();
      text = b.subarray(at, at + len).toString('utf8');
      at += len;
    } else if (key === 0x10) n = rv();
    else throw new Error(`unexpected key ${key}`);
  }
  return { text, n };
}

/** Calls `onMessage` for each length-prefixed message of the request stream. */
function messages(stream, onMessage) {
  let buf = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
      const len = buf.readUInt32BE(1);
      onMessage(decodeNote(buf.subarray(5, 5 + len)));
      buf = buf.subarray(5 + len);
    }
  });
}

const server = http2.createSecureServer({
  key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
});
const quit = setTimeout(() => process.exit(0), 30_000);

server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  const ok = headers['content-type'] === 'application/grpc' && headers.te === 'trailers' && headers[':method'] === 'POST';
  if (!ok) {
    stream.respond({ ':status': 415 }, { endStream: true });
    return;
  }
  const start = () => stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  const finish = (status = 0, message) => {
    stream.on('wantTrailers', () => stream.sendTrailers(message ? { 'grpc-status': String(status), 'grpc-message': encodeURIComponent(message) } : { 'grpc-status': String(status) }));
    stream.end();
  };
  const peer = stream.session.socket.getPeerCertificate();
  const who = (peer.subjectaltname ?? '').replace(/^URI:/, '');
  switch (path) {
    case '/test.v1.Echo/Say': {
      const got = [];
      messages(stream, (m) => got.push(m));
      stream.on('end', () => {
        start();
        stream.write(encodeNote(`echo:${got[0].text} from ${who}`, got[0].n + 1));
        finish();
      });
      break;
    }
    case '/test.v1.Echo/Chat':
      start();
      messages(stream, (m) => stream.write(encodeNote(m.text.toUpperCase(), m.n * 2)));
      stream.on('end', () => finish());
      break;
    case '/test.v1.Echo/Fail':
      stream.resume();
      stream.on('end', () => {
        start();
        finish(9, 'not ready: ✓ 100%');
      });
      break;
    case '/test.v1.Echo/Big':
      stream.resume();
      stream.on('end', () => {
        start();
        for (let i = 1; i <= 3; i++) stream.write(encodeNote(String(i).repeat(100_000), i));
        finish();
      });
      break;
    case '/test.v1.Echo/Upload': {
      const got = [];
      messages(stream, (m) => got.push(m));
      stream.on('end', () => {
        start();
        stream.write(encodeNote('', got[0].text.length));
        finish();
      });
      break;
    }
    case '/test.v1.Echo/Quit':
      stream.resume();
      stream.on('end', () => {
        start();
        stream.write(encodeNote('bye', 0));
        finish();
        clearTimeout(quit);
        setTimeout(() => process.exit(0), 50);
      });
      break;
    default:
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'no such method' }, { endStream: true });
  }
});

server.listen(0, '127.0.0.1', () => {
  writeFileSync(`${dir}/port.tmp`, String(server.address().port));
  renameSync(`${dir}/port.tmp`, `${dir}/port`);
});
