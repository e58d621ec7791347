/**
 * SPIFFE IDs (SPIFFE-ID standard §2): "spiffe://" trust-domain [path].
 * - trust domain (§2.1): lowercase letters, digits, ".", "-", "_"; 1–255 bytes; no
 *   userinfo, no port, no percent-encoding;
 * - path (§2.2): "/"-separated segments of letters, digits, ".", "-", "_"; no empty,
 *   "." or ".." segments (so no trailing "/"); no percent-encoding; case-sensitive;
 * - no query, no fragment (§2); at most 2048 bytes (§2.3).
 * The scheme must be written "spiffe" in lowercase (as go-spiffe requires).
 * Every refusal names the rule (`code`) and says what was wrong.
 */
import { type IdResult, ok } from './result.js';

export const SPIFFE_ID_MAX_BYTES = 2048;
export const TRUST_DOMAIN_MAX_BYTES = 255;
const SCHEME = 'spiffe://';

export interface SpiffeId {
  /** The whole ID, as given (it is already canonical when valid). */
  id: string;
  trustDomain: string;
  /** "" for a trust domain's own ID, else "/a/b". */
  path: string;
  segments: string[];
}

function bad(code: string, message: string): { ok: false; error: { kind: 'spiffe-id'; message: string; code: string } } {
  return { ok: false, error: { kind: 'spiffe-id', message, code } };
}

const TD_CHAR = /^[a-z0-9._-]$/;
const PATH_CHAR = /^[a-zA-Z0-9._-]$/;

/** Check a trust domain name ("example.org"). */
export function parseTrustDomain(td: string): IdResult<string> {
  if (td.length === 0) return bad('trust-domain-empty', 'trust domain is empty');
  if (td.length > TRUST_DOMAIN_MAX_BYTES) return bad('trust-domain-too-long', `trust domain is longer than ${TRUST_DOMAIN_MAX_BYTES} bytes`);
  for (let i = 0; i < td.length; i++) {
    const c = td[i] as string;
    if (TD_CHAR.test(c)) continue;
    if (c === '@') return bad('userinfo', 'trust domain must not contain userinfo ("@")');
    if (c === ':') return bad('port', 'trust domain must not contain a port (":")');
    if (c === '%') return bad('percent-encoding', 'trust domain must not be percent-encoded');
    if (c >= 'A' && c <= 'Z') return bad('trust-domain-case', `trust domain must be lowercase (found ${JSON.stringify(c)} at ${i})`);
    return bad('trust-domain-chars', `trust domain may contain only a-z, 0-9, ".", "-", "_" (found ${JSON.stringify(c)} at ${i})`);
  }
  return ok(td);
}

/** Parse and check a SPIFFE ID. */
export function parseSpiffeId(text: string): IdResult<SpiffeId> {
  if (text.length === 0) return bad('empty', 'SPIFFE ID is empty');
  // Every valid character is ASCII, so UTF-16 length ≥ byte length only for invalid IDs.
  if (text.length > SPIFFE_ID_MAX_BYTES) return bad('too-long', `SPIFFE ID is longer than ${SPIFFE_ID_MAX_BYTES} bytes`);
  if (!text.startsWith(SCHEME)) {
    if (text.toLowerCase().startsWith(SCHEME)) return bad('scheme', 'scheme must be written "spiffe" in lowercase');
    return bad('scheme', 'scheme must be "spiffe" (the ID starts with "spiffe://")');
  }
  const rest = text.slice(SCHEME.length);
  const q = rest.indexOf('?');
  if (q >= 0) return bad('query', 'SPIFFE ID must not have a query ("?")');
  const h = rest.indexOf('#');
  if (h >= 0) return bad('fragment', 'SPIFFE ID must not have a fragment ("#")');
  const slash = rest.indexOf('/');
  const td = parseTrustDomain(slash < 0 ? rest : rest.slice(0, slash));
  if (!td.ok) return td;
  const path = slash < 0 ? '' : rest.slice(slash);
  const segments: string[] = [];
  if (path !== '') {
    const parts = path.slice(1).split('/');
    for (let k = 0; k < parts.length; k++) {
      const seg = parts[k] as string;
      if (seg === '') {
        if (k === parts.length - 1) return bad('trailing-slash', 'path must not end with "/"');
        return bad('empty-segment', 'path must not have empty segments ("//")');
      }
      if (seg === '.' || seg === '..') return bad('dot-segment', `path must not have "${seg}" segments`);
      for (let i = 0; i < seg.length; i++) {
        const c = seg[i] as string;
        if (PATH_CHAR.test(c)) continue;
        if (c === '%') return bad('percent-encoding', 'path must not be percent-encoded');
        return bad('path-chars', `path segments may contain only a-z, A-Z, 0-9, ".", "-", "_" (found ${JSON.stringify(c)} in ${JSON.stringify(seg)})`);
      }
      segments.push(seg);
    }
  }
  return ok({ id: text, trustDomain: td.value, path, segments });
}

/** The SPIFFE ID of a trust domain itself ("spiffe://example.org"). */
export function trustDomainId(td: string): string {
  return SCHEME + td;
}
