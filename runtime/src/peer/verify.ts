/**
 * Who is on the other end of a peer-channel connection: its chain (as TLS delivered
 * it) validated as an X.509-SVID by runtime/src/identity/ against the bundle of its
 * own trust domain, then authorized by SPIFFE-ID matchers. This is the only judge of
 * peer chains on the peer channel: the TLS handshake (callerVerifies) only proves that
 * the peer holds the leaf's key. So every refusal here has its own code and a message
 * that names the peer and the rule, for logs and for the peer's 403.
 */
import type { HostCrypto } from '../host/types.js';
import { type TrustBundles, validateX509Svid } from '../identity/chain.js';
import { hostVerifier } from '../identity/host-verify.js';
import { describeMatcher, type IdMatcher, matches } from '../identity/policy.js';
import type { SpiffeId } from '../identity/spiffe-id.js';
import { uriSans } from '../identity/svid.js';
import { type Certificate, parseCertificate } from '../identity/x509.js';

/** Allowance for router clocks that disagree (the same as toward the SPIRE server). */
export const PEER_CLOCK_SKEW_MS = 60_000;
/** Most certificates a peer may present (leaf and intermediates). */
export const PEER_MAX_CHAIN = 8;

export interface PeerCheck {
  bundles: TrustBundles;
  crypto: Pick<HostCrypto, 'verify'>;
  nowMs: number;
  clockSkewMs?: number;
  /** Who may talk to us at all; a peer no matcher allows is refused (`not-authorized`). */
  allow: readonly IdMatcher[];
}

/** The refusal codes: the SVID rules of identity/svid.ts and chain.ts, and these. */
export type PeerRefusalCode = 'no-certificate' | 'too-many-certificates' | 'malformed-certificate' | 'not-authorized' | string;

export type PeerVerdict =
  | { ok: true; id: SpiffeId; leaf: Certificate; notAfterMs: number }
  | { ok: false; code: PeerRefusalCode; message: string; claimed: string | null };

function refuse(code: PeerRefusalCode, message: string, claimed: string | null = null): PeerVerdict {
  return { ok: false, code, message, claimed };
}

/** Validate a peer's chain (DER, leaf first) and authorize its SPIFFE ID. */
export async function verifyPeerChain(chain: readonly Uint8Array[], check: PeerCheck): Promise<PeerVerdict> {
  if (chain.length === 0) return refuse('no-certificate', 'presented no certificate');
  if (chain.length > PEER_MAX_CHAIN) return refuse('too-many-certificates', `presented ${chain.length} certificates (at most ${PEER_MAX_CHAIN})`);
  const certs: Certificate[] = [];
  for (const [i, der] of chain.entries()) {
    const c = parseCertificate(der);
    if (!c.ok) return refuse('malformed-certificate', `certificate ${i + 1}: ${c.error.message}`);
    certs.push(c.value);
  }
  const leaf = certs[0] as Certificate;
  // What the leaf claims, for the message only (it is not trusted before validation).
  const sans = uriSans(leaf);
  const claimed = sans.length === 1 ? (sans[0] as string) : null;
  const v = await validateX509Svid(certs, {
    bundles: check.bundles,
    verifySignature: hostVerifier(check.crypto),
    nowMs: check.nowMs,
    clockSkewMs: check.clockSkewMs ?? PEER_CLOCK_SKEW_MS,
  });
  if (!v.ok) return refuse(v.error.code ?? v.error.kind, v.error.message, claimed);
  const id = v.value.id;
  if (!check.allow.some((m) => matches(m, id))) {
    return refuse('not-authorized', `${id.id} is a valid SVID but matches none of: ${check.allow.map(describeMatcher).join('; ') || '(no rule)'}`, id.id);
  }
  return { ok: true, id, leaf, notAfterMs: leaf.notAfterMs };
}

/** One line for logs and errors: "refused spiffe://td/x (expired): ...". */
export function describeRefusal(v: Extract<PeerVerdict, { ok: false }>): string {
  return `${v.claimed ?? 'a peer without a single SPIFFE ID'} refused (${v.code}): ${v.message}`;
}
