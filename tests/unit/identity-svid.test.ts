/**
 * X.509-SVID validation on openssl-made chains: a good SVID is accepted with its
 * SPIFFE ID and path; each broken certificate is refused for its own reason. Every
 * refusal test would fail if its check were removed (the broken certificate differs
 * from a good one in that one property). Signatures are checked by openssl.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type Certificate, parseCertificate, type SignatureVerifier, type SvidValidationOptions, validateX509Svid,
} from '../../runtime/src/identity/index.js';
import { NOW_MS, opensslVerifier, type Pki, testPki } from '../support/identity-pki.js';

const t = suite('identity: X.509-SVID validation');

const DAY = 86_400_000;

function options(pki: Pki, over: Partial<SvidValidationOptions> = {}): SvidValidationOptions {
  return {
    bundles: new Map([
      ['example.org', [pki.get('root').cert]],
      ['other.org', [pki.get('other-root').cert]],
    ]),
    verifySignature: opensslVerifier().verify,
    nowMs: NOW_MS,
    ...over,
  };
}

function chain(pki: Pki, ...names: string[]): Certificate[] {
  return names.map((n) => pki.get(n).cert);
}

async function refusal(certs: Certificate[], opts: SvidValidationOptions): Promise<{ code: string; message: string }> {
  const r = await validateX509Svid(certs, opts);
  if (r.ok) throw new Error(`accepted ${r.value.id.id}, expected a refusal`);
  assert.is(r.error.kind, 'svid');
  return { code: r.error.code ?? '', message: r.error.message };
}

t('accepts a leaf through an intermediate to the bundle root, with its SPIFFE ID', async () => {
  const pki = await testPki();
  const v = opensslVerifier();
  const r = await validateX509Svid(chain(pki, 'node1', 'intermediate'), options(pki, { verifySignature: v.verify }));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  if (!r.ok) return;
  assert.is(r.value.id.id, 'spiffe://example.org/agent/node1');
  assert.is(r.value.id.trustDomain, 'example.org');
  assert.equal(r.value.path.map((c) => c.subject.text), ['C=US, O=SPIRE, CN=node1', 'C=US, O=SPIFFE, CN=example.org intermediate', 'C=US, O=SPIFFE, CN=example.org root']);
  assert.is(v.calls, 2, 'leaf and intermediate signatures checked');
});

t('accepts a leaf issued by the root directly, and intermediates in any order', async () => {
  const pki = await testPki();
  const direct = await validateX509Svid(chain(pki, 'direct'), options(pki));
  assert.ok(direct.ok && direct.value.path.length === 2);
  const mixed = await validateX509Svid(chain(pki, 'node1', 'other-root', 'not-ca', 'intermediate'), options(pki));
  assert.ok(mixed.ok && mixed.value.path.length === 3);
});

t('refuses two URI SANs, no URI SAN, and a leaf whose ID is the trust domain itself', async () => {
  const pki = await testPki();
  const two = await refusal(chain(pki, 'two-uris', 'intermediate'), options(pki));
  assert.is(two.code, 'multiple-uri-sans');
  assert.match(two.message, '2 URI SANs');
  assert.is((await refusal(chain(pki, 'no-uri', 'intermediate'), options(pki))).code, 'no-uri-san');
  assert.is((await refusal(chain(pki, 'root-path', 'intermediate'), options(pki))).code, 'root-path');
});

t('refuses a CA certificate as leaf, and leaf key usages the standard forbids or lacks', async () => {
  const pki = await testPki();
  assert.is((await refusal(chain(pki, 'ca-leaf', 'intermediate'), options(pki))).code, 'leaf-is-ca');
  assert.is((await refusal(chain(pki, 'no-digital-signature', 'intermediate'), options(pki))).code, 'no-digital-signature');
  assert.is((await refusal(chain(pki, 'no-key-usage', 'intermediate'), options(pki))).code, 'key-usage-missing');
  const eku = await refusal(chain(pki, 'client-only', 'intermediate'), options(pki));
  assert.is(eku.code, 'extended-key-usage');
  assert.match(eku.message, 'serverAuth and clientAuth');
});

t('refuses a URI SAN that is not a SPIFFE ID, a non-critical keyUsage, and a leaf that may sign certificates', async () => {
  const pki = await testPki();
  const https = await refusal(chain(pki, 'https-uri', 'intermediate'), options(pki));
  assert.is(https.code, 'invalid-spiffe-id');
  assert.match(https.message, 'https://example.org/agent/web');
  assert.is((await refusal(chain(pki, 'key-usage-not-critical', 'intermediate'), options(pki))).code, 'key-usage-not-critical');
  const signer = await refusal(chain(pki, 'leaf-cert-sign', 'intermediate'), options(pki));
  assert.is(signer.code, 'leaf-signs-certificates');
  assert.match(signer.message, 'keyCertSign');
});

t('an empty subject needs a critical subjectAltName', async () => {
  const pki = await testPki();
  assert.is(pki.get('no-subject').cert.subject.text, '');
  const anon = await validateX509Svid(chain(pki, 'no-subject', 'intermediate'), options(pki));
  assert.ok(anon.ok && anon.value.id.id === 'spiffe://example.org/agent/anon');
  assert.is((await refusal(chain(pki, 'no-subject-san-not-critical', 'intermediate'), options(pki))).code, 'san-not-critical');
});

t('refuses a signing certificate without keyCertSign, or whose SPIFFE ID has a path', async () => {
  const pki = await testPki();
  const ku = await refusal(chain(pki, 'under-no-cert-sign', 'ca-no-cert-sign'), options(pki));
  assert.is(ku.code, 'issuer-key-usage');
  assert.match(ku.message, 'no cert sign');
  const path = await refusal(chain(pki, 'under-ca-with-path', 'ca-with-path'), options(pki));
  assert.is(path.code, 'issuer-spiffe-id');
  assert.match(path.message, 'spiffe://example.org/ca/1 has a path');
});

t('refuses an expired and a not-yet-valid leaf; the clock skew allowance is honoured', async () => {
  const pki = await testPki();
  const expired = await refusal(chain(pki, 'expired', 'intermediate'), options(pki));
  assert.is(expired.code, 'expired');
  assert.match(expired.message, '2020-01-02T00:00:00.000Z');
  assert.is((await refusal(chain(pki, 'not-yet-valid', 'intermediate'), options(pki))).code, 'not-yet-valid');
  // One minute before notBefore: refused without skew, accepted with two minutes of skew.
  const notBefore = pki.get('not-yet-valid').cert.notBeforeMs;
  const early = options(pki, { nowMs: notBefore - 60_000 });
  assert.is((await refusal(chain(pki, 'not-yet-valid', 'intermediate'), early)).code, 'not-yet-valid');
  const skewed = await validateX509Svid(chain(pki, 'not-yet-valid', 'intermediate'), { ...early, clockSkewMs: 120_000 });
  assert.ok(skewed.ok);
  // Just after notAfter (the CAs end at the same second): refused without skew, accepted with it.
  const notAfter = pki.get('node1').cert.notAfterMs;
  const late = options(pki, { nowMs: notAfter + 60_000 });
  assert.is((await refusal(chain(pki, 'node1', 'intermediate'), late)).code, 'expired');
  assert.ok((await validateX509Svid(chain(pki, 'node1', 'intermediate'), { ...late, clockSkewMs: 120_000 })).ok);
});

t('an expired CA in the path makes the leaf invalid', async () => {
  const pki = await testPki();
  // The same intermediate as if its lifetime had ended yesterday (its signature is not rechecked by the test's intent).
  const shortLived: Certificate = { ...pki.get('intermediate').cert, notAfterMs: NOW_MS - DAY };
  const r = await refusal([pki.get('node1').cert, shortLived], options(pki));
  assert.is(r.code, 'expired');
  assert.match(r.message, 'intermediate 1');
});

t('a bundle holding an expired copy of the root as well: the path through the valid one is found', async () => {
  const pki = await testPki();
  const copy = pki.get('root-expired-copy').cert;
  assert.equal(copy.subject.der, pki.get('root').cert.subject.der);
  assert.equal(copy.extensions.subjectKeyId, pki.get('root').cert.extensions.subjectKeyId);
  const both = options(pki, { bundles: new Map([['example.org', [copy, pki.get('root').cert]]]) });
  const r = await validateX509Svid(chain(pki, 'node1', 'intermediate'), both);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  if (r.ok) assert.is(r.value.path[2], pki.get('root').cert);
  // With only the expired copy, the refusal says why.
  const onlyCopy = await refusal(chain(pki, 'node1', 'intermediate'), options(pki, { bundles: new Map([['example.org', [copy]]]) }));
  assert.is(onlyCopy.code, 'expired');
  assert.match(onlyCopy.message, 'bundle CA');
});

t('refuses a peer of a trust domain we hold no bundle for', async () => {
  const pki = await testPki();
  const only = options(pki, { bundles: new Map([['example.org', [pki.get('root').cert]]]) });
  const r = await refusal(chain(pki, 'other-td'), only);
  assert.is(r.code, 'unknown-trust-domain');
  assert.match(r.message, 'other.org');
});

t("selects the bundle by the peer's trust domain: another domain's CA does not vouch for it", async () => {
  const pki = await testPki();
  // Issued by other.org's root (which we trust for other.org) but claims example.org.
  const r = await refusal(chain(pki, 'wrong-issuer'), options(pki));
  assert.is(r.code, 'unknown-authority');
  // Sanity: with other.org's root put in example.org's bundle the same chain would pass.
  const lax = options(pki, { bundles: new Map([['example.org', [pki.get('other-root').cert]]]) });
  assert.ok((await validateX509Svid(chain(pki, 'wrong-issuer'), lax)).ok);
});

t('refuses a broken chain: the intermediate missing', async () => {
  const pki = await testPki();
  const r = await refusal(chain(pki, 'node1'), options(pki));
  assert.is(r.code, 'unknown-authority');
  assert.match(r.message, 'example.org intermediate');
});

t("refuses a leaf signed by an impostor with the intermediate's name", async () => {
  const pki = await testPki();
  const r = await refusal(chain(pki, 'forged', 'intermediate'), options(pki));
  assert.is(r.code, 'bad-signature');
  assert.match(r.message, 'does not verify');
  // The impostor itself is not in the bundle, so presenting it does not help.
  assert.is((await refusal(chain(pki, 'forged', 'impostor'), options(pki))).code, 'unknown-authority');
});

t('a verifier that refuses everything refuses every chain (signatures are checked, not assumed)', async () => {
  const pki = await testPki();
  const never: SignatureVerifier = () => false;
  assert.is((await refusal(chain(pki, 'node1', 'intermediate'), options(pki, { verifySignature: never }))).code, 'bad-signature');
});

t('refuses a path through a certificate that is not a CA', async () => {
  const pki = await testPki();
  const r = await refusal(chain(pki, 'under-not-ca', 'not-ca'), options(pki));
  assert.is(r.code, 'issuer-not-ca');
  assert.match(r.message, 'not a ca');
});

t("enforces the intermediate's pathLenConstraint", async () => {
  const pki = await testPki();
  const r = await refusal(chain(pki, 'too-deep', 'sub-intermediate', 'intermediate'), options(pki));
  assert.is(r.code, 'path-length');
  assert.match(r.message, 'allows 0 intermediate(s) below it, the path has 1');
});

t('refuses unknown critical extensions and name constraints it cannot process', async () => {
  const pki = await testPki();
  const base = pki.get('node1').cert;
  const unknown: Certificate = { ...base, extensions: { ...base.extensions, unknownCritical: ['1.2.3.4'] } };
  assert.is((await refusal([unknown, pki.get('intermediate').cert], options(pki))).code, 'unknown-critical-extension');
  const inter = pki.get('intermediate').cert;
  const constrained: Certificate = { ...inter, extensions: { ...inter.extensions, nameConstraints: { critical: true } } };
  assert.is((await refusal([base, constrained], options(pki))).code, 'name-constraints-unsupported');
});

t('the path search is bounded: presented intermediates, and signature checks (each pair checked once)', async () => {
  const pki = await testPki();
  const copies = (n: number) => Array.from({ length: n }, () => {
    const c = parseCertificate(pki.get('intermediate').der);
    if (!c.ok) throw new Error(c.error.message);
    return c.value;
  });
  const many = await refusal([pki.get('node1').cert, ...copies(17)], options(pki));
  assert.is(many.code, 'too-many-certificates');
  // A forged leaf against 6 copies of its issuer's name: 6 checks, then bad-signature.
  const v = opensslVerifier();
  const forged = await refusal([pki.get('forged').cert, ...copies(6)], options(pki, { verifySignature: v.verify }));
  assert.is(forged.code, 'bad-signature');
  assert.is(v.calls, 6);
  const limited = await refusal([pki.get('forged').cert, ...copies(6)], options(pki, { maxSignatureChecks: 3 }));
  assert.is(limited.code, 'path-search-limit');
  // Within the budget a good chain still validates.
  assert.ok((await validateX509Svid(chain(pki, 'node1', 'intermediate'), options(pki, { maxSignatureChecks: 2 }))).ok);
});

t('an empty chain is refused', async () => {
  const pki = await testPki();
  assert.is((await refusal([], options(pki))).code, 'no-certificate');
  assert.ok(parseCertificate(pki.get('node1').der).ok);
});

t.run();
