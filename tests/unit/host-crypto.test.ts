/**
 * host.crypto on both engines (mbedTLS in our binary, node:crypto on Node), checked
 * against the openssl CLI: digests, keys openssl accepts, signatures each side makes
 * and the other verifies, RSA verification, and the identity module's host verifier
 * validating (and refusing) the openssl-made SVID chains.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import type { HostCrypto } from '../../runtime/src/host/types.js';
import { hex, hostVerifier, type SignedData, validateX509Svid } from '../../runtime/src/identity/index.js';
import { NOW_MS, testPki, withFiles } from '../support/identity-pki.js';

const t = suite(`host.crypto (${getHost().engine})`);

function crypto(): HostCrypto {
  const c = getHost().crypto;
  if (c === undefined) throw new Error(`no host.crypto on ${getHost().engine}`);
  return c;
}

async function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await getHost().processes.run(argv, { timeoutMs: 20_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of `bytes` with bits of byte `i` flipped. */
function flipped(bytes: Uint8Array, i: number, mask = 1): Uint8Array {
  const out = bytes.slice();
  out[i] = (out[i] ?? 0) ^ mask;
  return out;
}

function message(n: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + salt) & 0xff);
}

t('sha256 equals openssl dgst, including the empty input and block boundaries', async () => {
  for (const n of [0, 1, 55, 56, 64, 65, 1000]) {
    const data = message(n, 3);
    await withFiles({ m: data }, async (dir) => {
      const r = await run(['openssl', 'dgst', '-sha256', '-r', `${dir}/m`]);
      assert.is(hex(crypto().sha256(data)), r.stdout.split(' ')[0], `${n} bytes`);
    });
  }
});

t('randomBytes gives the length asked for, different bytes each call, and refuses absurd sizes', () => {
  const c = crypto();
  assert.is(c.randomBytes(0).length, 0);
  const a = c.randomBytes(4096);
  const b = c.randomBytes(4096);
  assert.is(a.length, 4096);
  assert.is.not(hex(a), hex(b));
  // Every byte value shows up in 8 KiB of good randomness (a stuck generator fails this).
  const seen = new Set([...a, ...b]);
  assert.is(seen.size, 256);
  assert.throws(() => c.randomBytes(-1));
  assert.throws(() => c.randomBytes(1 << 20));
});

t('a generated P-256 key is one openssl accepts, with the same public key', async () => {
  const { privateKey, publicKey } = crypto().generateEcKey();
  await withFiles({ 'key.der': privateKey }, async (dir) => {
    const check = await run(['openssl', 'ec', '-inform', 'DER', '-in', `${dir}/key.der`, '-check', '-noout', '-text']);
    assert.is(check.status, 0, check.stderr);
    assert.match(check.stdout, /NIST CURVE: P-256|prime256v1/);
    const pub = await run(['openssl', 'ec', '-inform', 'DER', '-in', `${dir}/key.der`, '-pubout', '-outform', 'DER', '-out', `${dir}/pub.der`]);
    assert.is(pub.status, 0, pub.stderr);
    assert.is(hex(getHost().files.readBytes(`${dir}/pub.der`)), hex(publicKey));
  });
  assert.is(hex(crypto().ecPublicKey(privateKey)), hex(publicKey));
  // Two keys are two keys.
  assert.is.not(hex(crypto().generateEcKey().publicKey), hex(publicKey));
});

t('our ECDSA signatures verify with openssl dgst -verify, and altered data does not', async () => {
  const c = crypto();
  const { privateKey, publicKey } = c.generateEcKey();
  const data = message(300, 9);
  const sig = c.sign(privateKey, data);
  assert.ok(c.verify(publicKey, 'sha256', data, sig));
  const altered = flipped(data, 17);
  assert.not.ok(c.verify(publicKey, 'sha256', altered, sig));
  await withFiles({ 'pub.der': publicKey, sig, data, altered }, async (dir) => {
    const good = await run(['openssl', 'dgst', '-sha256', '-verify', `${dir}/pub.der`, '-keyform', 'DER', '-signature', `${dir}/sig`, `${dir}/data`]);
    assert.is(good.status, 0, good.stdout + good.stderr);
    const bad = await run(['openssl', 'dgst', '-sha256', '-verify', `${dir}/pub.der`, '-keyform', 'DER', '-signature', `${dir}/sig`, `${dir}/altered`]);
    assert.is.not(bad.status, 0);
  });
});

t("openssl's ECDSA (P-256, P-384; SHA-256/384/512) and RSA signatures verify with ours", async () => {
  const c = crypto();
  const data = message(1000, 5);
  for (const [alg, opt] of [['EC', 'ec_paramgen_curve:P-256'], ['EC', 'ec_paramgen_curve:P-384'], ['RSA', 'rsa_keygen_bits:2048']] as const) {
    await withFiles({ data }, async (dir) => {
      const gen = await run(['openssl', 'genpkey', '-algorithm', alg, '-pkeyopt', opt, '-out', `${dir}/key.pem`]);
      assert.is(gen.status, 0, gen.stderr);
      await run(['openssl', 'pkey', '-in', `${dir}/key.pem`, '-pubout', '-outform', 'DER', '-out', `${dir}/pub.der`]);
      const pub = getHost().files.readBytes(`${dir}/pub.der`);
      for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
        const s = await run(['openssl', 'dgst', `-${hash}`, '-sign', `${dir}/key.pem`, '-out', `${dir}/sig`, `${dir}/data`]);
        assert.is(s.status, 0, s.stderr);
        const sig = getHost().files.readBytes(`${dir}/sig`);
        assert.ok(c.verify(pub, hash, data, sig), `${opt} ${hash}`);
        // The wrong hash, a flipped signature byte, or garbage for a key: false, no throw.
        assert.not.ok(c.verify(pub, hash === 'sha256' ? 'sha384' : 'sha256', data, sig), `${opt} ${hash} wrong hash`);
        const bent = flipped(sig, sig.length - 3, 0x40);
        assert.not.ok(c.verify(pub, hash, data, bent), `${opt} ${hash} bent signature`);
        assert.not.ok(c.verify(pub.subarray(0, 20), hash, data, sig));
      }
    });
  }
});

t('the host verifier validates the openssl-made SVID chains and refuses forged ones', async () => {
  const pki = await testPki();
  const verifySignature = hostVerifier(crypto());
  const opts = { bundles: new Map([['example.org', [pki.get('root').cert]]]), verifySignature, nowMs: NOW_MS };
  const good = await validateX509Svid([pki.get('node1').cert, pki.get('intermediate').cert], opts);
  assert.ok(good.ok && good.value.id.id === 'spiffe://example.org/agent/node1', good.ok ? '' : good.error.message);
  const sha384 = await validateX509Svid([pki.get('sha384').cert, pki.get('intermediate').cert], opts);
  assert.ok(sha384.ok, sha384.ok ? '' : sha384.error.message);
  const forged = await validateX509Svid([pki.get('forged').cert, pki.get('intermediate').cert], opts);
  assert.ok(!forged.ok && forged.error.code === 'bad-signature');
  // RSA: the RSA root's self-signature (sha256WithRSAEncryption) verifies; bent, it does not.
  const rsa = pki.get('rsa-root').cert;
  const signed: SignedData = { tbs: rsa.tbs, algorithm: rsa.signatureAlgorithm, signature: rsa.signature };
  assert.ok(await verifySignature(signed, rsa.publicKey));
  const tbs = flipped(rsa.tbs, rsa.tbs.length - 1);
  assert.not.ok(await verifySignature({ ...signed, tbs }, rsa.publicKey));
  // An ECDSA algorithm over an RSA key is not a pair we verify.
  const ec = pki.get('node1').cert;
  assert.not.ok(await verifySignature({ ...signed, algorithm: ec.signatureAlgorithm }, rsa.publicKey));
});

t.run();
