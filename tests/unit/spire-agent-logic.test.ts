/**
 * The SPIRE agent's own logic, without a server: renewal timing and back-off, the
 * wrong-clock detector, the state file (atomic, 0600, total reader), the choice of
 * the workload entry and the message schemas' field numbers (checked against
 * hand-assembled protobuf bytes of spire-api-sdk's messages).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { decodeMessage, encodeMessage } from '../../runtime/src/protobuf/index.js';
import { parseServerAddress, pickWorkloadEntry, SpireAgent } from '../../runtime/src/spire/agent.js';
import { grpcDial } from '../../runtime/src/spire/channel.js';
import { testPki } from '../support/identity-pki.js';
import { judgeClock, RELEASE_FLOOR_MS } from '../../runtime/src/spire/clock.js';
import { isTransient } from '../../runtime/src/spire/errors.js';
import { AttestAgentRequestSchema, BatchNewX509SvidResponseSchema, type EntryMsg } from '../../runtime/src/spire/messages.js';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, backoffDelayMs, renewalDelayMs } from '../../runtime/src/spire/schedule.js';
import { type IdentityState, loadState, saveState, statePathOf } from '../../runtime/src/spire/state.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('spire: agent logic');

t('renewal falls at half the lifetime, jittered by at most 10 % of it', () => {
  const nb = Date.UTC(2026, 5, 1);
  const na = nb + 3600_000;
  assert.is(renewalDelayMs(nb, na, nb, () => 0.5), 1800_000);
  assert.is(renewalDelayMs(nb, na, nb, () => 0), 1440_000);
  assert.is(renewalDelayMs(nb, na, nb, () => 1), 2160_000);
  // Already past the renewal point: now.
  assert.is(renewalDelayMs(nb, na, nb + 3000_000, () => 0.5), 0);
});

t('back-off doubles from 1 s to 5 min and shortens while the SVID is about to expire', () => {
  const mid = () => 0.5;
  assert.is(backoffDelayMs(1, mid), BACKOFF_MIN_MS);
  assert.is(backoffDelayMs(2, mid), 2 * BACKOFF_MIN_MS);
  assert.is(backoffDelayMs(4, mid), 8 * BACKOFF_MIN_MS);
  assert.is(backoffDelayMs(40, mid), BACKOFF_MAX_MS);
  assert.ok(backoffDelayMs(40, () => 1) <= BACKOFF_MAX_MS * 1.2);
  // 20 s of validity left: retry at least every 5 s.
  assert.is(backoffDelayMs(40, mid, 1_000_000 + 20_000, 1_000_000), 5000);
});

t('a clock before the release date, a bundle CA or the last renewal is judged wrong', () => {
  assert.ok(judgeClock(Date.UTC(2026, 6, 1)).ok);
  const boot1970 = judgeClock(0);
  assert.not.ok(boot1970.ok);
  assert.match(boot1970.reason, /release date/);
  assert.is(boot1970.floorMs, RELEASE_FLOOR_MS);
  const caBorn = Date.UTC(2027, 0, 10);
  const v = judgeClock(Date.UTC(2026, 6, 1), { bundleNotBeforeMs: [caBorn] });
  assert.not.ok(v.ok);
  assert.match(v.reason, /notBefore of a trust bundle CA/);
  // Within the skew allowance of the CA's birth: fine.
  assert.ok(judgeClock(caBorn - 60_000, { bundleNotBeforeMs: [caBorn] }).ok);
  const last = judgeClock(Date.UTC(2026, 6, 1), { lastGoodMs: Date.UTC(2026, 8, 1) });
  assert.not.ok(last.ok);
  assert.match(last.reason, /last successful attestation/);
});

t('transient errors are retried, refusals of the request are not', () => {
  assert.ok(isTransient({ kind: 'unreachable', message: '' }));
  assert.ok(isTransient({ kind: 'clock', message: '' }));
  assert.ok(isTransient({ kind: 'refused', message: '', grpcStatus: 14 }));
  assert.not.ok(isTransient({ kind: 'refused', message: '', grpcStatus: 7 }));
  assert.not.ok(isTransient({ kind: 'server-identity', message: '' }));
});

t('server addresses are ADDR:PORT', () => {
  assert.equal(parseServerAddress('127.0.0.1:8081'), { family: 'inet', host: '127.0.0.1', port: 8081 });
  assert.equal(parseServerAddress('[::1]:8081'), { family: 'inet6', host: '::1', port: 8081 });
  for (const bad of ['spire:8081', '127.0.0.1', '1.2.3.4:0', '1.2.3.4:70000', '300.1.1.1:1', '']) assert.is(parseServerAddress(bad), null, bad);
});

function entry(id: string, selectors: [string, string][]): EntryMsg {
  return {
    id,
    spiffeId: { trustDomain: 'lab.x0tta6bl4', path: `/w/${id}` },
    selectors: selectors.map(([type, value]) => ({ type, value })),
    x509SvidTtl: 0,
    revisionNumber: 0n,
  };
}

t('the workload entry is the one with selector x0tta6bl4:agent (lowest ID when several)', () => {
  assert.is(pickWorkloadEntry([entry('a', [['unix', 'uid:0']])]), null);
  assert.is(pickWorkloadEntry([entry('z', [['x0tta6bl4', 'agent']]), entry('b', [['unix', 'uid:0'], ['x0tta6bl4', 'agent']])])?.id, 'b');
});

function sampleState(): IdentityState {
  return {
    trustDomain: 'lab.x0tta6bl4',
    server: '127.0.0.1:8081',
    agentId: 'spiffe://lab.x0tta6bl4/spire/agent/join_token/abc',
    agentKey: new Uint8Array([1, 2, 3, 250]),
    agentChain: [new Uint8Array([0x30, 1, 2]), new Uint8Array([0x30, 3])],
    bundle: [new Uint8Array([0x30, 9])],
    reattestable: false,
    workload: { entryId: 'e1', spiffeId: 'spiffe://lab.x0tta6bl4/router/r1', privateKey: new Uint8Array([9, 9]), chain: [new Uint8Array([0x30, 7])] },
    attestedAtMs: 1_780_000_000_000,
    renewedAtMs: 1_780_000_100_000,
  };
}

t('the state file round-trips, is mode 0600 in a 0700 directory, and leaves no temporary file', () => {
  const dir = tempDir('spire-state');
  try {
    const files = getHost().files;
    assert.equal(loadState(files, dir), { ok: true, value: null });
    saveState(files, dir, sampleState());
    const back = loadState(files, dir);
    assert.ok(back.ok);
    assert.equal(back.ok && back.value, sampleState());
    assert.is((files.stat(statePathOf(dir))?.mode ?? 0) & 0o777, 0o600);
    assert.is((files.stat(`${dir}/identity`)?.mode ?? 0) & 0o777, 0o700);
    assert.equal(files.readdir(`${dir}/identity`), ['identity.json']);
  } finally {
    removeTree(dir);
  }
});

t('a damaged state file is an error that names the file and the problem', () => {
  const dir = tempDir('spire-state-bad');
  try {
    const files = getHost().files;
    files.mkdirp(`${dir}/identity`, 0o700);
    const cases: [string, RegExp][] = [
      ['{"version":1', /identity\.json: /],
      ['[]', /not a JSON object/],
      ['{"version":2}', /version 2/],
      [JSON.stringify({ ...JSON.parse(JSON.stringify({ version: 1, trustDomain: 'x', server: 's', agentId: 'a', agentKey: '!!', agentChain: [], bundle: [], workload: null, attestedAtMs: 1, renewedAtMs: 1 })) }), /"agentKey"/],
      [JSON.stringify({ version: 1, trustDomain: 'x', server: 's', agentId: 'a', agentKey: 'AQ==', agentChain: 'no', bundle: [], workload: null, attestedAtMs: 1, renewedAtMs: 1 }), /"agentChain"/],
    ];
    for (const [text, want] of cases) {
      files.writeAtomic(statePathOf(dir), text, 0o600);
      const r = loadState(files, dir);
      assert.not.ok(r.ok, text);
      assert.match(r.ok ? '' : r.error, want);
    }
  } finally {
    removeTree(dir);
  }
});

t('AttestAgentRequest has the field numbers of spire-api-sdk', () => {
  // params(1){ data(1){ type(1)="join_token" payload(2)="t" } params(2){ csr(1)=01 } }
  const bytes = encodeMessage(AttestAgentRequestSchema, {
    params: { data: { type: 'join_token', payload: new Uint8Array([0x74]) }, params: { csr: new Uint8Array([1]) } },
  });
  const data = [0x0a, 10, ...new TextEncoder().encode('join_token'), 0x12, 1, 0x74];
  const params = [0x0a, 1, 1];
  const inner = [0x0a, data.length, ...data, 0x12, params.length, ...params];
  assert.equal([...bytes], [0x0a, inner.length, ...inner]);
});

t('BatchNewX509SVIDResponse decodes a status and an SVID chain', () => {
  // results(1){ status(1){ code(1)=7 message(2)="no" } svid(2){ cert_chain(1)=30 00, expires_at(3)=5 } }
  const status = [0x08, 7, 0x12, 2, 0x6e, 0x6f];
  const svid = [0x0a, 2, 0x30, 0x00, 0x18, 5];
  const result = [0x0a, status.length, ...status, 0x12, svid.length, ...svid];
  const r = decodeMessage(BatchNewX509SvidResponseSchema, new Uint8Array([0x0a, result.length, ...result]));
  assert.ok(r.ok);
  const one = r.ok ? r.value.results[0] : undefined;
  assert.equal(one?.status, { code: 7, message: 'no' });
  assert.equal(one?.svid?.certChain.map((c) => [...c]), [[0x30, 0]]);
  assert.is(one?.svid?.expiresAt, 5n);
});

t('with the clock at 1970 the agent neither attests nor renews, and says why', async () => {
  const base = getHost();
  const crypto = base.crypto;
  assert.ok(crypto);
  const pki = await testPki();
  const dir = tempDir('spire-clock');
  try {
    base.files.writeAtomic(`${dir}/bundle.pem`, pki.get('root').pem);
    const host = { ...base, clock: { ...base.clock, wallMs: () => 86_400_000 } };
    const agent = new SpireAgent(host, crypto as NonNullable<typeof crypto>, grpcDial, {
      // Nothing listens here: the clock check must come before any connection.
      server: '127.0.0.1:9', trustDomain: 'example.org', bundlePath: `${dir}/bundle.pem`, stateDir: dir,
    });
    const a = await agent.attest('token');
    assert.is(a.ok ? '' : a.error.kind, 'clock');
    assert.match(a.ok ? '' : a.error.message, /1970-01-02T00:00:00\.000Z\) is before .*waiting for time sync/);
    saveState(base.files, dir, { ...sampleState(), trustDomain: 'example.org', bundle: [pki.get('root').der], agentChain: [pki.get('direct').der] });
    const r = await agent.renew();
    assert.is(r.ok ? '' : r.error.kind, 'clock');
  } finally {
    removeTree(dir);
  }
});

t.run();
