/**
 * A `SignatureVerifier` on the host's crypto (`host.crypto.verify`: mbedTLS in C on our
 * binary, node:crypto on Node): ECDSA with SHA-256/384/512 on any curve the library
 * has, and RSASSA-PKCS1-v1_5 with SHA-256/384/512, much faster than `verifyEcdsa`'s
 * BigInt arithmetic (docs/performance.md). RSA-PSS and Ed25519 stay "not verified".
 */
import type { HashName, HostCrypto } from '../host/types.js';
import type { SignatureVerifier, SignedData } from './chain.js';
import { OID } from './der-oid.js';
import type { PublicKeyInfo } from './x509.js';

const ECDSA: Record<string, HashName> = {
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
};
const RSA: Record<string, HashName> = {
  [OID.sha256WithRsa]: 'sha256',
  [OID.sha384WithRsa]: 'sha384',
  [OID.sha512WithRsa]: 'sha512',
};

/** RFC 4055 §5: the sha*WithRSAEncryption parameters are NULL (some encoders omit them). */
function nullOrAbsent(p: Uint8Array | null): boolean {
  return p === null || (p.length === 2 && p[0] === 0x05 && p[1] === 0x00);
}

/** The hash to verify `signed` with under `key`, or null when the pair is not one we verify. */
export function signatureHash(signed: SignedData, key: PublicKeyInfo): HashName | null {
  const { oid, parameters } = signed.algorithm;
  const ecdsa = ECDSA[oid];
  // RFC 5758 §3.2: the ecdsa-with-SHA2 identifiers have absent parameters.
  if (ecdsa !== undefined) return parameters === null && key.algorithm.oid === OID.ecPublicKey ? ecdsa : null;
  const rsa = RSA[oid];
  if (rsa !== undefined) return nullOrAbsent(parameters) && key.algorithm.oid === OID.rsaEncryption ? rsa : null;
  return null;
}

/** A SignatureVerifier that checks signatures with `crypto.verify`. */
export function hostVerifier(crypto: Pick<HostCrypto, 'verify'>): SignatureVerifier {
  return (signed: SignedData, key: PublicKeyInfo): boolean => {
    const hash = signatureHash(signed, key);
    return hash !== null && crypto.verify(key.der, hash, signed.tbs, signed.signature);
  };
}
