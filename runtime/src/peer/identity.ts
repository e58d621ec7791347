/**
 * The identity this agent shows its mesh peers: the workload X.509-SVID, its key and
 * the trust bundle from the SPIRE state (runtime/src/spire/state.ts). Without a
 * workload SVID there is no peer channel and summaries go out unsigned.
 */
import type { Files, TlsOptions } from '../host/types.js';
import type { TrustBundles } from '../identity/chain.js';
import { parseSpiffeId } from '../identity/spiffe-id.js';
import { parseCertificate, type Certificate } from '../identity/x509.js';
import { type IdentityState, loadState } from '../spire/state.js';

export interface PeerIdentity {
  spiffeId: string;
  trustDomain: string;
  /** Workload SVID, DER, leaf first. */
  chain: Uint8Array[];
  /** SEC1 DER; never logged. */
  privateKey: Uint8Array;
  /** Our trust domain's CA certificates, DER. */
  bundleDer: Uint8Array[];
  bundles: TrustBundles;
  notAfterMs: number;
  /** When the state was last renewed (to notice a renewal and reload). */
  renewedAtMs: number;
}

export type PeerIdentityResult = { ok: true; value: PeerIdentity | null } | { ok: false; error: string };

export function peerIdentityFrom(s: IdentityState): PeerIdentityResult {
  const w = s.workload;
  if (w === null || w.chain.length === 0) return { ok: true, value: null };
  const id = parseSpiffeId(w.spiffeId);
  if (!id.ok) return { ok: false, error: `identity: workload ID ${w.spiffeId}: ${id.error.message}` };
  const leaf = parseCertificate(w.chain[0] as Uint8Array);
  if (!leaf.ok) return { ok: false, error: `identity: workload SVID: ${leaf.error.message}` };
  const cas: Certificate[] = [];
  for (const [i, der] of s.bundle.entries()) {
    const c = parseCertificate(der);
    if (!c.ok) return { ok: false, error: `identity: bundle certificate ${i + 1}: ${c.error.message}` };
    cas.push(c.value);
  }
  if (cas.length === 0) return { ok: false, error: 'identity: the saved bundle is empty' };
  return {
    ok: true,
    value: {
      spiffeId: id.value.id,
      trustDomain: id.value.trustDomain,
      chain: w.chain,
      privateKey: w.privateKey,
      bundleDer: s.bundle,
      bundles: new Map([[id.value.trustDomain, cas]]),
      notAfterMs: leaf.value.notAfterMs,
      renewedAtMs: s.renewedAtMs,
    },
  };
}

/** The saved identity's peer part; null when not attested or without a workload SVID. */
export function loadPeerIdentity(files: Files, stateDir: string): PeerIdentityResult {
  const s = loadState(files, stateDir);
  if (!s.ok) return s;
  return s.value === null ? { ok: true, value: null } : peerIdentityFrom(s.value);
}

/** TLS options for the peer channel: our SVID, the bundle, and the chain judged by us. */
export function peerTlsOptions(id: PeerIdentity, extra: Partial<TlsOptions> = {}): TlsOptions {
  return { chain: id.chain, privateKey: id.privateKey, trust: id.bundleDer, alpn: [PEER_ALPN], callerVerifies: true, handshakeTimeoutMs: 5000, ...extra };
}

/** ALPN of the peer API: HTTP/1.1 of this project's peer channel. */
export const PEER_ALPN = 'x0tta6bl4-peer/1';
