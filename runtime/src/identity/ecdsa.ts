/**
 * ECDSA signature verification (SEC 1 §4.1.4) on P-256 and P-384 with SHA-256, SHA-384
 * or SHA-512, in TypeScript with BigInt: a `SignatureVerifier` for X.509-SVID chains
 * that runs on both engines until the mbedTLS shim verifies in C. It covers what SPIRE
 * issues (ECDSA P-256 or P-384 CA keys); every other algorithm (RSA, Ed25519) is
 * answered `false` (not verified).
 */
import type { SignatureVerifier, SignedData } from './chain.js';
import { DerReader, enter, readIntegerBytes, TAG } from './der.js';
import { OID } from './der-oid.js';
import { combinedMultiplyX, type Curve, curveRhs, invert, isOnCurve, mod, P256, P384, powMod } from './ec.js';
import { sha256 } from './sha256.js';
import { sha384, sha512 } from './sha512.js';
import type { PublicKeyInfo } from './x509.js';

export function bytesToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < b.length; i++) x = (x << 8n) | BigInt(b[i] as number);
  return x;
}

export const CURVES: Record<string, Curve> = { 'P-256': P256, 'P-384': P384 };

/** A SEC 1 point (uncompressed 04‖X‖Y or compressed 02/03‖X) on `c`, or null if invalid. */
export function decodePoint(c: Curve, key: Uint8Array): { x: bigint; y: bigint } | null {
  const size = c.size;
  if (key.length === 1 + 2 * size && key[0] === 0x04) {
    const x = bytesToBigInt(key.subarray(1, 1 + size));
    const y = bytesToBigInt(key.subarray(1 + size));
    return isOnCurve(c, x, y) ? { x, y } : null;
  }
  if (key.length === 1 + size && (key[0] === 0x02 || key[0] === 0x03)) {
    const x = bytesToBigInt(key.subarray(1));
    if (x >= c.p) return null;
    // p ≡ 3 (mod 4) for both curves: a square root is rhs^((p+1)/4).
    let y = powMod(curveRhs(c, x), (c.p + 1n) / 4n, c.p);
    if ((y * y) % c.p !== curveRhs(c, x)) return null;
    if (Number(y & 1n) !== (key[0] & 1)) y = c.p - y;
    return { x, y };
  }
  return null;
}

/** Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }; null unless well-formed and positive. */
export function decodeEcdsaSignature(sig: Uint8Array): { r: bigint; s: bigint } | null {
  const outer = new DerReader(sig, 0);
  const seq = outer.expect(TAG.SEQUENCE, 'signature');
  if (!seq.ok || !outer.end('signature').ok) return null;
  const r = enter(seq.value, 'signature');
  if (!r.ok) return null;
  const out: bigint[] = [];
  for (const what of ['r', 's']) {
    const t = r.value.expect(TAG.INTEGER, what);
    if (!t.ok) return null;
    const v = readIntegerBytes(t.value, what);
    if (!v.ok || ((v.value[0] as number) & 0x80) !== 0) return null;
    out.push(bytesToBigInt(v.value));
  }
  if (!r.value.end('signature').ok) return null;
  return { r: out[0] as bigint, s: out[1] as bigint };
}

/** Verify (r, s) over the message digest `hash` with public key (qx, qy) on `c`. */
export function ecdsaVerify(c: Curve, hash: Uint8Array, r: bigint, s: bigint, qx: bigint, qy: bigint): boolean {
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false;
  // e: the leftmost bits of the digest, as many as the order has.
  const nBits = c.n.toString(2).length;
  let e = bytesToBigInt(hash);
  if (hash.length * 8 > nBits) e >>= BigInt(hash.length * 8 - nBits);
  const w = invert(s, c.n);
  const x = combinedMultiplyX(c, mod(e * w, c.n), mod(r * w, c.n), qx, qy);
  return x !== null && mod(x, c.n) === r;
}

const DIGESTS: Record<string, (data: Uint8Array) => Uint8Array> = {
  [OID.ecdsaWithSha256]: sha256,
  [OID.ecdsaWithSha384]: sha384,
  [OID.ecdsaWithSha512]: sha512,
};

/** A SignatureVerifier for ecdsa-with-SHA256/384/512 on P-256 and P-384 keys. */
export const verifyEcdsa: SignatureVerifier = (signed: SignedData, key: PublicKeyInfo): boolean => {
  const digest = DIGESTS[signed.algorithm.oid];
  // RFC 5758 §3.2: the ecdsa-with-SHA2 identifiers have absent parameters.
  if (digest === undefined || signed.algorithm.parameters !== null) return false;
  if (key.algorithm.oid !== OID.ecPublicKey || key.curve === null) return false;
  const curve = CURVES[key.curve];
  if (curve === undefined) return false;
  const q = decodePoint(curve, key.key);
  const sig = decodeEcdsaSignature(signed.signature);
  if (q === null || sig === null) return false;
  return ecdsaVerify(curve, digest(signed.tbs), sig.r, sig.s, q.x, q.y);
};
