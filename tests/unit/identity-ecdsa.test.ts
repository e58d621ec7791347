/**
 * ECDSA P-256/P-384 + SHA-2 verification in TypeScript against openssl: digests equal
 * `openssl dgst`, curve constants equal `openssl ecparam`'s explicit parameters,
 * signatures made by `openssl dgst -sign` verify and altered ones do not, and the
 * openssl-made SVID chains validate with this verifier.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import {
  bytesToBigInt, CURVES, decodeEcdsaSignature, decodePem, decodePoint, hex, OID, sha256, sha384, sha512, type SignedData, validateX509Svid,
  verifyEcdsa,
} from '../../runtime/src/identity/index.js';
import { NOW_MS, type Pki, testPki, withFiles } from '../support/identity-pki.js';

const t = suite('identity: ECDSA verification');

async function run(argv: string[]): Promise<string> {
  const r = await getHost().processes.run(argv, { timeoutMs: 20_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function message(n: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt) & 0xff);
}

t('SHA-256/384/512 equal openssl dgst for lengths around the block and padding boundaries', async () => {
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 1000, 4097]) {
    const data = message(n, n);
    await withFiles({ m: data }, async (dir) => {
      for (const [name, f] of [['sha256', sha256], ['sha384', sha384], ['sha512', sha512]] as const) {
        const out = await run(['openssl', 'dgst', `-${name}`, '-r', `${dir}/m`]);
        assert.is(hex(f(data)), out.split(' ')[0], `${name} of ${n} bytes`);
      }
    });
  }
});

t('curve constants equal the explicit parameters openssl prints', async () => {
  for (const [name, ossl] of [['P-256', 'prime256v1'], ['P-384', 'secp384r1']] as const) {
    const text = (await run(['openssl', 'ecparam', '-name', ossl, '-param_enc', 'explicit', '-text', '-noout'])).replace(/[ \n:]/g, '');
    const field = (label: string, next: string) => BigInt(`0x${new RegExp(`${label}(?:\\(uncompressed\\))?([0-9a-f]+)${next}`).exec(text)?.[1]}`);
    const c = CURVES[name];
    assert.ok(c);
    if (!c) continue;
    assert.is(field('Prime', 'A'), c.p, `${name} p`);
    assert.is(field('A', 'B'), c.p - 3n, `${name} a`);
    assert.is(field('B', 'Generator'), c.b, `${name} b`);
    const g = field('Generator', 'Order').toString(16).padStart(4 * c.size + 1, '0');
    assert.is(BigInt(`0x${g.slice(1, 1 + 2 * c.size)}`), c.gx, `${name} gx`);
    assert.is(BigInt(`0x${g.slice(1 + 2 * c.size)}`), c.gy, `${name} gy`);
    assert.is(field('Order', 'Cofactor'), c.n, `${name} n`);
  }
});

const ALGORITHMS = { sha256: OID.ecdsaWithSha256, sha384: OID.ecdsaWithSha384, sha512: OID.ecdsaWithSha512 } as const;
type Digest = keyof typeof ALGORITHMS;

function signedBy(tbs: Uint8Array, signature: Uint8Array, digest: Digest = 'sha256'): SignedData {
  return { tbs, signature, algorithm: { oid: ALGORITHMS[digest], name: `ecdsa-with-${digest}`, parameters: null } };
}

function opensslSign(pki: Pki, keyOf: string, data: Uint8Array, digest: Digest = 'sha256'): Promise<Uint8Array> {
  return withFiles({ m: data, 'key.pem': pki.get(keyOf).keyPem }, async (dir) => {
    await run(['openssl', 'dgst', `-${digest}`, '-sign', `${dir}/key.pem`, '-out', `${dir}/sig`, `${dir}/m`]);
    return getHost().files.readBytes(`${dir}/sig`);
  });
}

t('signatures by openssl verify (P-256 and P-384, SHA-256/384/512); altered message, signature, key or digest do not', async () => {
  const pki = await testPki();
  for (const who of ['node1', 'intermediate']) {
    const key = pki.get(who).cert.publicKey;
    for (const [n, digest] of [[0, 'sha256'], [100, 'sha384'], [700, 'sha512'], [300, 'sha256']] as const) {
      const data = message(n, 7);
      const sig = await opensslSign(pki, who, data, digest);
      assert.ok(await verifyEcdsa(signedBy(data, sig, digest), key), `${who} ${n} bytes ${digest}`);
      const other = data.slice();
      if (n > 0) {
        other[n >> 1] = (other[n >> 1] as number) ^ 1;
        assert.not.ok(await verifyEcdsa(signedBy(other, sig, digest), key), 'altered message');
      }
      const badSig = sig.slice();
      badSig[badSig.length - 3] = (badSig[badSig.length - 3] as number) ^ 0x40;
      assert.not.ok(await verifyEcdsa(signedBy(data, badSig, digest), key), 'altered signature');
      assert.not.ok(await verifyEcdsa(signedBy(data, sig, digest), pki.get('direct').cert.publicKey), 'another key');
      assert.not.ok(await verifyEcdsa(signedBy(data, sig, digest === 'sha256' ? 'sha384' : 'sha256'), key), 'another digest');
    }
  }
});

t('refuses what it cannot or must not verify: other algorithms, off-curve keys, r or s out of range', async () => {
  const pki = await testPki();
  const node1 = pki.get('node1');
  const data = message(50, 1);
  const sig = await opensslSign(pki, 'node1', data);
  const key = node1.cert.publicKey;
  assert.not.ok(await verifyEcdsa({ ...signedBy(data, sig), algorithm: { oid: OID.sha256WithRsa, name: '', parameters: null } }, key));
  assert.not.ok(await verifyEcdsa({ ...signedBy(data, sig), algorithm: { oid: OID.ecdsaWithSha256, name: '', parameters: Uint8Array.from([5, 0]) } }, key));
  assert.ok(await verifyEcdsa(signedBy(data, sig), key));
  assert.not.ok(await verifyEcdsa(signedBy(data, sig), pki.get('rsa-root').cert.publicKey));
  const offCurve = key.key.slice();
  offCurve[64] = (offCurve[64] as number) ^ 1;
  assert.is(decodePoint(CURVES['P-256'] as never, offCurve), null);
  assert.not.ok(await verifyEcdsa(signedBy(data, sig), { ...key, key: offCurve }));
  const rs = decodeEcdsaSignature(sig);
  assert.ok(rs !== null);
  // r = 0 and r = n are out of range; a negative INTEGER and trailing bytes are malformed.
  assert.is(decodeEcdsaSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01])), null);
  assert.is(decodeEcdsaSignature(Uint8Array.from([...sig, 0])), null);
  const zero = Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]);
  assert.not.ok(await verifyEcdsa(signedBy(data, zero), key));
});

t('compressed points decode to the same key openssl prints uncompressed', async () => {
  const pki = await testPki();
  for (const who of ['node1', 'direct', 'intermediate']) {
    const pem = await withFiles({ 'key.pem': pki.get(who).keyPem }, (dir) => run(['openssl', 'pkey', '-in', `${dir}/key.pem`, '-pubout', '-ec_conv_form', 'compressed']));
    const blocks = decodePem(pem);
    assert.ok(blocks.ok);
    if (!blocks.ok) continue;
    const spki = (blocks.value[0] as { der: Uint8Array }).der;
    const c = CURVES[pki.get(who).cert.publicKey.curve as string] as never;
    const compressed = spki.subarray(spki.length - (pki.get(who).cert.publicKey.key.length + 1) / 2);
    const full = decodePoint(c, pki.get(who).cert.publicKey.key);
    const point = decodePoint(c, compressed);
    assert.ok(full !== null && point !== null);
    assert.is(point?.x, full?.x);
    assert.is(point?.y, full?.y);
    assert.is(point?.x, bytesToBigInt(compressed.subarray(1)));
  }
});

t('validates the openssl-made SVID chains with this verifier alone', async () => {
  const pki = await testPki();
  const opts = { bundles: new Map([['example.org', [pki.get('root').cert]]]), verifySignature: verifyEcdsa, nowMs: NOW_MS };
  const good = await validateX509Svid([pki.get('node1').cert, pki.get('intermediate').cert], opts);
  assert.ok(good.ok, good.ok ? '' : good.error.message);
  assert.is(pki.get('sha384').cert.signatureAlgorithm.name, 'ecdsa-with-SHA384');
  const sha384Chain = await validateX509Svid([pki.get('sha384').cert, pki.get('intermediate').cert], opts);
  assert.ok(sha384Chain.ok && sha384Chain.value.id.id === 'spiffe://example.org/agent/sha384');
  const forged = await validateX509Svid([pki.get('forged').cert, pki.get('intermediate').cert], opts);
  assert.ok(!forged.ok && forged.error.code === 'bad-signature');
  // An RSA-signed chain is not verified by this verifier: refused, not accepted.
  const rsa = await validateX509Svid([pki.get('node1').cert, pki.get('intermediate').cert], { ...opts, bundles: new Map([['example.org', [pki.get('rsa-root').cert]]]) });
  assert.not.ok(rsa.ok);
});

t.run();
