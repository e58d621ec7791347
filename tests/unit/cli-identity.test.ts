/**
 * `x0tta6bl4 identity` without a server: the command line, the settings it reads, and
 * what status says with no identity or a saved one (the saved state is made here from
 * the openssl test PKI; tests/spire/ runs the command against a real SPIRE server).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../runtime/src/cli/main.js';
import { getHost, type Host } from '../../runtime/src/host/index.js';
import { saveState } from '../../runtime/src/spire/state.js';
import { testPki } from '../support/identity-pki.js';
import { removeTree, tempDir } from '../support/tmp.js';

function capture(): { host: Host; out: () => string; err: () => string } {
  const base = getHost();
  let out = '';
  let err = '';
  const host: Host = { ...base, stdout: { write: (s) => void (out += s) }, stderr: { write: (s) => void (err += s) } };
  return { host, out: () => out, err: () => err };
}

const t = suite('cli: identity');

t('attest without --join-token and an unknown sub-command are usage errors (exit 2)', async () => {
  for (const argv of [['identity', 'attest'], ['identity', 'frob'], ['identity', 'status', 'extra']]) {
    const c = capture();
    assert.is(await runCli(c.host, argv), 2, argv.join(' '));
    assert.match(c.err(), /^x0tta6bl4: /);
  }
});

t('bad --spire-server and --trust-domain values are refused with the setting named', async () => {
  const bad: [string[], RegExp][] = [
    [['--spire-server', 'spire.example:8081'], /--spire-server: 'spire\.example:8081' is not ADDR:PORT/],
    [['--trust-domain', 'Lab.Example'], /--trust-domain: 'Lab\.Example' is not a trust domain/],
  ];
  for (const [opts, want] of bad) {
    const c = capture();
    assert.is.not(await runCli(c.host, ['identity', 'status', ...opts]), 0);
    assert.match(c.err(), want);
  }
});

t('status without a saved identity says how to attest and exits 1; --json says attested: false', async () => {
  const dir = tempDir('cli-identity');
  try {
    const c = capture();
    assert.is(await runCli(c.host, ['identity', 'status', '--state-dir', dir]), 1);
    assert.match(c.out(), /^not attested .*identity attest --join-token TOKEN\n$/);
    const j = capture();
    assert.is(await runCli(j.host, ['identity', 'status', '--json', '--state-dir', dir]), 1);
    const report = JSON.parse(j.out());
    assert.is(report.attested, false);
    assert.is(report.state_file, `${dir}/identity/identity.json`);
  } finally {
    removeTree(dir);
  }
});

t('status of a saved identity: IDs, validity against the clock, the bundle; never the keys', async () => {
  const pki = await testPki();
  const dir = tempDir('cli-identity-saved');
  const host = getHost();
  try {
    const leaf = pki.get('direct');
    const secret = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x42]);
    saveState(host.files, dir, {
      trustDomain: 'example.org',
      server: '192.0.2.1:8081',
      agentId: leaf.cert.extensions.subjectAltName?.names.find((n) => n.type === 'uri')?.value ?? '',
      agentKey: secret,
      agentChain: [leaf.der],
      bundle: [pki.get('root').der],
      reattestable: false,
      workload: null,
      attestedAtMs: leaf.cert.notBeforeMs,
      renewedAtMs: leaf.cert.notBeforeMs,
    });
    const c = capture();
    const code = await runCli(c.host, ['identity', 'status', '--json', '--state-dir', dir]);
    const r = JSON.parse(c.out());
    assert.is(r.attested, true);
    assert.is(r.trust_domain, 'example.org');
    assert.is(r.bundle.authorities, 1);
    const now = host.clock.wallMs();
    const valid = now >= leaf.cert.notBeforeMs && now < leaf.cert.notAfterMs;
    assert.is(r.agent_svid.valid, valid);
    assert.is(code, valid ? 0 : 1);
    assert.is(r.agent_svid.not_after, new Date(leaf.cert.notAfterMs).toISOString().replace('.000Z', 'Z'));
    // Neither output form carries key bytes (base64 of the key, or its hex).
    const t2 = capture();
    await runCli(t2.host, ['identity', 'status', '--state-dir', dir]);
    for (const text of [c.out(), t2.out()]) {
      assert.not.match(text, '3q2+70I=');
      assert.not.match(text, 'deadbeef');
    }
    assert.match(t2.out(), /^agent id {4}spiffe:\/\//);
  } finally {
    removeTree(dir);
  }
});

t.run();
