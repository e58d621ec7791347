/**
 * The `peer_allow` setting: which SPIFFE IDs may use the peer channel (and whose
 * signed alfred summaries count as verified). Space- or comma-separated matchers:
 *   id:spiffe://td/path      exactly this ID
 *   prefix:spiffe://td/path  this ID or any below it, segment by segment
 *   domain:td                any ID of this trust domain
 * Empty (the default): our own trust domain. Bounded: at most 32 matchers.
 */
import { exactId, type IdMatcher, pathPrefix, trustDomain } from '../identity/policy.js';

export const MAX_ALLOW_RULES = 32;

export type AllowResult = { ok: true; value: IdMatcher[] } | { ok: false; error: string };

export function parseAllow(text: string, ownTrustDomain: string): AllowResult {
  const words = text.split(/[\s,]+/).filter((w) => w !== '');
  if (words.length === 0) {
    const td = trustDomain(ownTrustDomain);
    return td.ok ? { ok: true, value: [td.value] } : { ok: false, error: `peer_allow: our trust domain: ${td.error.message}` };
  }
  if (words.length > MAX_ALLOW_RULES) return { ok: false, error: `peer_allow: more than ${MAX_ALLOW_RULES} rules` };
  const out: IdMatcher[] = [];
  for (const w of words) {
    const colon = w.indexOf(':');
    const kind = colon < 0 ? '' : w.slice(0, colon);
    const arg = w.slice(colon + 1);
    const r = kind === 'id' ? exactId(arg) : kind === 'prefix' ? pathPrefix(arg) : kind === 'domain' ? trustDomain(arg) : null;
    if (r === null) return { ok: false, error: `peer_allow: '${w}' is not id:SPIFFE-ID, prefix:SPIFFE-ID or domain:TRUST-DOMAIN` };
    if (!r.ok) return { ok: false, error: `peer_allow: '${w}': ${r.error.message}` };
    out.push(r.value);
  }
  return { ok: true, value: out };
}
