/// <reference types="node" />
/** host.crypto on Node: node:crypto (OpenSSL), the same contract as the mbedTLS one. */
import * as nc from 'node:crypto';
import type { HashName, HostCrypto } from '../types.js';

const MAX_RANDOM = 65536;

function privateKeyFrom(der: Uint8Array): nc.KeyObject {
  const key = Buffer.from(der);
  let k: nc.KeyObject;
  try {
    k = nc.createPrivateKey({ key, format: 'der', type: 'sec1' });
  } catch {
    k = nc.createPrivateKey({ key, format: 'der', type: 'pkcs8' });
  }
  if (k.asymmetricKeyType !== 'ec') throw new TypeError('not an EC private key');
  return k;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const crypto: HostCrypto = {
  provider: `OpenSSL ${process.versions.openssl}`,
  randomBytes(n) {
    if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM) throw new RangeError(`randomBytes: ${n} outside 0..${MAX_RANDOM}`);
    return u8(nc.randomBytes(n));
  },
  sha256: (data) => u8(nc.createHash('sha256').update(data).digest()),
  generateEcKey() {
    const { privateKey, publicKey } = nc.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      privateKey: u8(privateKey.export({ format: 'der', type: 'sec1' })),
      publicKey: u8(publicKey.export({ format: 'der', type: 'spki' })),
    };
  },
  ecPublicKey: (privateKey) => u8(nc.createPublicKey(privateKeyFrom(privateKey)).export({ format: 'der', type: 'spki' })),
  sign: (privateKey, data) => u8(nc.sign('sha256', data, { key: privateKeyFrom(privateKey), dsaEncoding: 'der' })),
  verify(publicKey: Uint8Array, hash: HashName, data: Uint8Array, signature: Uint8Array): boolean {
    if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') throw new RangeError(`unknown hash '${hash}' (sha256, sha384, sha512)`);
    try {
      const key = nc.createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
      const kind = key.asymmetricKeyType;
      if (kind === 'ec') return nc.verify(hash, data, { key, dsaEncoding: 'der' }, signature);
      if (kind === 'rsa') return nc.verify(hash, data, { key, padding: nc.constants.RSA_PKCS1_PADDING }, signature);
      return false;
    } catch {
      return false;
    }
  },
};
