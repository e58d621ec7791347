/**
 * Our SPIRE agent against a real spire-server (tests/support/spire-server.ts), on our
 * binary (mbedTLS TLS, host.crypto CSRs): join-token attestation, the agent and
 * workload SVIDs, renewal, a restart that reuses the saved identity, a server restart,
 * refused tokens, a server outside the bootstrap bundle, and the `identity` CLI.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { parseCertificate } from '../../runtime/src/identity/x509.js';
import { SpireAgent } from '../../runtime/src/spire/agent.js';
import { grpcDial } from '../../runtime/src/spire/channel.js';
import { statePathOf } from '../../runtime/src/spire/state.js';
import { testPki } from '../support/identity-pki.js';
import { SpireServer } from '../support/spire-server.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('spire: our agent against spire-server');
const host = getHost();
const binary = host.getenv('X0_BINARY') ?? 'dist/x0tta6bl4';
/** A build on mbedTLS 2.28 (TLS 1.2 only; Debian 12, OpenWrt 23.05), when the runner has one. */
const tls12Binary = host.getenv('X0_TLS12_BINARY');
const TD = 'lab.x0tta6bl4';
const NODE_ID = `spiffe://${TD}/router/r1`;
const WORKLOAD_ID = `spiffe://${TD}/x0tta6bl4/r1`;

let server: SpireServer;
let root: string;
let bundlePath: string;

function agentAt(stateDir: string, bundle = bundlePath): SpireAgent {
  const crypto = host.crypto;
  if (!crypto) throw new Error('no host.crypto: run on the x0tta6bl4 binary');
  return new SpireAgent(host, crypto, grpcDial, { server: server.address, trustDomain: TD, bundlePath: bundle, stateDir });
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { kind: string; message: string } }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.kind}: ${r.error.message}\n--- server log ---\n${server.logTail()}`);
  return r.value;
}

function leaf(der: Uint8Array | undefined) {
  const c = parseCertificate(der ?? new Uint8Array(0));
  if (!c.ok) throw new Error(c.error.message);
  return c.value;
}

t.before(async () => {
  root = tempDir('spire');
  server = await SpireServer.start(`${root}/server`, { trustDomain: TD });
  bundlePath = `${root}/bundle.pem`;
  host.files.writeAtomic(bundlePath, await server.bundlePem());
  // The workload identity of the router's agent: parent is the node alias of its join token.
  await server.createEntry(NODE_ID, WORKLOAD_ID, ['x0tta6bl4:agent']);
});

t.after(async () => {
  await server?.stop();
  if (root) removeTree(root);
});

t('attest with a join token: agent SVID, bundle and workload SVID, saved 0600', async () => {
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-a');
  try {
    const s = must(await agentAt(dir).attest(token), 'attest');
    assert.is(s.agentId, `${server.agentIdPrefix}${token}`);
    assert.is(s.reattestable, false);
    assert.ok(s.workload);
    assert.is(s.workload?.spiffeId, WORKLOAD_ID);
    const w = leaf(s.workload?.chain[0]);
    assert.ok(w.notAfterMs > host.clock.wallMs());
    assert.ok(s.bundle.length >= 1);
    assert.is((host.files.stat(statePathOf(dir))?.mode ?? 0) & 0o777, 0o600);
    // The server knows the agent now.
    assert.match(await server.listAgents(), s.agentId);
  } finally {
    removeTree(dir);
  }
});

t('a used token and an unknown token are refused with a clear error', async () => {
  const token = await server.joinToken(NODE_ID);
  const a = tempDir('spire-b');
  const b = tempDir('spire-c');
  try {
    must(await agentAt(a).attest(token), 'first attest');
    const again = await agentAt(b).attest(token);
    assert.not.ok(again.ok);
    assert.is(again.ok ? '' : again.error.kind, 'refused');
    assert.match(again.ok ? '' : again.error.message, /refused the join token/);
    const wrong = await agentAt(b).attest('00000000-0000-4000-8000-000000000000');
    assert.not.ok(wrong.ok);
    assert.is(wrong.ok ? '' : wrong.error.kind, 'refused');
    assert.match(wrong.ok ? '' : wrong.error.message, /refused the join token: .*(token|attest)/i);
    // Nothing was saved for the refused attempts.
    assert.is(host.files.stat(statePathOf(b)), null);
  } finally {
    removeTree(a);
    removeTree(b);
  }
});

t('renew: a new key and SVID for the same agent ID; a restarted agent reuses the saved identity', async () => {
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-d');
  try {
    const first = must(await agentAt(dir).attest(token), 'attest');
    // A new SpireAgent on the same directory is a restarted process: it loads what was saved.
    const restarted = agentAt(dir);
    const loaded = must(restarted.load(), 'load');
    assert.is(loaded?.agentId, first.agentId);
    const renewed = must(await restarted.renew(), 'renew');
    assert.is(renewed.agentId, first.agentId);
    assert.not.equal([...renewed.agentKey], [...first.agentKey]);
    assert.is.not(leaf(renewed.agentChain[0]).serial, leaf(first.agentChain[0]).serial);
    assert.is(renewed.workload?.spiffeId, WORKLOAD_ID);
    assert.is.not(leaf(renewed.workload?.chain[0]).serial, leaf(first.workload?.chain[0]).serial);
  } finally {
    removeTree(dir);
  }
});

t('server down: renewal fails as unreachable and keeps the saved SVID; after the restart it renews', async () => {
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-e');
  try {
    const first = must(await agentAt(dir).attest(token), 'attest');
    await server.stop();
    const down = await agentAt(dir).renew();
    assert.not.ok(down.ok);
    assert.is(down.ok ? '' : down.error.kind, 'unreachable');
    const kept = must(agentAt(dir).load(), 'load');
    assert.equal(kept?.agentChain.map((c) => c.length), first.agentChain.map((c) => c.length));
    assert.is(leaf(kept?.agentChain[0]).serial, leaf(first.agentChain[0]).serial);
    await server.run();
    const back = must(await agentAt(dir).renew(), 'renew after the server restart');
    assert.is(back.agentId, first.agentId);
  } finally {
    removeTree(dir);
  }
});

t('a server whose SVID does not chain to the bootstrap bundle is refused before attesting', async () => {
  const pki = await testPki();
  const other = `${root}/other-bundle.pem`;
  host.files.writeAtomic(other, pki.get('root').pem);
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-f');
  try {
    const r = await agentAt(dir, other).attest(token);
    assert.not.ok(r.ok);
    assert.is(r.ok ? '' : r.error.kind, 'server-identity');
    // The token was not spent: with the right bundle it still works.
    must(await agentAt(dir).attest(token), 'attest with the right bundle');
  } finally {
    removeTree(dir);
  }
});

t('CLI: identity attest, status --json, renew; a wrong token exits 1 with one line', async () => {
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-g');
  const spire = ['--spire-server', server.address, '--trust-domain', TD, '--bundle', bundlePath];
  const common = ['--state-dir', dir, ...spire];
  try {
    const attest = await host.processes.run([binary, 'identity', 'attest', '--join-token', token, ...common], { timeoutMs: 60_000 });
    assert.is(attest.status, 0, attest.stderr);
    assert.match(attest.stdout, `${server.agentIdPrefix}${token} until `);
    assert.match(attest.stdout, `${WORKLOAD_ID} until `);
    const status = await host.processes.run([binary, 'identity', 'status', '--json', '--state-dir', dir]);
    assert.is(status.status, 0, status.stderr);
    const report = JSON.parse(status.stdout);
    assert.is(report.agent_id, `${server.agentIdPrefix}${token}`);
    assert.is(report.agent_svid.valid, true);
    assert.is(report.workload_id, WORKLOAD_ID);
    assert.is(report.bundle.authorities >= 1, true);
    const renew = await host.processes.run([binary, 'identity', 'renew', ...common], { timeoutMs: 60_000 });
    assert.is(renew.status, 0, renew.stderr);
    const bad = await host.processes.run([binary, 'identity', 'attest', '--join-token', token, '--state-dir', `${dir}/again`, ...spire], { timeoutMs: 60_000 });
    assert.is(bad.status, 1);
    assert.match(bad.stderr, /^x0tta6bl4: identity attest: the SPIRE server refused the join token: .+\n$/);
  } finally {
    removeTree(dir);
  }
});

t('the agent daemon renews an attested identity (and says so)', async () => {
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-i');
  try {
    const s = must(await agentAt(dir).attest(token), 'attest');
    const r = await host.processes.run(
      ['timeout', '-s', 'TERM', '5', binary, 'agent', '--ubus', '0', '--http', 'off', '--syslog', '0', '--state-dir', dir,
        '--spire-server', server.address, '--trust-domain', TD, '--bundle', bundlePath],
      { timeoutMs: 20_000 },
    );
    assert.match(r.stderr, `identity: ${s.agentId}, renewing with ${server.address}`);
    assert.match(r.stderr, /SIGTERM: stopping/);
  } finally {
    removeTree(dir);
  }
});

t('mbedTLS 2.28 (TLS 1.2 only): attestation is refused with the reason; renewal over mTLS works', async () => {
  assert.ok(tls12Binary, 'X0_TLS12_BINARY: tests/run.mjs passes the default (mbedTLS 2.28) build');
  const token = await server.joinToken(NODE_ID);
  const dir = tempDir('spire-h');
  const common = ['--state-dir', dir, '--spire-server', server.address, '--trust-domain', TD, '--bundle', bundlePath];
  try {
    const refused = await host.processes.run([tls12Binary as string, 'identity', 'attest', '--join-token', token, ...common], { timeoutMs: 60_000 });
    assert.is(refused.status, 1);
    assert.match(refused.stderr, /attestation needs TLS 1\.3 .*mbedTLS 2\.28/);
    // Attested by a TLS 1.3 build, the TLS 1.2 build renews: mutual TLS 1.2 is fine.
    must(await agentAt(dir).attest(token), 'attest');
    const renew = await host.processes.run([tls12Binary as string, 'identity', 'renew', ...common], { timeoutMs: 60_000 });
    assert.is(renew.status, 0, renew.stderr);
    assert.match(renew.stdout, `${server.agentIdPrefix}${token} until `);
    assert.match(renew.stdout, `${WORKLOAD_ID} until `);
  } finally {
    removeTree(dir);
  }
});

t.run();
