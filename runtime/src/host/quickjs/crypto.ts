/** host.crypto on our binary: mbedTLS through runtime/native/x0_crypto.c. */
import * as native from 'x0tta6bl4:native';
import type { HostCrypto } from '../types.js';

export const crypto: HostCrypto = {
  provider: `mbedTLS ${native.mbedtlsVersion}`,
  randomBytes: native.randomBytes,
  sha256: native.sha256,
  generateEcKey() {
    const [privateKey, publicKey] = native.ecGenerate();
    return { privateKey, publicKey };
  },
  ecPublicKey: native.ecPublicKey,
  sign: native.ecSign,
  verify: native.verify,
  csr: native.csr,
};
