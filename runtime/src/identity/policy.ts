/**
 * Authorization by SPIFFE ID: which peers may call which API. A table maps each API
 * name to the matchers that allow it; an API without an entry, or a peer no matcher
 * allows, is denied. Every decision says why.
 *
 * Matchers: an exact SPIFFE ID; a path prefix within a trust domain that respects
 * segments ("spiffe://td/a/b" allows /a/b and /a/b/c, not /a/bc); a whole trust domain.
 */
import { fail, type IdResult, ok } from './result.js';
import { parseSpiffeId, parseTrustDomain, type SpiffeId } from './spiffe-id.js';

export type IdMatcher =
  | { kind: 'exact'; id: string }
  | { kind: 'prefix'; trustDomain: string; segments: string[]; text: string }
  | { kind: 'trust-domain'; trustDomain: string };

export function exactId(id: string): IdResult<IdMatcher> {
  const p = parseSpiffeId(id);
  if (!p.ok) return fail('spiffe-id', `exact matcher: ${p.error.message}`, p.error.code);
  return ok({ kind: 'exact', id: p.value.id });
}

/** Peers whose ID is `prefix` or lies below it, segment by segment. */
export function pathPrefix(prefix: string): IdResult<IdMatcher> {
  const p = parseSpiffeId(prefix);
  if (!p.ok) return fail('spiffe-id', `prefix matcher: ${p.error.message}`, p.error.code);
  return ok({ kind: 'prefix', trustDomain: p.value.trustDomain, segments: p.value.segments, text: p.value.id });
}

export function trustDomain(td: string): IdResult<IdMatcher> {
  const p = parseTrustDomain(td);
  if (!p.ok) return fail('spiffe-id', `trust-domain matcher: ${p.error.message}`, p.error.code);
  return ok({ kind: 'trust-domain', trustDomain: p.value });
}

export function describeMatcher(m: IdMatcher): string {
  if (m.kind === 'exact') return `id ${m.id}`;
  if (m.kind === 'prefix') return `prefix ${m.text}`;
  return `trust domain ${m.trustDomain}`;
}

export function matches(m: IdMatcher, id: SpiffeId): boolean {
  if (m.kind === 'exact') return id.id === m.id;
  if (m.kind === 'trust-domain') return id.trustDomain === m.trustDomain;
  if (id.trustDomain !== m.trustDomain || id.segments.length < m.segments.length) return false;
  for (let i = 0; i < m.segments.length; i++) if (id.segments[i] !== m.segments[i]) return false;
  return true;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

/** API name → matchers that allow it; everything else is denied. */
export class AuthorizationPolicy {
  private readonly table = new Map<string, readonly IdMatcher[]>();

  constructor(rules: Record<string, readonly IdMatcher[]> = {}) {
    for (const [api, matchers] of Object.entries(rules)) this.table.set(api, matchers);
  }

  allow(api: string, matchers: readonly IdMatcher[]): void {
    this.table.set(api, [...(this.table.get(api) ?? []), ...matchers]);
  }

  /** May the peer with this SPIFFE ID (already validated, or text to parse) call `api`? */
  decide(api: string, peer: SpiffeId | string): Decision {
    let id: SpiffeId;
    if (typeof peer === 'string') {
      const p = parseSpiffeId(peer);
      if (!p.ok) return { allowed: false, reason: `peer ID ${JSON.stringify(peer)} is not a SPIFFE ID: ${p.error.message}` };
      id = p.value;
    } else {
      id = peer;
    }
    const matchers = this.table.get(api);
    if (matchers === undefined || matchers.length === 0) return { allowed: false, reason: `no policy for ${api}: denied by default` };
    for (const m of matchers) {
      if (matches(m, id)) return { allowed: true, reason: `${id.id} allowed to call ${api} by ${describeMatcher(m)}` };
    }
    return { allowed: false, reason: `${id.id} matches none of the ${matchers.length} rule(s) for ${api}` };
  }
}
