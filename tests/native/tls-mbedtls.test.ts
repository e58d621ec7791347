/**
 * Mutual TLS on mbedTLS (runtime/native/x0_tls.c through host.net.tlsConnect/tlsListen)
 * with SVIDs that openssl makes at test time (tests/support/identity-pki.ts): our client
 * and our server in one process, refusals (an untrusted chain either way, no client
 * certificate, a server certificate without serverAuth), the peer chains checked as
 * X.509-SVIDs by runtime/src/identity, and openssl s_client / s_server on the other end.
 */
import * as native from 'x0tta6bl4:native';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, isHostError } from '../../runtime/src/host/index.js';
import type { HostError, SocketAddress, StreamServer, TlsOptions, TlsSocket } from '../../runtime/src/host/types.js';
import { decodePem, hostVerifier, parseCertificate, validateX509Svid } from '../../runtime/src/identity/index.js';
import { type Pki, testPki, withFiles } from '../support/identity-pki.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('native: mutual TLS on mbedTLS');
const LOOPBACK: SocketAddress = { family: 'inet', host: '127.0.0.1', port: 0 };
const enc = new TextEncoder();
const dec = new TextDecoder();

function net() {
  const n = getHost().net;
  if (!n.tlsConnect || !n.tlsListen) throw new Error(`no TLS on ${getHost().engine}`);
  return { connect: n.tlsConnect.bind(n), listen: n.tlsListen.bind(n) };
}

function keyDer(pem: string): Uint8Array {
  const blocks = decodePem(pem);
  if (!blocks.ok || blocks.value[0] === undefined) throw new Error('test key: not PEM');
  return blocks.value[0].der;
}

/** TLS options for a test identity: its chain up to (not including) `root`. */
function identity(pki: Pki, chain: string[], trust: string[], alpn?: string[]): TlsOptions {
  const leaf = pki.get(chain[0] as string);
  return { chain: chain.map((n) => pki.get(n).der), privateKey: keyDer(leaf.keyPem), trust: trust.map((n) => pki.get(n).der), alpn };
}

/** The SPIFFE ID of a validated peer chain, or the reason it was refused. */
async function peerId(pki: Pki, chain: readonly Uint8Array[]): Promise<string> {
  const certs = chain.map((d) => {
    const c = parseCertificate(d);
    if (!c.ok) throw new Error(c.error.message);
    return c.value;
  });
  const crypto = getHost().crypto;
  if (!crypto) throw new Error('no host.crypto');
  const r = await validateX509Svid(certs, {
    bundles: new Map([['example.org', [pki.get('root').cert]], ['other.org', [pki.get('other-root').cert]]]),
    verifySignature: hostVerifier(crypto),
    nowMs: Date.now(),
  });
  return r.ok ? r.value.id.id : `refused: ${r.error.code}`;
}

function collect(s: TlsSocket): { text: () => string; bytes: () => number; closed: () => boolean } {
  const chunks: Uint8Array[] = [];
  let closed = false;
  s.onData((c) => chunks.push(c));
  s.onClose(() => {
    closed = true;
  });
  return {
    text: () => chunks.map((c) => dec.decode(c)).join(''),
    bytes: () => chunks.reduce((n, c) => n + c.length, 0),
    closed: () => closed,
  };
}

interface Served {
  server: StreamServer;
  sockets: TlsSocket[];
  errors: HostError[];
}

/** Our TLS server: answers each line with its upper case, and closes on "bye". */
async function serve(opts: TlsOptions): Promise<Served> {
  const out: Served = { server: undefined as unknown as StreamServer, sockets: [], errors: [] };
  out.server = await net().listen(LOOPBACK, opts, (s) => {
    out.sockets.push(s);
    s.onData((c) => {
      const text = dec.decode(c);
      s.write(enc.encode(text.toUpperCase()));
      if (text.includes('bye')) s.close();
    });
  }, (e) => out.errors.push(e));
  return out;
}

/**
 * How a client the server refuses ends. TLS 1.2: its handshake fails on the server's
 * alert (ETLS). TLS 1.3 (mbedTLS 3.6): the client has finished its side before the
 * server judges its certificate, so the handshake "succeeds" and the connection is then
 * closed by the server's alert, without a byte of data ("closed").
 */
async function refusedClient(address: SocketAddress, opts: TlsOptions): Promise<string> {
  let c: TlsSocket;
  try {
    c = await net().connect(address, opts);
  } catch (e) {
    return isHostError(e) ? e.code : String(e);
  }
  const got = collect(c);
  c.write(enc.encode('anyone there?'));
  await waitFor(() => got.closed(), 3000, 'the refused connection to close');
  return got.bytes() === 0 ? 'closed' : `answered: ${got.text()}`;
}

function port(s: StreamServer): number {
  return s.address.family === 'unix' ? 0 : s.address.port;
}

t('our client and server: mutual TLS, ALPN, data both ways, each SPIFFE ID checked', async () => {
  const pki = await testPki();
  const srv = await serve(identity(pki, ['node1', 'intermediate'], ['root'], ['h2']));
  try {
    const c = await net().connect(srv.server.address, identity(pki, ['direct'], ['root'], ['x0tta6bl4/1', 'h2']));
    const got = collect(c);
    await waitFor(() => srv.sockets.length === 1);
    const s = srv.sockets[0] as TlsSocket;
    assert.is(c.alpn, 'h2');
    assert.is(s.alpn, 'h2');
    assert.match(c.version, /^TLSv1\.[23]$/);
    // The chains as sent: the server's leaf and intermediate, the client's leaf.
    assert.is(c.peerChain.length, 2);
    assert.is(s.peerChain.length, 1);
    assert.is(await peerId(pki, c.peerChain), 'spiffe://example.org/agent/node1');
    assert.is(await peerId(pki, s.peerChain), 'spiffe://example.org/agent/direct');
    // 300 KB one way (many records, a full socket buffer), a line back.
    const big = new Uint8Array(300_000).fill(0x61);
    const serverGot = collect(s);
    c.write(big);
    await waitFor(() => serverGot.bytes() === big.length, 5000, 'the server to get 300 KB');
    assert.ok(serverGot.text() === 'a'.repeat(big.length));
    s.write(enc.encode('hello client'));
    await waitFor(() => got.text() === 'hello client');
    c.close();
    await waitFor(() => serverGot.closed(), 2000, 'the server to see the close');
  } finally {
    srv.server.close();
  }
  assert.equal(srv.errors, []);
});

t('an untrusted client chain is refused by our server, and an untrusted server by our client', async () => {
  const pki = await testPki();
  const srv = await serve(identity(pki, ['node1', 'intermediate'], ['root']));
  try {
    // A client whose chain leads to other.org's root, which the server does not trust.
    assert.match(await refusedClient(srv.server.address, identity(pki, ['other-td'], ['root'])), /^(ETLS|closed)$/);
    await waitFor(() => srv.errors.length === 1);
    assert.is(srv.errors[0]?.code, 'ETLS');
    assert.match(srv.errors[0]?.message ?? '', /not trusted|verif/i);
    assert.is(srv.sockets.length, 0);
    // A client that trusts only other.org refuses our server's chain itself.
    let err2: unknown;
    try {
      await net().connect(srv.server.address, identity(pki, ['direct'], ['other-root']));
    } catch (e) {
      err2 = e;
    }
    assert.ok(isHostError(err2) && err2.code === 'ETLS', String(err2));
    assert.match((err2 as Error).message, /not trusted|verif/i);
    assert.is(srv.sockets.length, 0);
  } finally {
    srv.server.close();
  }
});

t('a server certificate without serverAuth is refused by the client (EKU checked)', async () => {
  const pki = await testPki();
  const srv = await serve(identity(pki, ['client-only', 'intermediate'], ['root']));
  try {
    let err: unknown;
    try {
      await net().connect(srv.server.address, identity(pki, ['direct'], ['root']));
    } catch (e) {
      err = e;
    }
    assert.ok(isHostError(err) && err.code === 'ETLS', String(err));
  } finally {
    srv.server.close();
  }
});

async function sh(script: string, timeoutMs = 15_000) {
  return getHost().processes.run(['bash', '-c', script], { timeoutMs });
}

t('openssl s_client: talks to our server with a client certificate, and is refused without one', async () => {
  const pki = await testPki();
  const srv = await serve(identity(pki, ['node1', 'intermediate'], ['root'], ['h2']));
  try {
    await withFiles({ 'root.pem': pki.get('root').pem, 'c.pem': pki.get('direct').pem, 'c.key': pki.get('direct').keyPem }, async (dir) => {
      const base = `openssl s_client -connect 127.0.0.1:${port(srv.server)} -CAfile ${dir}/root.pem -verify_return_error -alpn h2`;
      const ok = await sh(`printf 'hello from openssl bye' | ${base} -cert ${dir}/c.pem -key ${dir}/c.key -quiet`);
      assert.ok(ok.stdout.includes('HELLO FROM OPENSSL BYE'), ok.stdout + ok.stderr);
      assert.is(srv.errors.length, 0);
      assert.is(await peerId(pki, (srv.sockets[0] as TlsSocket).peerChain), 'spiffe://example.org/agent/direct');
      const noCert = await sh(`printf 'hello' | ${base} -quiet`);
      assert.not.ok(noCert.stdout.includes('HELLO'), noCert.stdout);
      await waitFor(() => srv.errors.length === 1, 5000, 'the server to refuse');
      assert.is(srv.errors[0]?.code, 'ETLS');
      assert.is(srv.sockets.length, 1);
    });
  } finally {
    srv.server.close();
  }
});

t('openssl s_server: our client verifies it, presents its SVID, and reads the answer', async () => {
  const pki = await testPki();
  // A free port: bind one, close it, hand it to s_server.
  const probe = await getHost().net.listen(LOOPBACK, () => {});
  const p = port(probe);
  probe.close();
  await withFiles({
    'root.pem': pki.get('root').pem, 's.pem': pki.get('node1').pem, 'i.pem': pki.get('intermediate').pem, 's.key': pki.get('node1').keyPem,
  }, async (dir) => {
    const server = sh(`exec openssl s_server -accept 127.0.0.1:${p} -naccept 1 -cert ${dir}/s.pem -cert_chain ${dir}/i.pem -key ${dir}/s.key -CAfile ${dir}/root.pem -Verify 2 -verify_return_error -alpn h2 -rev`, 20_000);
    let c: TlsSocket | null = null;
    for (let i = 0; i < 100 && c === null; i++) {
      try {
        c = await net().connect({ family: 'inet', host: '127.0.0.1', port: p }, identity(pki, ['direct'], ['root'], ['h2']));
      } catch (e) {
        if (!isHostError(e) || e.code !== 'ECONNREFUSED') throw e;
        await new Promise<void>((r) => getHost().timers.setTimeout(r, 50));
      }
    }
    if (c === null) throw new Error('s_server did not start');
    assert.is(c.alpn, 'h2');
    assert.is(await peerId(pki, c.peerChain), 'spiffe://example.org/agent/node1');
    const got = collect(c);
    c.write(enc.encode('abc mesh\n'));
    await waitFor(() => got.text().includes('hsem cba'), 5000, 's_server -rev to answer');
    c.close();
    const r = await server;
    // s_server verified our client's certificate (it prints the chain it checked).
    assert.match(r.stdout + r.stderr, /depth=0 .*CN ?= ?direct\n/);
  });
});

t('a client without a certificate (SPIRE attestation): openssl s_server that only asks lets it in, our server does not', async () => {
  const pki = await testPki();
  const anonymous: TlsOptions = { chain: [], privateKey: new Uint8Array(0), trust: [pki.get('root').der], alpn: ['h2'] };
  const probe = await getHost().net.listen(LOOPBACK, () => {});
  const p = port(probe);
  probe.close();
  await withFiles({
    'root.pem': pki.get('root').pem, 's.pem': pki.get('node1').pem, 'i.pem': pki.get('intermediate').pem, 's.key': pki.get('node1').keyPem,
  }, async (dir) => {
    // -verify (lowercase): request a client certificate, do not require one.
    const server = sh(`exec openssl s_server -accept 127.0.0.1:${p} -naccept 1 -cert ${dir}/s.pem -cert_chain ${dir}/i.pem -key ${dir}/s.key -CAfile ${dir}/root.pem -verify 2 -alpn h2 -rev`, 20_000);
    let c: TlsSocket | null = null;
    for (let i = 0; i < 100 && c === null; i++) {
      try {
        c = await net().connect({ family: 'inet', host: '127.0.0.1', port: p }, anonymous);
      } catch (e) {
        if (!isHostError(e) || e.code !== 'ECONNREFUSED') throw e;
        await new Promise<void>((r) => getHost().timers.setTimeout(r, 50));
      }
    }
    if (c === null) throw new Error('s_server did not start');
    assert.is(await peerId(pki, c.peerChain), 'spiffe://example.org/agent/node1');
    const got = collect(c);
    c.write(enc.encode('no cert\n'));
    await waitFor(() => got.text().includes('trec on'), 5000, 's_server -rev to answer');
    c.close();
    await server;
  });
  // Our server requires a client certificate.
  const srv = await serve(identity(pki, ['node1', 'intermediate'], ['root']));
  try {
    assert.match(await refusedClient(srv.server.address, anonymous), /^(ETLS|closed)$/);
  } finally {
    srv.server.close();
  }
  // A server without its own chain is a configuration error.
  let refused = '';
  try {
    (await net().listen(LOOPBACK, anonymous, () => {})).close();
  } catch (e) {
    refused = (e as Error).message;
  }
  assert.match(refused, /own chain needs 1\.\.32 certificates/);
});

t('a client that stalls in the handshake is dropped after the timeout; one that speaks HTTP at once', async () => {
  const pki = await testPki();
  const srv = await serve({ ...identity(pki, ['node1', 'intermediate'], ['root']), handshakeTimeoutMs: 300 });
  try {
    const plain = await getHost().net.connect(srv.server.address);
    let closed = false;
    plain.onClose(() => {
      closed = true;
    });
    // The first two bytes of a TLS record header, then nothing.
    plain.write(new Uint8Array([0x16, 0x03]));
    await waitFor(() => srv.errors.length === 1 && closed, 3000, 'the server to give up');
    assert.is(srv.errors[0]?.code, 'ETIMEDOUT');
    const http = await getHost().net.connect(srv.server.address);
    http.write(enc.encode('GET / HTTP/1.0\r\n\r\n'));
    await waitFor(() => srv.errors.length === 2, 200, 'an HTTP request to be refused before the timeout');
    assert.is(srv.errors[1]?.code, 'ETLS');
    http.close();
    assert.is(srv.sockets.length, 0);
  } finally {
    srv.server.close();
  }
});

t('a paused reader holds 1 MB back and gets all of it, in order, after resume', async () => {
  const pki = await testPki();
  const sockets: TlsSocket[] = [];
  const server = await net().listen(LOOPBACK, identity(pki, ['node1', 'intermediate'], ['root']), (s) => sockets.push(s));
  try {
    const c = await net().connect(server.address, identity(pki, ['direct'], ['root']));
    await waitFor(() => sockets.length === 1);
    const s = sockets[0] as TlsSocket;
    const got: Uint8Array[] = [];
    s.onData((chunk) => got.push(chunk));
    s.pause();
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 13) & 0xff);
    let drained = false;
    c.onDrain(() => {
      drained = true;
    });
    const queued = c.write(big);
    await new Promise<void>((r) => getHost().timers.setTimeout(r, 200));
    assert.is(got.length, 0, 'nothing delivered while paused');
    s.resume();
    await waitFor(() => got.reduce((n, x) => n + x.length, 0) === big.length, 5000, '1 MB after resume');
    const all = new Uint8Array(big.length);
    let off = 0;
    for (const x of got) {
      all.set(x, off);
      off += x.length;
    }
    assert.ok(all.every((v, i) => v === big[i]), 'bytes in order');
    // write() returned what stayed queued (the kernel's loopback buffers may take it all).
    if (queued > 0) await waitFor(() => drained, 2000, 'the sender to drain');
    c.close();
  } finally {
    server.close();
  }
});

t('the TLS functions called without their arguments throw a TypeError naming them', () => {
  const calls: [string, () => unknown][] = [
    ['tlsHandshake(session)', () => (native.tlsHandshake as unknown as () => number)()],
    ['tlsRead(session, buf)', () => (native.tlsRead as unknown as (s: unknown) => number)(undefined)],
    ['tlsWrite(session, data)', () => (native.tlsWrite as unknown as () => number)()],
    ['tlsPending(session)', () => (native.tlsPending as unknown as () => number)()],
    ['tlsPeerChain(session)', () => (native.tlsPeerChain as unknown as () => unknown)()],
    ['tlsInfo(session)', () => (native.tlsInfo as unknown as () => unknown)()],
  ];
  for (const [usage, call] of calls) {
    try {
      call();
      assert.unreachable(`${usage} returned`);
    } catch (e) {
      assert.instance(e, TypeError, usage);
      assert.is((e as Error).message, usage);
    }
  }
});

// A config and its sessions that become garbage together are freed by quickjs's cycle
// collector in any order; mbedtls_ssl_free() reads the session's config, so the config
// must outlive its sessions. The read went to freed memory unnoticed on glibc and
// crashed the musl build; valgrind sees it on every build (the ASan build cannot: the
// read is inside the uninstrumented libmbedtls).
t('a TLS config collected in one GC cycle with its sessions: no read of freed memory (valgrind)', async () => {
  const host = getHost();
  const pki = await testPki();
  const dir = tempDir('tls-gc');
  try {
    host.files.writeAtomic(`${dir}/ca.der`, pki.get('root').der);
    host.files.writeAtomic(
      `${dir}/gc.js`,
      `import * as native from 'x0tta6bl4:native';
import * as std from 'qjs:std';
const f = std.open(${JSON.stringify(`${dir}/ca.der`)}, 'rb');
const buf = new Uint8Array(8192);
const ca = buf.slice(0, f.read(buf.buffer, 0, buf.length));
f.close();
const [fd] = native.socketpair(native.AF_UNIX, native.SOCK_STREAM);
for (let i = 0; i < 3; i++) {
  // Created first, so listed first for the collector: freed before its sessions.
  const cycle = { config: native.tlsConfig(false, [], new Uint8Array(0), [ca]) };
  cycle.sessions = [native.tlsSession(cycle.config, fd), native.tlsSession(cycle.config, fd)];
  cycle.self = cycle;
}
std.gc();
print('collected');
`,
    );
    // valgrind and ASan do not mix: the plain build when the suite runs on the ASan one.
    const binary = (host.getenv('X0_BINARY') ?? 'dist/x0tta6bl4').replace(/-asan$/, '');
    const r = await host.processes.run(['valgrind', '-q', '--error-exitcode=99', binary, 'run', `${dir}/gc.js`], { timeoutMs: 120_000 });
    assert.is(r.status, 0, r.stderr.split('\n').slice(0, 12).join('\n'));
    assert.is(r.stdout, 'collected\n');
  } finally {
    removeTree(dir);
  }
});

t.run();
