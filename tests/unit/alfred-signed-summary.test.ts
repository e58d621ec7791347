/**
 * Signed node summaries (runtime/src/alfred/signed-summary.ts) on both engines: signed
 * with a test SVID's key by host.crypto, verified against the test PKI's bundle; every
 * way a summary can be wrong has its own verdict; older decoders still read the fields;
 * a fuzz of the signed decoder never throws and never calls an altered summary verified.
 */
import { pack, unpack } from 'msgpackr';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readEnvelope, SIGNED_SUMMARY_MAX_BYTES, signSummary, type SummaryVerifier, verifySummary } from '../../runtime/src/alfred/signed-summary.js';
import { decodeSummary, encodeSummary, HEARD_MAX, IFS_MAX, type NodeSummary } from '../../runtime/src/alfred/summary.js';
import { formatMeshStatus } from '../../runtime/src/alfred/mesh-status.js';
import { getHost } from '../../runtime/src/host/index.js';
import type { HostCrypto } from '../../runtime/src/host/types.js';
import { decodePem } from '../../runtime/src/identity/index.js';
import { parseAllow } from '../../runtime/src/peer/allow.js';
import { BLIND_MUTATIONS, blindMutation } from '../support/byte-mutations.js';
import { type Pki, testPki } from '../support/identity-pki.js';
import { prng } from '../support/prng.js';

const t = suite('alfred: signed node summaries');
const MAC = '02:00:00:00:00:0a';

const summary: NodeSummary = {
  v: 1, name: 'node3', agent: '0.1.0', batman: '2022.3', algo: 'BATMAN_IV', mode: 'auto', health: 'degraded',
  open: 2, kinds: ['route-flapping', 'neighbor-lost'], neighbors: 3, originators: 9, gw: 'server', actions: 1, t: 1_700_000_000, ms: 1_700_000_000_123,
  heard: [['020000000001', 120]], ifs: ['020000000a01'],
};

function crypto(): HostCrypto {
  const c = getHost().crypto;
  if (!c) throw new Error(`no host.crypto on ${getHost().engine}`);
  return c;
}

function keyDer(pem: string): Uint8Array {
  const b = decodePem(pem);
  if (!b.ok || !b.value[0]) throw new Error('not PEM');
  return b.value[0].der;
}

function encoded(s: NodeSummary = summary): Uint8Array {
  const e = encodeSummary(s);
  if (!e.ok) throw new Error(e.error);
  return e.value;
}

function sign(pki: Pki, chain: string[], keyOf = chain[0] as string, s: NodeSummary = summary, mac = MAC): Uint8Array {
  const r = signSummary(encoded(s), mac, { chain: chain.map((n) => pki.get(n).der), privateKey: keyDer(pki.get(keyOf).keyPem), crypto: crypto() });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function verifier(pki: Pki, allowText = ''): SummaryVerifier {
  const allow = parseAllow(allowText, 'example.org');
  if (!allow.ok) throw new Error(allow.error);
  return { bundles: new Map([['example.org', [pki.get('root').cert]], ['other.org', [pki.get('other-root').cert]]]), allow: allow.value, crypto: crypto(), nowMs: Date.UTC(2026, 5, 1) };
}

t('a summary signed with an SVID key verifies as that SPIFFE ID; its fields read as before, also by the plain decoder', async () => {
  const pki = await testPki();
  const bytes = sign(pki, ['node1', 'intermediate']);
  assert.equal(await verifySummary(bytes, MAC, verifier(pki)), { state: 'verified', id: 'spiffe://example.org/agent/node1' });
  const d = decodeSummary(bytes);
  assert.ok(d.ok);
  if (d.ok) assert.equal(d.value, summary);
  // The source is compared case-insensitively (alfred prints it in lower case anyway).
  assert.equal((await verifySummary(bytes, MAC.toUpperCase(), verifier(pki))).state, 'verified');
});

t('unsigned summaries are "unsigned"; a node without an identity says "unverified" for signed ones', async () => {
  const pki = await testPki();
  assert.equal(await verifySummary(encoded(), MAC, verifier(pki)), { state: 'unsigned' });
  const v = await verifySummary(sign(pki, ['direct']), MAC, null);
  assert.is(v.state, 'unverified');
});

t('refusals: altered field, wrong key, other source, other trust domain, expired, not allowed, malformed sig', async () => {
  const pki = await testPki();
  const good = sign(pki, ['direct']);
  const reason = async (bytes: Uint8Array, v = verifier(pki), source = MAC): Promise<string> => {
    const r = await verifySummary(bytes, source, v);
    return r.state === 'invalid' ? r.reason : r.state;
  };
  // A field changed after signing (a relay, or anyone in radio range pushing into alfred).
  const map = unpack(good) as Record<string, unknown>;
  assert.match(await reason(pack({ ...map, health: 'ok' }) as Uint8Array), 'the signature does not verify');
  assert.match(await reason(pack({ ...map, mac: '02:00:00:00:00:0b' }) as Uint8Array), 'the signature does not verify');
  // Signed with another key than the SVID's.
  assert.match(await reason(sign(pki, ['direct'], 'node1')), 'the signature does not verify');
  // Replayed from another alfred source.
  assert.match(await reason(good, verifier(pki), '02:00:00:00:00:0b'), 'signed it for source 02:00:00:00:00:0a, it came from 02:00:00:00:00:0b');
  // The chain is judged like a peer's on the peer channel.
  assert.match(await reason(sign(pki, ['other-td'])), '(not-authorized)');
  assert.match(await reason(sign(pki, ['expired', 'intermediate'])), '(expired)');
  assert.match(await reason(sign(pki, ['two-uris', 'intermediate'])), '(multiple-uri-sans)');
  assert.match(await reason(sign(pki, ['forged', 'impostor'])), '(unknown-authority)');
  assert.match(await reason(good, verifier(pki, 'id:spiffe://example.org/agent/node1')), '(not-authorized)');
  // Malformed signature parts.
  assert.match(await reason(pack({ ...map, sig: 'x' }) as Uint8Array), 'sig is not [chain, signature]');
  assert.match(await reason(pack({ ...map, sig: [[], new Uint8Array(70)] }) as Uint8Array), 'sig chain is not 1..3');
  assert.match(await reason(pack({ ...map, sig: [[new Uint8Array(3000)], new Uint8Array(70)] }) as Uint8Array), 'at most 2048 bytes');
  assert.match(await reason(pack({ ...map, sig: [(map.sig as unknown[])[0], new Uint8Array(81)] }) as Uint8Array), 'signature is not 1..80 bytes');
  const { mac: _mac, ...noMac } = map;
  assert.match(await reason(pack(noMac) as Uint8Array), 'without a valid mac');
  // Signing refuses what it cannot bound.
  const bad = signSummary(encoded(), 'nonsense', { chain: [pki.get('direct').der], privateKey: keyDer(pki.get('direct').keyPem), crypto: crypto() });
  assert.not.ok(bad.ok);
});

t('a full summary signed with a leaf and a P-384 intermediate stays well inside the bound', async () => {
  const pki = await testPki();
  const full: NodeSummary = {
    ...summary,
    name: 'n'.repeat(64),
    kinds: ['route-flapping', 'neighbor-lost', 'link-degraded', 'link-flapping', 'uplink-lost', 'link-anomaly', 'deaf-interface', 'isolated'],
    heard: Array.from({ length: HEARD_MAX }, (_, i) => [`0200000001${i.toString(16).padStart(2, '0')}`, 9999] as [string, number]),
    ifs: Array.from({ length: IFS_MAX }, (_, i) => `020000000a${i.toString(16).padStart(2, '0')}`),
  };
  const bytes = sign(pki, ['node1', 'intermediate'], 'node1', full);
  assert.ok(bytes.length < SIGNED_SUMMARY_MAX_BYTES, `${bytes.length} bytes`);
  assert.ok(bytes.length - encoded(full).length < 1800, `signature part ${bytes.length - encoded(full).length} bytes`);
  assert.equal((await verifySummary(bytes, MAC, verifier(pki))).state, 'verified');
});

t('status --mesh marks each node verified, unsigned or invalid, with the reason', async () => {
  const pki = await testPki();
  const v = verifier(pki);
  const entries = [
    { source: MAC, summary, error: null, trust: await verifySummary(sign(pki, ['direct']), MAC, v) },
    { source: '02:00:00:00:00:0b', summary: { ...summary, name: 'old-agent' }, error: null, trust: await verifySummary(encoded(), '02:00:00:00:00:0b', v) },
    { source: '02:00:00:00:00:0c', summary: { ...summary, name: 'liar' }, error: null, trust: await verifySummary(sign(pki, ['direct']), '02:00:00:00:00:0c', v) },
  ];
  const text = formatMeshStatus(entries, summary.t + 5);
  assert.match(text, /node3 .* verified spiffe:\/\/example\.org\/agent\/direct/);
  assert.match(text, /old-agent .* unsigned/);
  assert.match(text, /liar .* invalid/);
  assert.match(text, 'liar (02:00:00:00:00:0c): invalid: spiffe://example.org/agent/direct signed it for source 02:00:00:00:00:0a');
  assert.match(text, '3 node(s), 3 not ok, 1 verified, 1 invalid');
});

t('fuzz: mutated signed summaries never throw, and one that verifies decodes to the signed fields', async () => {
  const pki = await testPki();
  const v = verifier(pki);
  const base = sign(pki, ['node1', 'intermediate']);
  const rnd = prng(0x5ad);
  const pick = (n: number) => Math.floor(rnd() * n);
  const count = { verified: 0, invalid: 0, other: 0 };
  for (let i = 0; i < 4000; i++) {
    let d = base.slice();
    for (let k = 1 + pick(3); k > 0; k--) d = blindMutation(d, pick, pick(BLIND_MUTATIONS));
    const r = await verifySummary(d, MAC, v);
    const fields = decodeSummary(d);
    if (r.state === 'verified') {
      count.verified++;
      assert.ok(fields.ok);
      if (fields.ok) assert.equal(fields.value, summary);
    } else if (r.state === 'invalid') count.invalid++;
    else count.other++;
    // readEnvelope on whatever decodes as a map: total as well.
    try {
      const m = unpack(d);
      if (typeof m === 'object' && m !== null && !Array.isArray(m)) readEnvelope(m as Record<string, unknown>);
    } catch {
      // msgpackr's own errors on garbage are expected here; verifySummary must not throw (checked above).
    }
  }
  assert.ok(count.invalid > 3000, JSON.stringify(count));
});

t.run();
