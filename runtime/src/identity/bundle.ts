/**
 * Trust bundles: the X.509 authorities of one trust domain, from DER (the Workload API
 * and SPIRE's X509Certificate.asn1), PEM (a bootstrap bundle file) or a SPIFFE bundle
 * (an RFC 7517 JWK Set, SPIFFE Trust Domain and Bundle §4, X509-SVID §6.2):
 * - a JWK whose `use` is not "x509-svid" (jwt-svid, unknown, missing) is ignored;
 * - an x509-svid JWK without `kty` or without a non-empty `x5c` is ignored;
 * - only the first `x5c` value counts: the base64 DER of one CA certificate;
 * - `keys` must be present; an empty set means every SVID of the domain is invalid;
 * - `spiffe_sequence` and `spiffe_refresh_hint` are kept when they are integers ≥ 0.
 * Every authority must be a CA certificate (basicConstraints cA true).
 */
import { base64Decode } from './base64.js';
import type { TrustBundles } from './chain.js';
import { decodePemCertificates } from './pem.js';
import { fail, type IdResult, ok } from './result.js';
import { parseTrustDomain } from './spiffe-id.js';
import { type Certificate, MAX_CERTIFICATE_BYTES, parseCertificate, parseCertificates } from './x509.js';

/** Largest SPIFFE bundle document accepted. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;
/** Most authorities (or JWK elements) in one bundle. */
export const MAX_BUNDLE_KEYS = 256;

export interface TrustBundle {
  trustDomain: string;
  x509Authorities: Certificate[];
  /** spiffe_sequence, when present. */
  sequence: number | null;
  /** spiffe_refresh_hint in seconds, when present. */
  refreshHintSeconds: number | null;
}

function checkAuthorities(td: string, certs: Certificate[]): IdResult<Certificate[]> {
  if (certs.length > MAX_BUNDLE_KEYS) return fail('x509', `bundle of ${td}: more than ${MAX_BUNDLE_KEYS} authorities`);
  for (const [i, c] of certs.entries()) {
    if (c.extensions.basicConstraints?.ca !== true) return fail('x509', `bundle of ${td}: authority ${i + 1} (${c.subject.text}) is not a CA certificate`);
  }
  return ok(certs);
}

function bundle(td: string, certs: Certificate[], sequence: number | null = null, refreshHintSeconds: number | null = null): IdResult<TrustBundle> {
  const name = parseTrustDomain(td);
  if (!name.ok) return name;
  const checked = checkAuthorities(td, certs);
  if (!checked.ok) return checked;
  return ok({ trustDomain: name.value, x509Authorities: checked.value, sequence, refreshHintSeconds });
}

/** A bundle from concatenated DER certificates. */
export function bundleFromDer(td: string, der: Uint8Array): IdResult<TrustBundle> {
  const certs = parseCertificates(der, MAX_BUNDLE_KEYS);
  if (!certs.ok) return certs;
  return bundle(td, certs.value);
}

/** A bundle from PEM text (CERTIFICATE blocks). */
export function bundleFromPem(td: string, pem: string): IdResult<TrustBundle> {
  const ders = decodePemCertificates(pem, { maxBlocks: MAX_BUNDLE_KEYS, maxBytes: MAX_CERTIFICATE_BYTES });
  if (!ders.ok) return ders;
  const certs: Certificate[] = [];
  for (const [i, der] of ders.value.entries()) {
    const c = parseCertificate(der);
    if (!c.ok) return fail(c.error.kind, `certificate ${i + 1}: ${c.error.message}`);
    certs.push(c.value);
  }
  return bundle(td, certs);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function countOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/** A bundle from a SPIFFE bundle document (JSON). */
export function bundleFromSpiffeJson(td: string, text: string): IdResult<TrustBundle> {
  if (text.length > MAX_BUNDLE_BYTES) return fail('x509', `SPIFFE bundle of ${td} is larger than ${MAX_BUNDLE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail('x509', `SPIFFE bundle of ${td} is not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(doc)) return fail('x509', `SPIFFE bundle of ${td} is not a JSON object`);
  const keys = doc.keys;
  if (!Array.isArray(keys)) return fail('x509', `SPIFFE bundle of ${td} has no "keys" array`);
  if (keys.length > MAX_BUNDLE_KEYS) return fail('x509', `SPIFFE bundle of ${td} has more than ${MAX_BUNDLE_KEYS} keys`);
  const certs: Certificate[] = [];
  for (const [i, key] of keys.entries()) {
    if (!isRecord(key) || key.use !== 'x509-svid' || typeof key.kty !== 'string') continue;
    const x5c = key.x5c;
    if (!Array.isArray(x5c) || x5c.length === 0) continue;
    const first = x5c[0];
    if (typeof first !== 'string') return fail('x509', `SPIFFE bundle of ${td}: key ${i + 1} has a non-string x5c value`);
    const der = base64Decode(first, MAX_CERTIFICATE_BYTES);
    if (!der.ok) return fail('x509', `SPIFFE bundle of ${td}: key ${i + 1}: ${der.error.message}`);
    const c = parseCertificate(der.value);
    if (!c.ok) return fail(c.error.kind, `SPIFFE bundle of ${td}: key ${i + 1}: ${c.error.message}`);
    certs.push(c.value);
  }
  return bundle(td, certs, countOrNull(doc.spiffe_sequence), countOrNull(doc.spiffe_refresh_hint));
}

/** The map validateX509Svid takes; a trust domain given twice is an error. */
export function trustBundles(bundles: readonly TrustBundle[]): IdResult<TrustBundles> {
  const out = new Map<string, readonly Certificate[]>();
  for (const b of bundles) {
    if (out.has(b.trustDomain)) return fail('x509', `two bundles for trust domain ${b.trustDomain}`);
    out.set(b.trustDomain, b.x509Authorities);
  }
  return ok(out);
}
