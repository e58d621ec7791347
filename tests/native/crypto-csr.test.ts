/**
 * PKCS#10 requests from our binary (mbedTLS): openssl accepts their signature, reads
 * the subject and the SPIFFE URI subjectAltName we asked for, and finds the public key
 * of the key that signed them. (node:crypto cannot write CSRs: binary only.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { withFiles } from '../support/identity-pki.js';

const t = suite('native: PKCS#10 requests on mbedTLS');

function csrOf(privateKey: Uint8Array, subject: string, uri?: string): Uint8Array {
  const csr = getHost().crypto?.csr;
  if (csr === undefined) throw new Error('no host.crypto.csr on this engine');
  return csr(privateKey, subject, uri);
}

t('a CSR with a SPIFFE URI SAN passes openssl req -verify and says what we asked', async () => {
  const crypto = getHost().crypto;
  if (!crypto) throw new Error('no host.crypto');
  const { privateKey, publicKey } = crypto.generateEcKey();
  const id = 'spiffe://example.org/agent/node1';
  const der = csrOf(privateKey, 'C=US,O=SPIRE', id);
  await withFiles({ 'req.der': der }, async (dir) => {
    const r = await getHost().processes.run(['openssl', 'req', '-inform', 'DER', '-in', `${dir}/req.der`, '-verify', '-noout', '-text']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /verify OK|Certificate request self-signature verify OK/);
    assert.match(r.stdout, /Subject: C\s*=\s*US, O\s*=\s*SPIRE/);
    assert.match(r.stdout, /X509v3 Subject Alternative Name:\s*\n\s*URI:spiffe:\/\/example\.org\/agent\/node1\n/);
    assert.match(r.stdout, /ecdsa-with-SHA256/);
    const pub = await getHost().processes.run(['openssl', 'req', '-inform', 'DER', '-in', `${dir}/req.der`, '-pubkey', '-noout']);
    const b64 = pub.stdout.replace(/-----[A-Z ]+-----|\s/g, '');
    assert.is(b64, btoa(String.fromCharCode(...publicKey)));
  });
  // A request with a long ID (DER lengths in two bytes) and an empty subject, as SPIRE's
  // own agent sends for its SVID (only the key matters to the server).
  const long = `spiffe://example.org/${'x'.repeat(400)}`;
  await withFiles({ 'req.der': csrOf(privateKey, '', long) }, async (dir) => {
    const r = await getHost().processes.run(['openssl', 'req', '-inform', 'DER', '-in', `${dir}/req.der`, '-verify', '-noout', '-text']);
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`URI:${long}`));
  });
});

t('bad inputs are refused with an error, not a request', () => {
  const crypto = getHost().crypto;
  if (!crypto) throw new Error('no host.crypto');
  const { privateKey, publicKey } = crypto.generateEcKey();
  assert.throws(() => csrOf(publicKey, 'O=SPIRE'), /csr/);
  assert.throws(() => csrOf(privateKey, 'NOTAFIELD=1'), /csr: subject/);
  assert.throws(() => csrOf(privateKey, 'O=SPIRE', `spiffe://example.org/${'y'.repeat(3000)}`), /URI/);
  assert.throws(() => crypto.sign(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), new Uint8Array(1)), /ecSign/);
});

t.run();
