/**
 * Result values for the identity stack: decoders and validators return these instead of
 * throwing, so a malformed certificate or a refused peer is data the caller handles.
 */
import type { Result } from '../host/types.js';

export type { Result };

/**
 * What went wrong:
 * - `der`: bytes that are not the DER subset X.509 needs (lengths, tags, depth, encodings).
 * - `pem`: text that is not a PEM block of the expected label, or bad base64.
 * - `x509`: well-formed DER that is not a certificate as RFC 5280 defines it.
 * - `spiffe-id`: a URI that is not a SPIFFE ID (SPIFFE-ID standard §2).
 * - `svid`: a certificate chain refused as an X.509-SVID (`code` says which rule).
 */
export type IdentityErrorKind = 'der' | 'pem' | 'x509' | 'spiffe-id' | 'svid';

export interface IdentityError {
  kind: IdentityErrorKind;
  message: string;
  /** A stable name for the rule that failed (SVID validation), for callers and metrics. */
  code?: string;
}

export type IdResult<T> = Result<T, IdentityError>;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(kind: IdentityErrorKind, message: string, code?: string): { ok: false; error: IdentityError } {
  return code === undefined ? { ok: false, error: { kind, message } } : { ok: false, error: { kind, message, code } };
}

export function derError(message: string): { ok: false; error: IdentityError } {
  return fail('der', message);
}

/** The same error with a prefix that says where it happened ("issuer: ..."). */
export function within<T>(where: string, r: { ok: false; error: IdentityError }): IdResult<T> {
  return { ok: false, error: { ...r.error, message: `${where}: ${r.error.message}` } };
}
