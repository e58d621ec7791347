/**
 * X.509-SVID validation (X509-SVID standard §5): the leaf's SPIFFE ID and leaf rules,
 * then a path from the leaf through the peer's intermediates to a CA certificate in the
 * trust bundle of the leaf's own trust domain (never any other trust domain's), then
 * validity of every certificate at a given time with a clock-skew allowance, and the
 * signing-certificate rules for every CA in the path.
 *
 * Signatures are checked by a function the caller supplies (`SignatureVerifier`).
 * `verifyEcdsa` (ecdsa.ts, TypeScript with BigInt) covers ECDSA P-256/P-384 with
 * SHA-256/384/512, what SPIRE issues; anything else (RSA, Ed25519) is answered "not
 * verified" until the TLS shim on mbedTLS (issue 8, item 1) supplies verification in C.
 */
import { bytesEqual } from './der.js';
import { type IdentityError, type IdResult, ok } from './result.js';
import type { SpiffeId } from './spiffe-id.js';
import { checkLeaf, checkSigning, leafSpiffeId, svidError } from './svid.js';
import type { AlgorithmIdentifier, Certificate, PublicKeyInfo } from './x509.js';

/** What a signature covers and how it was made. */
export interface SignedData {
  tbs: Uint8Array;
  algorithm: AlgorithmIdentifier;
  signature: Uint8Array;
}

/**
 * True when `signed.signature` is a valid signature of `signed.tbs` by `key` with
 * `signed.algorithm`; false otherwise (including algorithms it does not support).
 */
export type SignatureVerifier = (signed: SignedData, key: PublicKeyInfo) => boolean | Promise<boolean>;

/** CA certificates by trust domain name. */
export type TrustBundles = ReadonlyMap<string, readonly Certificate[]>;

export interface SvidValidationOptions {
  bundles: TrustBundles;
  verifySignature: SignatureVerifier;
  /** The time to judge validity at (ms since the epoch). */
  nowMs: number;
  /** Allowance for clocks that disagree, applied to both ends of validity (default 0). */
  clockSkewMs?: number;
  /** Most CA certificates between the leaf and the anchor (default 8). */
  maxIntermediates?: number;
  /** Most signature checks one validation may make (default 64): bounds the path search. */
  maxSignatureChecks?: number;
}

/** Most intermediates a peer may present. */
export const MAX_PRESENTED_INTERMEDIATES = 16;

export interface ValidatedSvid {
  id: SpiffeId;
  leaf: Certificate;
  /** The path: leaf, intermediates, then the bundle's CA certificate. */
  path: Certificate[];
}

function signedData(cert: Certificate): SignedData {
  return { tbs: cert.tbs, algorithm: cert.signatureAlgorithm, signature: cert.signature };
}

/** Could `issuer` have issued `cert`? Names must match; key identifiers when both are present. */
function mayHaveIssued(issuer: Certificate, cert: Certificate): boolean {
  if (!bytesEqual(issuer.subject.der, cert.issuer.der)) return false;
  const aki = cert.extensions.authorityKeyId;
  const ski = issuer.extensions.subjectKeyId;
  return aki === null || ski === null || bytesEqual(aki, ski);
}

function checkValidity(cert: Certificate, role: string, nowMs: number, skewMs: number): IdResult<true> {
  if (nowMs + skewMs < cert.notBeforeMs) {
    return svidError('not-yet-valid', `${role} (${cert.subject.text}) is not valid before ${new Date(cert.notBeforeMs).toISOString()}`);
  }
  if (nowMs - skewMs > cert.notAfterMs) {
    return svidError('expired', `${role} (${cert.subject.text}) expired at ${new Date(cert.notAfterMs).toISOString()}`);
  }
  return ok(true);
}

interface Search {
  intermediates: readonly Certificate[];
  anchors: readonly Certificate[];
  verify: SignatureVerifier;
  maxIntermediates: number;
  nowMs: number;
  skewMs: number;
  /** The first candidate issuer refused by a signing-certificate rule or its validity. */
  pathError: { ok: false; error: IdentityError } | null;
  /** Set when a candidate issuer passed the rules but its signature did not verify. */
  badSignature: string | null;
  /** Signature results by certificate and issuer: each pair is checked once. */
  checked: Map<Certificate, Map<Certificate, boolean>>;
  checksLeft: number;
  exhausted: boolean;
}

/**
 * May `ca` stand at position `at` of a path (1 = the leaf's issuer)? The signing rules
 * and validity are checked before any signature, and a refused candidate only ends this
 * branch: another path (a re-issued root, another intermediate) may still be valid.
 */
function admissible(s: Search, ca: Certificate, at: number, anchor: boolean): boolean {
  const role = anchor ? 'bundle CA' : `intermediate ${at}`;
  const signing = checkSigning(ca, role, at - 1);
  const problem = !signing.ok ? signing : checkValidity(ca, role, s.nowMs, s.skewMs);
  if (problem.ok) return true;
  s.pathError ??= problem;
  return false;
}

async function signedBy(s: Search, cert: Certificate, issuer: Certificate, isLeaf: boolean): Promise<boolean> {
  let byIssuer = s.checked.get(cert);
  if (byIssuer === undefined) s.checked.set(cert, (byIssuer = new Map()));
  let good = byIssuer.get(issuer);
  if (good === undefined) {
    if (s.checksLeft <= 0) {
      s.exhausted = true;
      return false;
    }
    s.checksLeft--;
    good = await s.verify(signedData(cert), issuer.publicKey);
    byIssuer.set(issuer, good);
  }
  if (!good) s.badSignature = `the signature of ${isLeaf ? 'the leaf' : cert.subject.text} does not verify with the key of ${issuer.subject.text}`;
  return good;
}

/** Depth-first search for a valid path from `path`'s last certificate to an anchor. */
async function extend(s: Search, path: Certificate[]): Promise<Certificate[] | null> {
  const cert = path[path.length - 1] as Certificate;
  const at = path.length;
  for (const anchor of s.anchors) {
    if (!mayHaveIssued(anchor, cert) || !admissible(s, anchor, at, true)) continue;
    if (await signedBy(s, cert, anchor, at === 1)) return [...path, anchor];
    if (s.exhausted) return null;
  }
  if (at - 1 >= s.maxIntermediates) return null;
  for (const ca of s.intermediates) {
    if (path.includes(ca) || !mayHaveIssued(ca, cert) || !admissible(s, ca, at, false)) continue;
    if (!(await signedBy(s, cert, ca, at === 1))) {
      if (s.exhausted) return null;
      continue;
    }
    const found = await extend(s, [...path, ca]);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Validate a peer's X.509-SVID: `chain` is what the peer presented, leaf first, then
 * intermediates in any order.
 */
export async function validateX509Svid(chain: readonly Certificate[], opts: SvidValidationOptions): Promise<IdResult<ValidatedSvid>> {
  const leaf = chain[0];
  if (leaf === undefined) return svidError('no-certificate', 'the peer presented no certificate');
  const id = leafSpiffeId(leaf);
  if (!id.ok) return id;
  const leafOk = checkLeaf(leaf);
  if (!leafOk.ok) return leafOk;
  const skew = opts.clockSkewMs ?? 0;
  const valid = checkValidity(leaf, 'leaf', opts.nowMs, skew);
  if (!valid.ok) return valid;
  const td = id.value.trustDomain;
  const anchors = opts.bundles.get(td);
  if (anchors === undefined) return svidError('unknown-trust-domain', `no trust bundle for trust domain ${td} (peer ${id.value.id})`);
  // An empty bundle revokes every SVID of its trust domain (SPIFFE Trust Domain and Bundle §4.1).
  if (anchors.length === 0) return svidError('unknown-trust-domain', `the bundle of ${td} has no X.509 authorities (peer ${id.value.id})`);

  if (chain.length - 1 > MAX_PRESENTED_INTERMEDIATES) {
    return svidError('too-many-certificates', `the peer presented ${chain.length - 1} intermediates, at most ${MAX_PRESENTED_INTERMEDIATES} are accepted`);
  }
  const search: Search = {
    intermediates: chain.slice(1),
    anchors,
    verify: opts.verifySignature,
    maxIntermediates: opts.maxIntermediates ?? 8,
    nowMs: opts.nowMs,
    skewMs: skew,
    pathError: null,
    badSignature: null,
    checked: new Map(),
    checksLeft: opts.maxSignatureChecks ?? 64,
    exhausted: false,
  };
  const path = await extend(search, [leaf]);
  if (path === null) {
    if (search.exhausted) return svidError('path-search-limit', `no valid path found within ${opts.maxSignatureChecks ?? 64} signature checks`);
    if (search.pathError !== null) return search.pathError;
    if (search.badSignature !== null) return svidError('bad-signature', search.badSignature);
    return svidError('unknown-authority', `no path from ${id.value.id} (issuer ${leaf.issuer.text}) to a CA in the bundle of ${td}`);
  }
  return ok({ id: id.value, leaf, path });
}
