/**
 * The peer channel's pure parts on both engines: the `peer_allow` rules, the `mac`
 * query of GET /peer/v1/link, and the link view it answers with, from a real healing
 * loop fed synthetic snapshots (tests/unit/loop-fixtures.test.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSpiffeId } from '../../runtime/src/identity/spiffe-id.js';
import { matches } from '../../runtime/src/identity/policy.js';
import { parseAllow } from '../../runtime/src/peer/allow.js';
import { parseMacList, peerLinkJson } from '../../runtime/src/peer/link-view.js';
import { loopHarness, type SynthMesh } from './loop-fixtures.test.js';

const t = suite('peer: allow rules, MAC lists, the link view');

function allowed(rules: string, id: string): boolean {
  const a = parseAllow(rules, 'mesh.example');
  if (!a.ok) throw new Error(a.error);
  const p = parseSpiffeId(id);
  if (!p.ok) throw new Error(p.error.message);
  return a.value.some((m) => matches(m, p.value));
}

t('peer_allow: empty means our trust domain; id, prefix (by segment) and domain rules; bad rules say which', () => {
  assert.ok(allowed('', 'spiffe://mesh.example/x0tta6bl4/r1'));
  assert.not.ok(allowed('', 'spiffe://other.example/x0tta6bl4/r1'));
  assert.ok(allowed('id:spiffe://mesh.example/a/b', 'spiffe://mesh.example/a/b'));
  assert.not.ok(allowed('id:spiffe://mesh.example/a/b', 'spiffe://mesh.example/a/b/c'));
  assert.ok(allowed('prefix:spiffe://mesh.example/a', 'spiffe://mesh.example/a/b'));
  assert.not.ok(allowed('prefix:spiffe://mesh.example/a', 'spiffe://mesh.example/ab'));
  assert.ok(allowed('id:spiffe://x.example/q, domain:other.example', 'spiffe://other.example/z'));
  for (const [bad, says] of [
    ['spiffe://mesh.example/a', 'is not id:SPIFFE-ID'],
    ['id:https://mesh.example/a', "'id:https://mesh.example/a'"],
    ['domain:UPPER', "'domain:UPPER'"],
    [Array.from({ length: 33 }, (_, i) => `id:spiffe://m.example/${i}`).join(' '), 'more than 32 rules'],
  ] as const) {
    const r = parseAllow(bad, 'mesh.example');
    assert.not.ok(r.ok, bad);
    if (!r.ok) assert.match(r.error, says);
  }
});

t('mac query: lower-cased, at most 16, each a MAC', () => {
  const r = parseMacList('AA:00:00:00:00:0A,aa:00:00:00:00:0b');
  assert.ok(r.ok && r.value !== null && [...r.value].join() === 'aa:00:00:00:00:0a,aa:00:00:00:00:0b');
  assert.equal(parseMacList(undefined), { ok: true, value: null });
  assert.not.ok(parseMacList('aa:00:00:00:00').ok);
  assert.not.ok(parseMacList(Array.from({ length: 17 }, () => 'aa:00:00:00:00:0a').join(',')).ok);
});

const mesh = (cycle: number): SynthMesh => ({
  interfaces: [{ ifname: 'eth1', ifindex: 2, rx: cycle, tx: cycle }],
  neighbors: [
    { ifname: 'eth1', mac: 'aa:00:00:00:00:0a', tq: 200 + cycle },
    { ifname: 'eth1', mac: 'aa:00:00:00:00:0b', tq: 100 },
  ],
});

t('the link view: only the asking neighbour\'s links, with TQ, last seen and no probe data when probes are off', async () => {
  const h = loopHarness({}, mesh);
  await h.cycles(5);
  const macs = parseMacList('aa:00:00:00:00:0a');
  assert.ok(macs.ok);
  if (!macs.ok) return;
  const j = peerLinkJson(h.loop.view, h.loop.status().open, macs.value, 'spiffe://mesh.example/x0tta6bl4/me') as Record<string, unknown>;
  assert.is(j.node, 'spiffe://mesh.example/x0tta6bl4/me');
  const links = j.links as Record<string, unknown>[];
  assert.is(links.length, 1);
  assert.is(links[0]?.neighbor, 'aa:00:00:00:00:0a');
  assert.is(links[0]?.metric, 'tq');
  assert.is(links[0]?.value, 205);
  assert.is(links[0]?.live, true);
  assert.is(links[0]?.probe_loss, null);
  assert.equal(links[0]?.incidents, []);
  const all = peerLinkJson(h.loop.view, [], null, 'x') as { links: unknown[] };
  assert.is(all.links.length, 2);
});

t.run();
