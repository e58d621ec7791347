/**
 * TLS client for the Node host (node:tls), the counterpart of the quickjs-ng host's
 * mbedTLS client: same TlsOptions (DER chain, key and trust anchors, ALPN), the peer's
 * chain must lead to `trust`, host names are not checked (callers check SPIFFE IDs on
 * `peerChain`). An empty `chain` connects without a client certificate.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { SocketAddress, StreamSocket, TlsOptions, TlsSocket } from '../types.js';
import { HostError } from '../types.js';

const DEFAULT_HANDSHAKE_MS = 10_000;

function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/** SEC1 or PKCS#8 DER to PKCS#8 PEM (what node:tls takes). */
function privateKey(der: Uint8Array): string {
  let k: KeyObject;
  try {
    k = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'sec1' });
  } catch {
    k = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  }
  return k.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** The chain the peer presented, leaf first, as DER. */
function peerChain(s: tls.TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new Uint8Array(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

export function makeTlsConnect(wrapStream: (s: net.Socket, remote: SocketAddress | null) => StreamSocket) {
  return function tlsConnect(address: SocketAddress, o: TlsOptions): Promise<TlsSocket> {
    return new Promise((resolve, reject) => {
      const where = address.family === 'unix' ? { path: address.path } : { host: address.host, port: address.port };
      const s = tls.connect({
        ...where,
        ...(o.chain.length > 0 ? { cert: o.chain.map(pem).join(''), key: privateKey(o.privateKey) } : {}),
        ca: o.trust.map(pem),
        ALPNProtocols: o.alpn ? [...o.alpn] : undefined,
        // callerVerifies: the caller validates peerChain (host/types.ts TlsOptions).
        rejectUnauthorized: o.callerVerifies !== true,
        checkServerIdentity: () => undefined,
        minVersion: 'TLSv1.2',
      });
      const timeoutMs = o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_MS;
      const timer = setTimeout(() => {
        s.destroy();
        reject(new HostError(`tls handshake: no answer within ${timeoutMs} ms`, 'ETIMEDOUT', 110));
      }, timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        const code = (e as NodeJS.ErrnoException).code;
        reject(code === 'ECONNREFUSED' || code === 'ENOENT' ? new HostError(e.message, code, 0) : new HostError(`tls: ${e.message}`, 'ETLS'));
      };
      s.once('error', fail);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.off('error', fail);
        const base = wrapStream(s, address);
        const alpn = typeof s.alpnProtocol === 'string' ? s.alpnProtocol : null;
        resolve(Object.assign(base, { peerChain: peerChain(s), alpn, version: s.getProtocol() ?? '' }));
      });
    });
  };
}
