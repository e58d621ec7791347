/** SPIFFE ID parsing (SPIFFE-ID standard §2) and authorization policies over SPIFFE IDs. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AuthorizationPolicy, exactId, type IdMatcher, parseSpiffeId, parseTrustDomain, pathPrefix, SPIFFE_ID_MAX_BYTES, trustDomain,
  trustDomainId,
} from '../../runtime/src/identity/index.js';

const t = suite('identity: SPIFFE IDs and policies');

t('accepts IDs with and without a path; splits trust domain and segments', () => {
  const a = parseSpiffeId('spiffe://example.org/agent/node-1_a.b');
  assert.ok(a.ok);
  if (a.ok) {
    assert.is(a.value.trustDomain, 'example.org');
    assert.is(a.value.path, '/agent/node-1_a.b');
    assert.equal(a.value.segments, ['agent', 'node-1_a.b']);
  }
  const td = parseSpiffeId('spiffe://example.org');
  assert.ok(td.ok && td.value.path === '' && td.value.segments.length === 0);
  // IP-looking trust domains are names like any other (§2.1); path case is kept (§2.4).
  assert.ok(parseSpiffeId('spiffe://10.0.0.1/Node/A').ok);
  assert.is(trustDomainId('example.org'), 'spiffe://example.org');
});

const REFUSED: [string, string, string][] = [
  ['', 'empty', 'empty'],
  ['http://example.org/a', 'scheme', 'scheme must be "spiffe"'],
  ['SPIFFE://example.org/a', 'scheme', 'lowercase'],
  ['spiffe:/example.org/a', 'scheme', 'scheme'],
  ['spiffe:///a', 'trust-domain-empty', 'trust domain is empty'],
  ['spiffe://', 'trust-domain-empty', 'trust domain is empty'],
  ['spiffe://Example.org/a', 'trust-domain-case', 'lowercase'],
  ['spiffe://user@example.org/a', 'userinfo', 'userinfo'],
  ['spiffe://example.org:8443/a', 'port', 'port'],
  ['spiffe://exa%6dple.org/a', 'percent-encoding', 'percent'],
  ['spiffe://[::1]/a', 'trust-domain-chars', 'found "["'],
  ['spiffe://exa mple.org/a', 'trust-domain-chars', 'found " "'],
  ['spiffe://example.org/a?x=1', 'query', 'query'],
  ['spiffe://example.org/a#frag', 'fragment', 'fragment'],
  ['spiffe://example.org/', 'trailing-slash', 'must not end with "/"'],
  ['spiffe://example.org/a/', 'trailing-slash', 'must not end with "/"'],
  ['spiffe://example.org//a', 'empty-segment', 'empty segments'],
  ['spiffe://example.org/a/./b', 'dot-segment', '"." segments'],
  ['spiffe://example.org/a/..', 'dot-segment', '".." segments'],
  ['spiffe://example.org/a%20b', 'percent-encoding', 'percent'],
  ['spiffe://example.org/a b', 'path-chars', 'found " "'],
  ['spiffe://example.org/ü', 'path-chars', 'found "ü"'],
];

t('refuses each malformed ID with the rule it breaks', () => {
  for (const [id, code, text] of REFUSED) {
    const r = parseSpiffeId(id);
    assert.not.ok(r.ok, id);
    if (r.ok) continue;
    assert.is(r.error.kind, 'spiffe-id');
    assert.is(r.error.code, code, id);
    assert.match(r.error.message, text, id);
  }
});

t('length bounds: 2048 bytes for the ID, 255 for the trust domain', () => {
  const prefix = 'spiffe://example.org/';
  const longest = prefix + 'a'.repeat(SPIFFE_ID_MAX_BYTES - prefix.length);
  assert.ok(parseSpiffeId(longest).ok);
  const r = parseSpiffeId(`${longest}b`);
  assert.ok(!r.ok && r.error.code === 'too-long');
  assert.ok(parseTrustDomain('a'.repeat(255)).ok);
  const td = parseTrustDomain('a'.repeat(256));
  assert.ok(!td.ok && td.error.code === 'trust-domain-too-long');
});

function must(r: { ok: true; value: IdMatcher } | { ok: false; error: { message: string } }): IdMatcher {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

t('path prefixes match whole segments only', () => {
  const policy = new AuthorizationPolicy({ 'peer.view': [must(pathPrefix('spiffe://example.org/a/b'))] });
  assert.ok(policy.decide('peer.view', 'spiffe://example.org/a/b').allowed);
  assert.ok(policy.decide('peer.view', 'spiffe://example.org/a/b/c').allowed);
  assert.not.ok(policy.decide('peer.view', 'spiffe://example.org/a/bc').allowed);
  assert.not.ok(policy.decide('peer.view', 'spiffe://example.org/a').allowed);
  assert.not.ok(policy.decide('peer.view', 'spiffe://other.org/a/b/c').allowed, 'same path, other trust domain');
});

t('exact and trust-domain matchers; deny by default with reasons', () => {
  const policy = new AuthorizationPolicy({
    'heal.coordinate': [must(exactId('spiffe://example.org/agent/gw1'))],
    'peer.view': [must(trustDomain('example.org'))],
  });
  const allowed = policy.decide('heal.coordinate', 'spiffe://example.org/agent/gw1');
  assert.equal(allowed, { allowed: true, reason: 'spiffe://example.org/agent/gw1 allowed to call heal.coordinate by id spiffe://example.org/agent/gw1' });
  const other = policy.decide('heal.coordinate', 'spiffe://example.org/agent/gw2');
  assert.not.ok(other.allowed);
  assert.match(other.reason, 'matches none of the 1 rule(s) for heal.coordinate');
  assert.ok(policy.decide('peer.view', 'spiffe://example.org/anything/at/all').allowed);
  assert.not.ok(policy.decide('peer.view', 'spiffe://example.org.evil/x').allowed);
  const unknown = policy.decide('config.set', 'spiffe://example.org/agent/gw1');
  assert.not.ok(unknown.allowed);
  assert.match(unknown.reason, 'no policy for config.set: denied by default');
  const garbage = policy.decide('peer.view', 'spiffe://example.org/../x');
  assert.not.ok(garbage.allowed);
  assert.match(garbage.reason, 'is not a SPIFFE ID');
  // Rules can be added later; a validated SpiffeId is accepted as is.
  policy.allow('config.set', [must(pathPrefix('spiffe://example.org/admin'))]);
  const id = parseSpiffeId('spiffe://example.org/admin/alice');
  assert.ok(id.ok && policy.decide('config.set', id.value).allowed);
});

t('matchers refuse invalid IDs and trust domains when the policy is built', () => {
  const bad = [exactId('spiffe://example.org/a/'), pathPrefix('http://x/y'), trustDomain('Example.org')];
  assert.equal(bad.map((r) => (r.ok ? 'ok' : r.error.code)), ['trailing-slash', 'scheme', 'trust-domain-case']);
});

t.run();
