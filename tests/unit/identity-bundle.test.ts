/**
 * Trust bundles from PEM, DER and SPIFFE bundle JSON (JWK Sets), built from the
 * openssl-made test PKI, and their use in SVID validation.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import {
  base64Decode, base64Encode, bundleFromDer, bundleFromPem, bundleFromSpiffeJson, type TrustBundle, trustBundles, validateX509Svid,
  verifyEcdsa,
} from '../../runtime/src/identity/index.js';
import { NOW_MS, type Pki, testPki, withFiles } from '../support/identity-pki.js';

const t = suite('identity: trust bundles');

function must(r: { ok: true; value: TrustBundle } | { ok: false; error: { message: string } }): TrustBundle {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function jwk(pki: Pki, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kty: 'EC', use: 'x509-svid', x5c: [base64Encode(pki.get(name).der)], ...extra };
}

t('base64Encode matches openssl base64 and round-trips', async () => {
  const pki = await testPki();
  const der = pki.get('root').der;
  const printed = await withFiles({ 'root.der': der }, async (dir) => {
    const r = await getHost().processes.run(['openssl', 'base64', '-A', '-in', `${dir}/root.der`]);
    assert.is(r.status, 0);
    return r.stdout.trim();
  });
  assert.is(base64Encode(der), printed);
  for (const n of [0, 1, 2, 3, 4, 5]) {
    const bytes = der.subarray(0, n);
    const back = base64Decode(base64Encode(bytes), 100);
    assert.ok(back.ok && back.value.length === n);
  }
});

t('a PEM bootstrap bundle: CA certificates only', async () => {
  const pki = await testPki();
  const b = must(bundleFromPem('example.org', pki.get('root').pem));
  assert.is(b.trustDomain, 'example.org');
  assert.equal(b.x509Authorities.map((c) => c.subject.text), ['C=US, O=SPIFFE, CN=example.org root']);
  const leaf = bundleFromPem('example.org', pki.get('node1').pem);
  assert.ok(!leaf.ok && leaf.error.message.includes('is not a CA certificate'));
  const td = bundleFromPem('Example.org', pki.get('root').pem);
  assert.ok(!td.ok && td.error.code === 'trust-domain-case');
  const junk = bundleFromPem('example.org', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  assert.ok(!junk.ok && junk.error.message.startsWith('certificate 1:'));
});

t('a DER bundle (concatenated certificates, as the Workload API sends it)', async () => {
  const pki = await testPki();
  const a = pki.get('root').der;
  const c = pki.get('rsa-root').der;
  const joined = new Uint8Array(a.length + c.length);
  joined.set(a);
  joined.set(c, a.length);
  assert.is(must(bundleFromDer('example.org', joined)).x509Authorities.length, 2);
  assert.not.ok(bundleFromDer('example.org', joined.subarray(0, joined.length - 1)).ok);
});

t('a SPIFFE bundle: x509-svid keys with x5c count, everything else is ignored', async () => {
  const pki = await testPki();
  const doc = {
    spiffe_sequence: 3,
    spiffe_refresh_hint: 300,
    keys: [
      { ...jwk(pki, 'root'), x5c: [base64Encode(pki.get('root').der), 'not even base64'] }, // only the first x5c value counts
      jwk(pki, 'node1', { use: 'jwt-svid' }), // another SVID type: ignored (a leaf would be refused)
      jwk(pki, 'node1', { use: 'x509-svid-v2' }), // unknown use: ignored
      { kty: 'EC', use: 'x509-svid' }, // no x5c: ignored
      { kty: 'EC', use: 'x509-svid', x5c: [] }, // empty x5c: ignored
      { use: 'x509-svid', x5c: [base64Encode(pki.get('node1').der)] }, // no kty: ignored
      jwk(pki, 'rsa-root', { kty: 'RSA' }),
      'not an object',
    ],
  };
  const b = must(bundleFromSpiffeJson('example.org', JSON.stringify(doc)));
  assert.equal(b.x509Authorities.map((c) => c.serial), [pki.get('root').cert.serial, pki.get('rsa-root').cert.serial]);
  assert.is(b.sequence, 3);
  assert.is(b.refreshHintSeconds, 300);
  const other = must(bundleFromSpiffeJson('other.org', JSON.stringify({ keys: [jwk(pki, 'other-root')], spiffe_sequence: -1 })));
  assert.is(other.sequence, null);
  assert.is(other.refreshHintSeconds, null);
  // The bundles drive validation: a peer of each domain chains to its own domain's CA.
  const bundles = trustBundles([b, other]);
  assert.ok(bundles.ok);
  if (!bundles.ok) return;
  const opts = { bundles: bundles.value, verifySignature: verifyEcdsa, nowMs: NOW_MS };
  assert.ok((await validateX509Svid([pki.get('node1').cert, pki.get('intermediate').cert], opts)).ok);
  assert.ok((await validateX509Svid([pki.get('other-td').cert], opts)).ok);
  assert.not.ok((await validateX509Svid([pki.get('wrong-issuer').cert], opts)).ok);
});

t('an empty key set revokes every SVID of the trust domain', async () => {
  const pki = await testPki();
  const empty = must(bundleFromSpiffeJson('example.org', '{"keys": []}'));
  assert.is(empty.x509Authorities.length, 0);
  const bundles = trustBundles([empty]);
  assert.ok(bundles.ok);
  if (!bundles.ok) return;
  const r = await validateX509Svid([pki.get('node1').cert, pki.get('intermediate').cert], { bundles: bundles.value, verifySignature: verifyEcdsa, nowMs: NOW_MS });
  assert.ok(!r.ok && r.error.code === 'unknown-trust-domain');
  assert.match(r.ok ? '' : r.error.message, 'has no X.509 authorities');
});

t('malformed SPIFFE bundles are refused with the reason', async () => {
  const pki = await testPki();
  const refused = (text: string, why: string) => {
    const r = bundleFromSpiffeJson('example.org', text);
    assert.not.ok(r.ok, why);
    if (!r.ok) assert.match(r.error.message, why);
  };
  refused('{"keys": [', 'not JSON');
  refused('[1, 2]', 'not a JSON object');
  refused('{"spiffe_sequence": 1}', 'no "keys" array');
  refused(JSON.stringify({ keys: [{ kty: 'EC', use: 'x509-svid', x5c: ['AA*A'] }] }), 'invalid character');
  refused(JSON.stringify({ keys: [{ kty: 'EC', use: 'x509-svid', x5c: [7] }] }), 'non-string x5c');
  refused(JSON.stringify({ keys: [jwk(pki, 'node1')] }), 'is not a CA certificate');
  refused(JSON.stringify({ keys: [{ kty: 'EC', use: 'x509-svid', x5c: [base64Encode(pki.get('root').der.subarray(0, 100))] }] }), 'key 1');
  refused(`{"keys": [], "pad": "${'x'.repeat(1024 * 1024)}"}`, 'larger than');
  refused(JSON.stringify({ keys: new Array(300).fill(0) }), 'more than 256 keys');
  const twice = trustBundles([must(bundleFromSpiffeJson('example.org', '{"keys": []}')), must(bundleFromSpiffeJson('example.org', '{"keys": []}'))]);
  assert.ok(!twice.ok && twice.error.message.includes('two bundles for trust domain example.org'));
});

t.run();
