/**
 * Every certificate the agent receives is checked with runtime/src/identity/ before it
 * is trusted or saved:
 * - the server's TLS chain must be the X509-SVID of spiffe://<td>/spire/server under
 *   our bundle (what spire-agent checks too: any other SVID of the trust domain, e.g.
 *   a compromised workload's, must not be able to pose as the server);
 * - an agent SVID must be under spiffe://<td>/spire/agent/, a workload SVID must carry
 *   the entry's SPIFFE ID, and either must certify the public key we generated (a
 *   server that answered with someone else's certificate is refused);
 * - a bundle must be of our trust domain, every authority a CA certificate.
 */
import type { HostCrypto } from '../host/types.js';
import { bundleFromDer, type TrustBundle } from '../identity/bundle.js';
import { type ValidatedSvid, validateX509Svid } from '../identity/chain.js';
import { bytesEqual } from '../identity/der.js';
import { hostVerifier } from '../identity/host-verify.js';
import { parseCertificate, type Certificate } from '../identity/x509.js';
import { spireError, type SpireResult } from './errors.js';
import type { BundleMsg } from './messages.js';

/** Allowance for clocks that disagree (the server's and ours). */
export const CLOCK_SKEW_MS = 60_000;

export function parseChain(ders: readonly Uint8Array[], what: string): SpireResult<Certificate[]> {
  if (ders.length === 0) return spireError('svid', `${what}: no certificates`);
  const out: Certificate[] = [];
  for (const [i, der] of ders.entries()) {
    const c = parseCertificate(der);
    if (!c.ok) return spireError('svid', `${what}: certificate ${i + 1}: ${c.error.message}`);
    out.push(c.value);
  }
  return { ok: true, value: out };
}

export interface VerifyContext {
  crypto: HostCrypto;
  bundle: TrustBundle;
  nowMs: number;
}

/** Validate `ders` as an X509-SVID of our trust domain; `expectId` tests its SPIFFE ID. */
export async function verifySvid(ctx: VerifyContext, ders: readonly Uint8Array[], what: string, expectId: (id: string) => string | null): Promise<SpireResult<ValidatedSvid>> {
  const chain = parseChain(ders, what);
  if (!chain.ok) return chain;
  const v = await validateX509Svid(chain.value, {
    bundles: new Map([[ctx.bundle.trustDomain, ctx.bundle.x509Authorities]]),
    verifySignature: hostVerifier(ctx.crypto),
    nowMs: ctx.nowMs,
    clockSkewMs: CLOCK_SKEW_MS,
  });
  if (!v.ok) return spireError('svid', `${what}: ${v.error.message}`);
  const complaint = expectId(v.value.id.id);
  if (complaint !== null) return spireError('svid', `${what}: ${complaint}`);
  return v;
}

/** The server's TLS chain: the SVID of spiffe://<td>/spire/server. */
export async function verifyServerChain(ctx: VerifyContext, peerChain: readonly Uint8Array[]): Promise<SpireResult<ValidatedSvid>> {
  const want = `spiffe://${ctx.bundle.trustDomain}/spire/server`;
  const r = await verifySvid(ctx, peerChain, 'SPIRE server certificate', (id) => (id === want ? null : `is the SVID of ${id}, not ${want}`));
  if (!r.ok) return spireError('server-identity', r.error.message);
  return r;
}

/** An SVID issued to us: valid, with the expected ID, certifying our own public key. */
export async function verifyIssuedSvid(
  ctx: VerifyContext,
  ders: readonly Uint8Array[],
  what: string,
  privateKey: Uint8Array,
  expectId: (id: string) => string | null,
): Promise<SpireResult<ValidatedSvid>> {
  const v = await verifySvid(ctx, ders, what, expectId);
  if (!v.ok) return v;
  const ours = ctx.crypto.ecPublicKey(privateKey);
  if (!bytesEqual(v.value.leaf.publicKey.der, ours)) return spireError('svid', `${what}: certifies a public key that is not ours`);
  return v;
}

/** A bundle from GetBundle: our trust domain, authorities that parse as CA certificates. */
export function verifyBundle(trustDomain: string, msg: BundleMsg): SpireResult<TrustBundle> {
  if (msg.trustDomain !== trustDomain) return spireError('svid', `bundle is for trust domain "${msg.trustDomain}", not "${trustDomain}"`);
  if (msg.x509Authorities.length === 0) return spireError('svid', 'bundle has no X.509 authorities');
  let total = 0;
  for (const a of msg.x509Authorities) total += a.asn1.length;
  const all = new Uint8Array(total);
  let at = 0;
  for (const a of msg.x509Authorities) {
    all.set(a.asn1, at);
    at += a.asn1.length;
  }
  const b = bundleFromDer(trustDomain, all);
  if (!b.ok) return spireError('svid', `bundle: ${b.error.message}`);
  return b;
}
