// The mesh peer channel (runtime/src/peer/) on loopback, our binary only (Node's host has
// no TLS server): one call = TCP connect, mutual TLS with P-256 SVIDs (the server's
// chain with a P-384 intermediate), each end validating the other's chain as an
// X.509-SVID and checking the allow rules in TypeScript, GET /peer/v1/whoami over
// HTTP/1.1, close. Compare with tls-handshake.bench.ts's bare handshake.
import type { Bench } from 'tinybench';
import { getHost } from '../../runtime/src/host/index.js';
import { decodePem } from '../../runtime/src/identity/index.js';
import { parseAllow } from '../../runtime/src/peer/allow.js';
import { peerGet } from '../../runtime/src/peer/client.js';
import type { PeerIdentity } from '../../runtime/src/peer/identity.js';
import { PeerServer } from '../../runtime/src/peer/server.js';
import { type Pki, testPki } from '../support/identity-pki.js';

function ident(pki: Pki, chain: string[], id: string): PeerIdentity {
  const key = decodePem(pki.get(chain[0] as string).keyPem);
  if (!key.ok || key.value[0] === undefined) throw new Error('bench key');
  return {
    spiffeId: id,
    trustDomain: 'example.org',
    chain: chain.map((n) => pki.get(n).der),
    privateKey: key.value[0].der,
    bundleDer: [pki.get('root').der],
    bundles: new Map([['example.org', [pki.get('root').cert]]]),
    notAfterMs: pki.get(chain[0] as string).cert.notAfterMs,
    renewedAtMs: 0,
  };
}

export async function register(bench: Bench): Promise<void> {
  const host = getHost();
  if (host.net.tlsListen === undefined || host.crypto === undefined) return;
  const pki = await testPki();
  const allow = parseAllow('', 'example.org');
  if (!allow.ok) throw new Error(allow.error);
  const server = await PeerServer.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, {
    host,
    log: { info() {}, warning() {} },
    identity: ident(pki, ['node1', 'intermediate'], 'spiffe://example.org/agent/node1'),
    allow: allow.value,
    routes: { link: () => ({ status: 200, body: {} }) },
  });
  bench.addEventListener('complete', () => server.close());
  const client = ident(pki, ['direct'], 'spiffe://example.org/agent/direct');
  bench.add('peer channel: connect, mTLS, both SVIDs validated, GET /peer/v1/whoami, close', async () => {
    const r = await peerGet(host, server.address, client, allow.value, '/peer/v1/whoami');
    if (!r.ok) throw new Error(r.error);
  });
}
