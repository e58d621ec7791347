/**
 * The per-certificate rules of the X509-SVID standard: the SPIFFE ID in the one URI SAN
 * (§2), leaf rules (§3.1, §4.1, §4.3, §4.4, §5.2) and signing-certificate rules (§3.2,
 * §4.1, §4.3). Chain building and validity live in chain.ts. Every refusal carries a
 * `code` naming the rule, so tests and logs can tell the reasons apart.
 */
import { OID } from './der-oid.js';
import { type IdentityError, type IdResult, ok } from './result.js';
import { parseSpiffeId, type SpiffeId } from './spiffe-id.js';
import type { Certificate } from './x509.js';

export type SvidErrorCode =
  | 'no-certificate'
  | 'no-uri-san'
  | 'multiple-uri-sans'
  | 'invalid-spiffe-id'
  | 'root-path'
  | 'san-not-critical'
  | 'leaf-is-ca'
  | 'key-usage-missing'
  | 'key-usage-not-critical'
  | 'no-digital-signature'
  | 'leaf-signs-certificates'
  | 'extended-key-usage'
  | 'unknown-critical-extension'
  | 'name-constraints-unsupported'
  | 'not-yet-valid'
  | 'expired'
  | 'unknown-trust-domain'
  | 'unknown-authority'
  | 'bad-signature'
  | 'issuer-not-ca'
  | 'issuer-key-usage'
  | 'issuer-spiffe-id'
  | 'path-length'
  | 'too-many-certificates'
  | 'path-search-limit';

export function svidError(code: SvidErrorCode, message: string): { ok: false; error: IdentityError } {
  return { ok: false, error: { kind: 'svid', code, message } };
}

/** The certificate's URI SANs. */
export function uriSans(cert: Certificate): string[] {
  const san = cert.extensions.subjectAltName;
  if (san === null) return [];
  return san.names.filter((n) => n.type === 'uri').map((n) => n.value);
}

/** The SPIFFE ID of a leaf: exactly one URI SAN, a valid SPIFFE ID with a non-root path. */
export function leafSpiffeId(cert: Certificate): IdResult<SpiffeId> {
  const uris = uriSans(cert);
  if (uris.length === 0) return svidError('no-uri-san', 'certificate has no URI SAN, so no SPIFFE ID');
  if (uris.length > 1) return svidError('multiple-uri-sans', `certificate has ${uris.length} URI SANs; an X.509-SVID has exactly one`);
  const id = parseSpiffeId(uris[0] as string);
  if (!id.ok) return svidError('invalid-spiffe-id', `URI SAN ${JSON.stringify(uris[0])} is not a SPIFFE ID: ${id.error.message}`);
  if (id.value.path === '') return svidError('root-path', `leaf SPIFFE ID ${id.value.id} has no path (only signing certificates may)`);
  return ok(id.value);
}

function hasPurpose(purposes: string[], oid: string): boolean {
  return purposes.includes(oid) || purposes.includes(OID.anyExtendedKeyUsage);
}

/** Extensions no certificate of a path may carry: unknown critical ones, name constraints. */
export function checkExtensionsUnderstood(cert: Certificate, role: string): IdResult<true> {
  const unknown = cert.extensions.unknownCritical;
  if (unknown.length > 0) return svidError('unknown-critical-extension', `${role} has a critical extension this validator does not process: ${unknown.join(', ')}`);
  if (cert.extensions.nameConstraints !== null) {
    return svidError('name-constraints-unsupported', `${role} has nameConstraints, which this validator does not process, so it refuses the path`);
  }
  return ok(true);
}

/** Leaf rules (X509-SVID §3.1, §4.1, §4.3, §4.4, §5.2); the SPIFFE ID is checked by leafSpiffeId. */
export function checkLeaf(cert: Certificate): IdResult<true> {
  const ext = cert.extensions;
  if (cert.subject.rdns.length === 0 && !(ext.subjectAltName?.critical ?? false)) {
    return svidError('san-not-critical', 'leaf has an empty subject, so its subjectAltName must be critical (RFC 5280 §4.1.2.6)');
  }
  if (ext.basicConstraints?.ca === true) return svidError('leaf-is-ca', 'leaf is a CA certificate (basicConstraints cA is true)');
  const ku = ext.keyUsage;
  if (ku === null) return svidError('key-usage-missing', 'leaf has no keyUsage extension');
  if (!ku.critical) return svidError('key-usage-not-critical', 'leaf keyUsage is not marked critical');
  if (!ku.digitalSignature) return svidError('no-digital-signature', 'leaf keyUsage lacks digitalSignature');
  if (ku.keyCertSign || ku.cRLSign) return svidError('leaf-signs-certificates', `leaf keyUsage sets ${ku.keyCertSign ? 'keyCertSign' : 'cRLSign'}`);
  const eku = ext.extKeyUsage;
  if (eku !== null && (!hasPurpose(eku.purposes, OID.serverAuth) || !hasPurpose(eku.purposes, OID.clientAuth))) {
    return svidError('extended-key-usage', 'leaf extendedKeyUsage must include both serverAuth and clientAuth');
  }
  return checkExtensionsUnderstood(cert, 'leaf');
}

/**
 * Signing-certificate rules (X509-SVID §3.2, §4.1, §4.3): cA true, keyUsage with
 * keyCertSign, and a SPIFFE ID without a path if it carries one. `below` is the number
 * of intermediate CA certificates between it and the leaf (for pathLenConstraint).
 */
export function checkSigning(cert: Certificate, role: string, below: number): IdResult<true> {
  const ext = cert.extensions;
  const bc = ext.basicConstraints;
  if (bc === null || !bc.ca) return svidError('issuer-not-ca', `${role} (${cert.subject.text}) is not a CA certificate`);
  if (bc.pathLen !== null && below > bc.pathLen) {
    return svidError('path-length', `${role} (${cert.subject.text}) allows ${bc.pathLen} intermediate(s) below it, the path has ${below}`);
  }
  const ku = ext.keyUsage;
  if (ku === null || !ku.keyCertSign) return svidError('issuer-key-usage', `${role} (${cert.subject.text}) keyUsage lacks keyCertSign`);
  const uris = uriSans(cert);
  if (uris.length > 1) return svidError('issuer-spiffe-id', `${role} (${cert.subject.text}) has ${uris.length} URI SANs`);
  if (uris.length === 1) {
    const id = parseSpiffeId(uris[0] as string);
    if (!id.ok) return svidError('issuer-spiffe-id', `${role} URI SAN is not a SPIFFE ID: ${id.error.message}`);
    if (id.value.path !== '') return svidError('issuer-spiffe-id', `${role} SPIFFE ID ${id.value.id} has a path; a signing certificate's must not`);
  }
  return checkExtensionsUnderstood(cert, role);
}
