/**
 * The X.509 reader on certificates made by openssl at test time: every field is
 * cross-checked against what `openssl x509` itself prints for the same file.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodePem, decodePemCertificates, hex, OID, parseCertificate, parseCertificates } from '../../runtime/src/identity/index.js';
import { opensslX509, testPki } from '../support/identity-pki.js';

const t = suite('identity: X.509 reader');

/** "Jan  2 00:00:00 2020 GMT" (openssl's date form) as ms since the epoch. */
function opensslDate(text: string): number {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(text.trim());
  if (m === null) throw new Error(`unexpected openssl date ${text}`);
  const month = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[1] as string) / 3;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

t('reads the fields openssl reports: serial, names, validity, key, signature algorithm', async () => {
  const pki = await testPki();
  for (const name of ['root', 'intermediate', 'node1', 'expired', 'rsa-root']) {
    const { cert } = pki.get(name);
    const out = await opensslX509(pki.get(name), ['-serial', '-startdate', '-enddate', '-nameopt', 'sep_comma_plus_space,esc_2253', '-subject', '-issuer']);
    const field = (k: string) => (new RegExp(`^${k}=(.*)$`, 'm').exec(out)?.[1] ?? '').trim();
    assert.is(cert.version, 3, name);
    assert.is(cert.serial.toUpperCase().replace(/^0+/, ''), field('serial').replace(/^0+/, ''), `${name} serial`);
    assert.is(cert.notBeforeMs, opensslDate(field('notBefore')), `${name} notBefore`);
    assert.is(cert.notAfterMs, opensslDate(field('notAfter')), `${name} notAfter`);
    assert.is(cert.subject.text, field('subject'), `${name} subject`);
    assert.is(cert.issuer.text, field('issuer'), `${name} issuer`);
  }
});

t('EC keys carry their curve; the key bytes and SPKI match openssl pkey', async () => {
  const pki = await testPki();
  const node1 = pki.get('node1').cert;
  assert.is(node1.publicKey.algorithm.oid, OID.ecPublicKey);
  assert.is(node1.publicKey.curve, 'P-256');
  assert.is(node1.publicKey.key.length, 65);
  assert.is(pki.get('intermediate').cert.publicKey.curve, 'P-384');
  assert.is(pki.get('rsa-root').cert.publicKey.curve, null);
  assert.is(pki.get('rsa-root').cert.publicKey.algorithm.name, 'rsaEncryption');
  const spki = decodePem(await opensslX509(pki.get('node1'), ['-pubkey']));
  assert.ok(spki.ok);
  if (spki.ok) assert.is(hex(node1.publicKey.der), hex((spki.value[0] as { der: Uint8Array }).der));
  assert.is(node1.signatureAlgorithm.name, 'ecdsa-with-SHA256');
  assert.is(pki.get('rsa-root').cert.signatureAlgorithm.name, 'sha256WithRSAEncryption');
});

t('extensions: basic constraints, key usage, EKU, SAN entries, key identifiers', async () => {
  const pki = await testPki();
  const leaf = pki.get('node1').cert.extensions;
  assert.equal(leaf.basicConstraints, { critical: true, ca: false, pathLen: null });
  assert.ok(leaf.keyUsage?.critical && leaf.keyUsage.digitalSignature && leaf.keyUsage.keyEncipherment && leaf.keyUsage.keyAgreement);
  assert.not.ok(leaf.keyUsage?.keyCertSign || leaf.keyUsage?.cRLSign || leaf.keyUsage?.dataEncipherment);
  assert.equal(leaf.extKeyUsage?.purposes, [OID.serverAuth, OID.clientAuth]);
  assert.equal(leaf.subjectAltName?.names.map((n) => `${n.type}:${n.value}`), ['uri:spiffe://example.org/agent/node1', 'dns:node1.mesh', 'ip:10.0.0.1', 'ip:fd00::1']);
  const inter = pki.get('intermediate').cert.extensions;
  assert.equal(inter.basicConstraints, { critical: true, ca: true, pathLen: 0 });
  assert.ok(inter.keyUsage?.keyCertSign && inter.keyUsage.cRLSign);
  assert.is(inter.nameConstraints, null);
  assert.equal(inter.unknownCritical, []);
  // The leaf's authority key id is the intermediate's subject key id, as openssl prints them.
  const ski = await opensslX509(pki.get('intermediate'), ['-ext', 'subjectKeyIdentifier']);
  const printed = /\n\s*([0-9A-F:]+)\s*$/.exec(ski)?.[1]?.replaceAll(':', '').toLowerCase();
  assert.is(hex(inter.subjectKeyId ?? new Uint8Array()), printed);
  assert.is(hex(leaf.authorityKeyId ?? new Uint8Array()), printed);
});

t('subjectAltName entries of every kind; only URI, DNS, IP and email are decoded to text', async () => {
  const pki = await testPki();
  const names = pki.get('all-sans').cert.extensions.subjectAltName?.names ?? [];
  assert.equal(names.map((n) => n.type), ['uri', 'email', 'directory', 'other', 'other', 'ip']);
  assert.equal(names.map((n) => n.tagNumber), [6, 1, 4, 0, 8, 7]);
  assert.is(names[1]?.value, 'ops@example.org');
  assert.is(names[5]?.value, '192.0.2.7');
  // What openssl prints for the same extension, entry by entry.
  const printed = await opensslX509(pki.get('all-sans'), ['-ext', 'subjectAltName']);
  assert.match(printed, 'URI:spiffe://example.org/agent/all');
  assert.match(printed, 'email:ops@example.org');
  assert.match(printed, 'DirName:/CN=directory name');
  assert.match(printed, 'othername: 1.2.3.4::hello');
  assert.match(printed, 'Registered ID:1.2.3.4.5');
});

t('the tbs bytes and the signature are what openssl verifies', async () => {
  const pki = await testPki();
  const { cert } = pki.get('node1');
  // tbsCertificate is the first element inside the certificate; the signature is an ECDSA SEQUENCE.
  assert.is(cert.tbs.byteOffset - cert.der.byteOffset, 4);
  assert.is(cert.signature[0], 0x30);
  assert.is(cert.der.length, pki.get('node1').der.length);
});

t('PEM: several blocks, other text around them; bundle of concatenated DER', async () => {
  const pki = await testPki();
  const text = `junk before\n${pki.get('root').pem}between\n${pki.get('intermediate').pem}`;
  const ders = decodePemCertificates(text);
  assert.ok(ders.ok);
  if (!ders.ok) return;
  assert.is(ders.value.length, 2);
  const joined = new Uint8Array((ders.value[0] as Uint8Array).length + (ders.value[1] as Uint8Array).length);
  joined.set(ders.value[0] as Uint8Array);
  joined.set(ders.value[1] as Uint8Array, (ders.value[0] as Uint8Array).length);
  const certs = parseCertificates(joined);
  assert.ok(certs.ok);
  if (certs.ok) assert.equal(certs.value.map((c) => c.subject.text), ['C=US, O=SPIFFE, CN=example.org root', 'C=US, O=SPIFFE, CN=example.org intermediate']);
  const key = decodePemCertificates(pki.get('node1').keyPem);
  assert.not.ok(key.ok);
  if (!key.ok) assert.match(key.error.message, 'expected CERTIFICATE blocks, found PRIVATE KEY');
});

t('refuses a certificate with trailing bytes, a truncated one, and a non-certificate', async () => {
  const pki = await testPki();
  const der = pki.get('node1').der;
  const longer = new Uint8Array(der.length + 1);
  longer.set(der);
  const trailing = parseCertificate(longer);
  assert.not.ok(trailing.ok);
  if (!trailing.ok) assert.match(trailing.error.message, 'trailing');
  const cut = parseCertificate(der.subarray(0, der.length - 10));
  assert.not.ok(cut.ok);
  if (!cut.ok) assert.match(cut.error.message, 'runs past the end');
  const notCert = parseCertificate(pki.get('node1').cert.publicKey.der);
  assert.not.ok(notCert.ok);
});

t.run();
