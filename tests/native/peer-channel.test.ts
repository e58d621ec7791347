/**
 * The mesh peer channel (runtime/src/peer/) over real mbedTLS handshakes on loopback:
 * our PeerServer and our peer client (peerGet), each with an X.509-SVID made by openssl
 * (tests/support/identity-pki.ts). Two peers talk; then one refusal per rule, each
 * asserting WHICH check refused (its code), so that removing that check fails the test
 * (the TLS layer does not judge peer chains on this channel: callerVerifies).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import type { SocketAddress } from '../../runtime/src/host/types.js';
import { type Certificate, decodePem } from '../../runtime/src/identity/index.js';
import { parseAllow } from '../../runtime/src/peer/allow.js';
import { peerGet } from '../../runtime/src/peer/client.js';
import type { PeerIdentity } from '../../runtime/src/peer/identity.js';
import { PeerServer } from '../../runtime/src/peer/server.js';
import { type Pki, testPki } from '../support/identity-pki.js';

const t = suite('native: mesh peer channel (mTLS, SPIFFE checks, policy)');
const LOOPBACK: SocketAddress = { family: 'inet', host: '127.0.0.1', port: 0 };

function keyDer(pem: string): Uint8Array {
  const blocks = decodePem(pem);
  if (!blocks.ok || blocks.value[0] === undefined) throw new Error('test key: not PEM');
  return blocks.value[0].der;
}

/** A peer identity: `chain` (leaf first) from the test PKI, trusting `bundles` (trust domain → CA names). */
function ident(pki: Pki, chain: string[], bundles: Record<string, string[]> = { 'example.org': ['root'] }): PeerIdentity {
  const leaf = pki.get(chain[0] as string);
  const sans = leaf.cert.extensions.subjectAltName?.names.filter((n) => n.type === 'uri') ?? [];
  const id = sans[0]?.value ?? 'spiffe://example.org/none';
  const map = new Map<string, Certificate[]>();
  for (const [td, names] of Object.entries(bundles)) map.set(td, names.map((n) => pki.get(n).cert));
  return {
    spiffeId: id,
    trustDomain: id.slice('spiffe://'.length).split('/')[0] as string,
    chain: chain.map((n) => pki.get(n).der),
    privateKey: keyDer(leaf.keyPem),
    bundleDer: Object.values(bundles).flat().map((n) => pki.get(n).der),
    bundles: map,
    notAfterMs: leaf.cert.notAfterMs,
    renewedAtMs: 0,
  };
}

function allow(text: string) {
  const a = parseAllow(text, 'example.org');
  if (!a.ok) throw new Error(a.error);
  return a.value;
}

interface Running {
  server: PeerServer;
  logs: string[];
  calls: { mac: string | undefined; peer: string }[];
}

async function serve(id: PeerIdentity, rules = ''): Promise<Running> {
  const logs: string[] = [];
  const calls: Running['calls'] = [];
  const server = await PeerServer.listen(LOOPBACK, {
    host: getHost(),
    log: { info: (m) => logs.push(m), warning: (m) => logs.push(m) },
    identity: id,
    allow: allow(rules),
    routes: {
      link(mac, peer) {
        calls.push({ mac, peer });
        return { status: 200, body: { node: id.spiffeId, links: [{ neighbor: mac, live: true }] } };
      },
    },
  });
  return { server, logs, calls };
}

const SERVER = ['node1', 'intermediate'];

/** Ask `srv` as `client`; the outcome as "ok" or "<stage> <code>". */
async function ask(srv: Running, client: PeerIdentity, clientAllow = ''): Promise<string> {
  const r = await peerGet(getHost(), srv.server.address, client, allow(clientAllow), '/peer/v1/whoami', 5000);
  return r.ok ? `ok ${r.status} ${r.serverId}` : `${r.stage} ${r.code}`;
}

t('two peers talk over mutual TLS: each sees the other\'s SPIFFE ID; the link route gets the verified caller', async () => {
  const pki = await testPki();
  const srv = await serve(ident(pki, SERVER));
  try {
    const client = ident(pki, ['direct']);
    const who = await peerGet(getHost(), srv.server.address, client, allow(''), '/peer/v1/whoami', 5000);
    assert.ok(who.ok, JSON.stringify(who));
    if (!who.ok) return;
    assert.is(who.serverId, 'spiffe://example.org/agent/node1');
    assert.equal(who.body, { node: 'spiffe://example.org/agent/node1', peer: 'spiffe://example.org/agent/direct' });
    // TLS 1.2 on mbedTLS 2.28 (Debian 12, OpenWrt 23.05), 1.3 on a 3.x build with it (OpenWrt 24.10, scripts/check-mbedtls36.sh).
    assert.is(who.tlsVersion, /^mbedTLS 2\./.test(getHost().crypto?.provider ?? '') ? 'TLSv1.2' : 'TLSv1.3');
    const link = await peerGet(getHost(), srv.server.address, client, allow(''), '/peer/v1/link?mac=02:00:00:00:00:0a', 5000);
    assert.ok(link.ok && link.status === 200, JSON.stringify(link));
    assert.equal(srv.calls, [{ mac: '02:00:00:00:00:0a', peer: 'spiffe://example.org/agent/direct' }]);
    assert.is(srv.server.stats.accepted, 2);
    assert.is(srv.server.stats.refused, 0);
  } finally {
    srv.server.close();
  }
});

t('a renewed SVID: update() re-binds the same port and new connections see the new identity', async () => {
  const pki = await testPki();
  const srv = await serve(ident(pki, SERVER));
  try {
    const before = srv.server.address;
    assert.is(await ask(srv, ident(pki, ['direct'])), 'ok 200 spiffe://example.org/agent/node1');
    await srv.server.update(ident(pki, ['sha384', 'intermediate']));
    assert.equal(srv.server.address, before);
    assert.is(await ask(srv, ident(pki, ['direct'])), 'ok 200 spiffe://example.org/agent/sha384');
  } finally {
    srv.server.close();
  }
});

/** Each client SVID breaks one rule; the server must refuse it by that rule (code), and log whom. */
const CLIENT_REFUSALS: [what: string, chain: string[], code: string, logged: string][] = [
  ['wrong trust domain (no bundle for it)', ['other-td'], 'unknown-trust-domain', 'spiffe://other.org/agent/node9'],
  ['expired SVID', ['expired', 'intermediate'], 'expired', 'spiffe://example.org/agent/old'],
  ['not-yet-valid SVID', ['not-yet-valid', 'intermediate'], 'not-yet-valid', 'spiffe://example.org/agent/future'],
  ['no URI SAN', ['no-uri', 'intermediate'], 'no-uri-san', 'without a single SPIFFE ID'],
  ['two URI SANs', ['two-uris', 'intermediate'], 'multiple-uri-sans', 'without a single SPIFFE ID'],
  ['a CA certificate as leaf', ['ca-leaf-tls'], 'leaf-is-ca', 'spiffe://example.org/agent/ca-tls'],
  ['wrong key usage (no digitalSignature)', ['no-digital-signature', 'intermediate'], 'no-digital-signature', 'spiffe://example.org/agent/kx'],
  ['unknown CA (an impostor CA with the intermediate\'s name, presented with the leaf)', ['forged', 'impostor'], 'unknown-authority', 'spiffe://example.org/agent/node1'],
];

for (const [what, chain, code, logged] of CLIENT_REFUSALS) {
  t(`server refuses a client with ${what}: ${code}`, async () => {
    const pki = await testPki();
    const srv = await serve(ident(pki, SERVER));
    try {
      assert.is(await ask(srv, ident(pki, chain)), `server-refused-us ${code}`);
      assert.is(srv.server.stats.refused, 1);
      assert.is(srv.server.stats.accepted, 0);
      assert.ok(srv.logs.some((l) => l.includes(`(${code})`) && l.includes(logged) && l.includes('127.0.0.1:')), srv.logs.join('\n'));
    } finally {
      srv.server.close();
    }
  });
}

t('server refuses a valid SVID its policy does not allow (not-authorized); an allowed one passes', async () => {
  const pki = await testPki();
  const srv = await serve(ident(pki, SERVER), 'id:spiffe://example.org/agent/sha384 prefix:spiffe://example.org/agent/all');
  try {
    assert.is(await ask(srv, ident(pki, ['direct'])), 'server-refused-us not-authorized');
    assert.is(await ask(srv, ident(pki, ['all-sans', 'intermediate'])), 'ok 200 spiffe://example.org/agent/node1');
    assert.is(await ask(srv, ident(pki, ['sha384', 'intermediate'])), 'ok 200 spiffe://example.org/agent/node1');
    assert.ok(srv.logs.some((l) => l.includes('spiffe://example.org/agent/direct refused (not-authorized)')), srv.logs.join('\n'));
  } finally {
    srv.server.close();
  }
});

t('a trust domain we hold a bundle for (federation) is still refused by the default policy: our trust domain only', async () => {
  const pki = await testPki();
  const federated = { 'example.org': ['root'], 'other.org': ['other-root'] };
  const srv = await serve(ident(pki, SERVER, federated));
  try {
    assert.is(await ask(srv, ident(pki, ['other-td'], federated)), 'server-refused-us not-authorized');
  } finally {
    srv.server.close();
  }
});

t('a client without a certificate is refused (no-certificate)', async () => {
  const pki = await testPki();
  const srv = await serve(ident(pki, SERVER));
  try {
    const anon = { ...ident(pki, ['direct']), chain: [], privateKey: new Uint8Array(0) };
    assert.is(await ask(srv, anon), 'server-refused-us no-certificate');
  } finally {
    srv.server.close();
  }
});

/**
 * And the other way: our client judges the server by the same rules. (A server SVID
 * without serverAuth or digitalSignature never gets that far: mbedTLS will not serve
 * with it, so those rules are exercised on the client side above.)
 */
const SERVER_REFUSALS: [what: string, chain: string[], code: string][] = [
  ['an expired SVID', ['expired', 'intermediate'], 'expired'],
  ['another trust domain', ['other-td'], 'unknown-trust-domain'],
  ['two URI SANs', ['two-uris', 'intermediate'], 'multiple-uri-sans'],
  ['a CA certificate as leaf', ['ca-leaf-tls'], 'leaf-is-ca'],
  ['an unknown CA', ['forged', 'impostor'], 'unknown-authority'],
];

for (const [what, chain, code] of SERVER_REFUSALS) {
  t(`client refuses a server with ${what}: ${code}`, async () => {
    const pki = await testPki();
    const srv = await serve(ident(pki, chain));
    try {
      assert.is(await ask(srv, ident(pki, ['direct'])), `we-refused-server ${code}`);
      // We closed before sending a request: the server never served one.
      assert.equal(srv.calls, []);
    } finally {
      srv.server.close();
    }
  });
}

t('client refuses a valid server its policy does not name', async () => {
  const pki = await testPki();
  const srv = await serve(ident(pki, SERVER));
  try {
    assert.is(await ask(srv, ident(pki, ['direct']), 'id:spiffe://example.org/agent/gw'), 'we-refused-server not-authorized');
  } finally {
    srv.server.close();
  }
});

t.run();
