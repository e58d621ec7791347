// Signature verification for X.509-SVID chains: the identity module's TypeScript
// (BigInt) ECDSA verifier against host.crypto (mbedTLS in C on our binary, OpenSSL on
// Node), one P-256 signature and the whole openssl-made chain leaf → P-384
// intermediate → P-256 root; also SHA-256 of 1 KiB both ways, and the key operations
// an agent does at each SVID renewal (P-256 key generation, ECDSA signing, a CSR).
import type { Bench } from 'tinybench';
import { getHost } from '../../runtime/src/host/index.js';
import { hostVerifier, type SignedData, sha256, validateX509Svid, verifyEcdsa } from '../../runtime/src/identity/index.js';
import { NOW_MS, testPki } from '../support/identity-pki.js';

export async function register(bench: Bench): Promise<void> {
  const crypto = getHost().crypto;
  if (crypto === undefined) throw new Error('identity bench: no host.crypto');
  const pki = await testPki();
  const leaf = pki.get('direct').cert; // P-256 leaf signed by the P-256 root
  const root = pki.get('root').cert;
  const signed: SignedData = { tbs: leaf.tbs, algorithm: leaf.signatureAlgorithm, signature: leaf.signature };
  const native = hostVerifier(crypto);
  if (!verifyEcdsa(signed, root.publicKey) || !(await native(signed, root.publicKey))) throw new Error('identity bench: signature does not verify');
  const chain = [pki.get('node1').cert, pki.get('intermediate').cert];
  const bundles = new Map([['example.org', [root]]]);
  const data = new Uint8Array(1024).fill(7);
  const { privateKey } = crypto.generateEcKey();

  bench.add('identity: verify one P-256 ECDSA signature, TypeScript (BigInt)', () => {
    if (!verifyEcdsa(signed, root.publicKey)) throw new Error('not verified');
  });
  bench.add('identity: verify one P-256 ECDSA signature, host.crypto', async () => {
    if (!(await native(signed, root.publicKey))) throw new Error('not verified');
  });
  bench.add('identity: validate leaf → P-384 intermediate → root, TypeScript verifier', async () => {
    if (!(await validateX509Svid(chain, { bundles, verifySignature: verifyEcdsa, nowMs: NOW_MS })).ok) throw new Error('refused');
  });
  bench.add('identity: validate leaf → P-384 intermediate → root, host.crypto verifier', async () => {
    if (!(await validateX509Svid(chain, { bundles, verifySignature: native, nowMs: NOW_MS })).ok) throw new Error('refused');
  });
  bench.add('crypto: SHA-256 of 1 KiB, TypeScript', () => {
    sha256(data);
  });
  bench.add('crypto: SHA-256 of 1 KiB, host.crypto', () => {
    crypto.sha256(data);
  });
  bench.add('crypto: generate a P-256 key, host.crypto', () => {
    crypto.generateEcKey();
  });
  bench.add('crypto: ECDSA P-256 sign 1 KiB, host.crypto', () => {
    crypto.sign(privateKey, data);
  });
  const csr = crypto.csr;
  if (csr !== undefined) {
    bench.add('crypto: CSR with a SPIFFE URI SAN, host.crypto', () => {
      csr(privateKey, 'O=SPIRE', 'spiffe://example.org/agent/node1');
    });
  }
}
