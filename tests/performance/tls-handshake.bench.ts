// Mutual TLS (1.2 on mbedTLS 2.28, 1.3 on 3.6) on loopback through host.net.tlsConnect/tlsListen (our binary only: Node's
// host has no TLS, so this task has no Node column): one connection = TCP connect, the
// full handshake with P-256 SVIDs on both ends (leaf → P-384 intermediate on the server
// side), one byte each way, close. Also the SPIFFE check a caller adds on the peer chain.
import type { Bench } from 'tinybench';
import { getHost } from '../../runtime/src/host/index.js';
import type { TlsOptions, TlsSocket } from '../../runtime/src/host/types.js';
import { decodePem, hostVerifier, parseCertificate, validateX509Svid } from '../../runtime/src/identity/index.js';
import { NOW_MS, type Pki, testPki } from '../support/identity-pki.js';

function options(pki: Pki, chain: string[]): TlsOptions {
  const key = decodePem(pki.get(chain[0] as string).keyPem);
  if (!key.ok || key.value[0] === undefined) throw new Error('bench key');
  return { chain: chain.map((n) => pki.get(n).der), privateKey: key.value[0].der, trust: [pki.get('root').der], alpn: ['h2'] };
}

export async function register(bench: Bench): Promise<void> {
  const host = getHost();
  const { tlsConnect, tlsListen } = host.net;
  const crypto = host.crypto;
  if (tlsConnect === undefined || tlsListen === undefined || crypto === undefined) return;
  const pki = await testPki();
  const server = await tlsListen({ family: 'inet', host: '127.0.0.1', port: 0 }, options(pki, ['node1', 'intermediate']), (s) => {
    s.onData((c) => {
      s.write(c);
      s.close();
    });
  });
  // The listener would keep the loop (and the bench process) alive.
  bench.addEventListener('complete', () => server.close());
  const client = options(pki, ['direct']);
  const verify = hostVerifier(crypto);
  const bundles = new Map([['example.org', [pki.get('root').cert]]]);
  let last: TlsSocket | null = null;
  bench.add('tls: mutual TLS handshake + 1 byte each way on loopback (our client and server)', async () => {
    const c = await tlsConnect.call(host.net, server.address, client);
    last = c;
    await new Promise<void>((resolve) => {
      c.onData(() => {});
      c.onClose(() => resolve());
      c.write(new Uint8Array([1]));
    });
  });
  bench.add("tls: validate the server's peer chain as an X.509-SVID (host.crypto)", async () => {
    const chain = (last as TlsSocket | null)?.peerChain ?? [pki.get('node1').der, pki.get('intermediate').der];
    const certs = chain.map((d) => {
      const p = parseCertificate(d);
      if (!p.ok) throw new Error(p.error.message);
      return p.value;
    });
    if (!(await validateX509Svid(certs, { bundles, verifySignature: verify, nowMs: NOW_MS })).ok) throw new Error('refused');
  });
}
