import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, type StreamSocket } from '../../runtime/src/host/index.js';
import { parseRequestHead } from '../../runtime/src/http/parser.js';
import { type HttpHandler, HttpServer } from '../../runtime/src/http/server.js';
import { utf8Decode, utf8Encode } from '../../runtime/src/netlink/bytes.js';
import { waitFor } from '../support/tmp.js';

const t = suite('http: parser and server on loopback');

const enc = (s: string) => utf8Encode(s);
const status = (s: string) => {
  const r = parseRequestHead(enc(s));
  return r.state === 'ok' ? 200 : r.state === 'error' ? r.status : 0;
};

t('parser: statuses for malformed and oversized heads', () => {
  assert.is(status('GET /a?x=1&y=%20 HTTP/1.1\r\nHost: h\r\n\r\n'), 200);
  assert.is(status('GET /a HTTP/1.1\r\nHost: h\r\n'), 0); // incomplete
  assert.is(status('GET /a HTTP/1.1\r\n\r\n'), 400); // no Host
  assert.is(status('GET /a HTTP/1.0\r\n\r\n'), 200);
  assert.is(status('GET  /a HTTP/1.1\r\nHost: h\r\n\r\n'), 400);
  assert.is(status('GET a HTTP/1.1\r\nHost: h\r\n\r\n'), 400);
  assert.is(status('GET /a HTTP/2.0\r\nHost: h\r\n\r\n'), 505);
  assert.is(status('GET /a HTTP/1.1\r\nHost : h\r\n\r\n'), 400);
  assert.is(status('GET /a HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n'), 400);
  assert.is(status('POST /a HTTP/1.1\r\nHost: h\r\n\r\n'), 411);
  assert.is(status('POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'), 411);
  assert.is(status('POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 70000\r\n\r\n'), 413);
  assert.is(status('POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), 400);
  assert.is(status('POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n'), 400);
  assert.is(status(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`), 414);
  assert.is(status(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'v'.repeat(17000)}\r\n\r\n`), 431);
  assert.is(status(`GET / HTTP/1.1\r\nHost: h\r\n${'X: 1\r\n'.repeat(101)}\r\n`), 431);
  assert.is(status('GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n'), 400);
  const r = parseRequestHead(enc('GET /api/incidents?limit=5&open=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'));
  assert.ok(r.state === 'ok');
  if (r.state === 'ok') {
    assert.is(r.head.path, '/api/incidents');
    assert.equal([...r.head.query], [['limit', '5'], ['open', '1']]);
    assert.is(r.head.keepAlive, false);
  }
});

/** A raw client: send bytes, collect everything until the server closes or `until` holds. */
async function raw(port: number): Promise<{ sock: StreamSocket; text: () => string; closed: () => boolean }> {
  const sock = await getHost().net.connect({ family: 'inet', host: '127.0.0.1', port });
  const chunks: Uint8Array[] = [];
  let isClosed = false;
  sock.onData((c) => chunks.push(c.slice()));
  sock.onClose(() => {
    isClosed = true;
  });
  return { sock, text: () => chunks.map((c) => utf8Decode(c)).join(''), closed: () => isClosed };
}

const echo: HttpHandler = (req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.method} ${req.path} ${req.body.length}\n` });

async function withServer(opts: Parameters<typeof HttpServer.listen>[2], body: (port: number, s: HttpServer) => Promise<void>, handler: HttpHandler = echo): Promise<void> {
  const s = await HttpServer.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, handler, opts);
  try {
    const a = s.address;
    await body(a.family === 'inet' ? a.port : 0, s);
  } finally {
    s.close();
  }
}

const count = (s: string, sub: string) => s.split(sub).length - 1;

t('keep-alive: sequential and pipelined requests on one connection, answered in order; HEAD has no body', async () => {
  await withServer({}, async (port) => {
    const c = await raw(port);
    c.sock.write(enc('GET /one HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => c.text().includes('GET /one 0'));
    c.sock.write(enc('GET /two HTTP/1.1\r\nHost: x\r\n\r\nPOST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcHEAD /four HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => count(c.text(), 'HTTP/1.1 200') === 4);
    const text = c.text();
    assert.ok(text.indexOf('GET /two') < text.indexOf('POST /three 3'));
    assert.not.ok(text.includes('HEAD /four'));
    assert.ok(text.includes('connection: keep-alive'));
    assert.not.ok(c.closed());
    c.sock.close(true);
  });
});

t('4xx answers close the connection: 400, 411, 413, 431', async () => {
  await withServer({}, async (port) => {
    for (const [req, code] of [
      ['GET / HTTP/1.1\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', 411],
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n', 413],
      [`GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(20000)}\r\n\r\n`, 431],
    ] as const) {
      const c = await raw(port);
      c.sock.write(enc(req));
      await waitFor(() => c.closed(), 3000, `close after ${code}`);
      assert.ok(c.text().startsWith(`HTTP/1.1 ${code} `), `${code}: ${c.text().slice(0, 40)}`);
    }
  });
});

t('slow client: an unfinished head gets 408 at the deadline; an idle keep-alive connection is closed', async () => {
  await withServer({ requestTimeoutMs: 150, idleTimeoutMs: 150 }, async (port) => {
    const slow = await raw(port);
    slow.sock.write(enc('GET / HTTP/1.1\r\nHo'));
    await waitFor(() => slow.closed(), 3000, 'slow client closed');
    assert.ok(slow.text().startsWith('HTTP/1.1 408 '));
    const idle = await raw(port);
    idle.sock.write(enc('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => idle.closed(), 3000, 'idle connection closed');
    assert.is(count(idle.text(), 'HTTP/1.1 200'), 1);
  });
});

t('connections beyond the cap get 503 and are closed; the server keeps serving', async () => {
  await withServer({ maxConnections: 2 }, async (port, s) => {
    const a = await raw(port);
    const b = await raw(port);
    await waitFor(() => s.stats.active === 2);
    const c = await raw(port);
    await waitFor(() => c.closed(), 3000, 'third connection closed');
    assert.ok(c.text().startsWith('HTTP/1.1 503 '));
    a.sock.close(true);
    await waitFor(() => s.stats.active === 1);
    const d = await raw(port);
    d.sock.write(enc('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    await waitFor(() => d.closed());
    assert.ok(d.text().includes('GET /ok 0'));
    b.sock.close(true);
  });
});

t('a throwing handler gives 500, not a crash', async () => {
  await withServer({}, async (port) => {
    const c = await raw(port);
    c.sock.write(enc('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    await waitFor(() => c.closed());
    assert.ok(c.text().startsWith('HTTP/1.1 500 '));
  }, () => {
    throw new Error('boom');
  });
});

t.run();
