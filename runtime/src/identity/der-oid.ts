/** OBJECT IDENTIFIER values (X.690 §8.19) to dotted text, and the names X.509 uses. */
import { type Tlv, tagName, TAG } from './der.js';
import { derError, type IdResult, ok } from './result.js';

/** Arcs above this are refused (numbers stay exact; no real OID comes near). */
const MAX_ARC = 2 ** 48;
/** Longest OID content accepted. */
const MAX_OID_BYTES = 64;

export function readOid(tlv: Tlv, what: string): IdResult<string> {
  if (tlv.tag !== TAG.OID) return derError(`${what}: expected OID, found ${tagName(tlv.tag)}`);
  return decodeOid(tlv.value, what);
}

/** The content bytes of an OID as dotted text ("1.2.840.10045.2.1"). */
export function decodeOid(v: Uint8Array, what: string): IdResult<string> {
  if (v.length === 0) return derError(`${what}: empty OID`);
  if (v.length > MAX_OID_BYTES) return derError(`${what}: OID longer than ${MAX_OID_BYTES} bytes`);
  if (((v[v.length - 1] as number) & 0x80) !== 0) return derError(`${what}: OID ends inside a subidentifier`);
  const arcs: number[] = [];
  let value = 0;
  let started = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (!started && b === 0x80) return derError(`${what}: OID subidentifier is not in its shortest form`);
    started = true;
    value = value * 128 + (b & 0x7f);
    if (value > MAX_ARC) return derError(`${what}: OID arc too large`);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        // The first subidentifier carries two arcs: 40 * X + Y, X in 0..2.
        const x = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(x, value - 40 * x);
      } else {
        arcs.push(value);
      }
      value = 0;
      started = false;
    }
  }
  return ok(arcs.join('.'));
}

/** OIDs this reader understands, by dotted text. */
export const OID = {
  // algorithms
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ed25519: '1.3.101.112',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  rsassaPss: '1.2.840.113549.1.1.10',
  // curves
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  // extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // extended key usages
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const NAMES: Record<string, string> = {
  [OID.ecPublicKey]: 'ecPublicKey',
  [OID.rsaEncryption]: 'rsaEncryption',
  [OID.ed25519]: 'ed25519',
  [OID.ecdsaWithSha256]: 'ecdsa-with-SHA256',
  [OID.ecdsaWithSha384]: 'ecdsa-with-SHA384',
  [OID.ecdsaWithSha512]: 'ecdsa-with-SHA512',
  [OID.sha256WithRsa]: 'sha256WithRSAEncryption',
  [OID.sha384WithRsa]: 'sha384WithRSAEncryption',
  [OID.sha512WithRsa]: 'sha512WithRSAEncryption',
  [OID.rsassaPss]: 'RSASSA-PSS',
  [OID.prime256v1]: 'P-256',
  [OID.secp384r1]: 'P-384',
  [OID.secp521r1]: 'P-521',
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
};

/** A readable name for an OID, or the dotted text itself. */
export function oidName(oid: string): string {
  return NAMES[oid] ?? oid;
}
