/**
 * The renewer against a real spire-server whose agent SVIDs live 30 s: it renews at
 * about half the lifetime; with the server stopped it keeps the SVID and retries with
 * back-off, and renews once the server is back, before the SVID expires.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { leafValidity, SpireAgent } from '../../runtime/src/spire/agent.js';
import { grpcDial } from '../../runtime/src/spire/channel.js';
import { IdentityRenewer } from '../../runtime/src/spire/renewer.js';
import { SpireServer } from '../support/spire-server.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('spire: renewal loop against spire-server');
const host = getHost();
const TD = 'lab.x0tta6bl4';

/** Poll `cond` every 200 ms (it reads the state file) until it holds, or fail after `ms`. */
async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = host.clock.monotonicMs() + ms;
  while (!cond()) {
    if (host.clock.monotonicMs() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => host.timers.setTimeout(r, 200));
  }
}

t('renews at half life, keeps the SVID while the server is down, renews when it is back', async () => {
  const root = tempDir('spire-renewer');
  const server = await SpireServer.start(`${root}/server`, { trustDomain: TD, agentTtl: '30s', svidTtl: '30s' });
  try {
    const bundlePath = `${root}/bundle.pem`;
    host.files.writeAtomic(bundlePath, await server.bundlePem());
    await server.createEntry(`spiffe://${TD}/router/rn`, `spiffe://${TD}/x0tta6bl4/rn`, ['x0tta6bl4:agent']);
    const crypto = host.crypto;
    if (!crypto) throw new Error('no host.crypto');
    const agent = new SpireAgent(host, crypto, grpcDial, { server: server.address, trustDomain: TD, bundlePath, stateDir: `${root}/state` });
    const first = await agent.attest(await server.joinToken(`spiffe://${TD}/router/rn`));
    if (!first.ok) throw new Error(first.error.message);
    const v1 = leafValidity(first.value.agentChain);
    assert.ok(v1);
    const notAfter1 = v1?.notAfterMs ?? 0;
    const notAfterOf = () => {
      const s = agent.load();
      return s.ok && s.value ? leafValidity(s.value.agentChain)?.notAfterMs ?? 0 : 0;
    };
    const renewer = new IdentityRenewer(host, agent);
    renewer.start();
    try {
      // Due at half of the 30 s lifetime ± 3 s, counted from notBefore.
      const due = renewer.nextAttemptMs - host.clock.wallMs();
      assert.ok(due > 0 && due < 20_000, `next renewal in ${due} ms`);
      await waitFor(() => notAfterOf() > notAfter1, 30_000, 'the first renewal');
      assert.is(renewer.lastError, null);
      const notAfter2 = notAfterOf();
      // Server down: renewals fail, the saved SVID stays.
      await server.stop();
      await waitFor(() => renewer.lastError !== null, 30_000, 'a failed renewal');
      assert.match(renewer.lastError ?? '', /127\.0\.0\.1/);
      assert.is(notAfterOf(), notAfter2);
      // Back before the SVID expires: the renewer's retry succeeds.
      await server.run();
      await waitFor(() => notAfterOf() > notAfter2, 30_000, 'a renewal after the server came back');
      assert.ok(host.clock.wallMs() < notAfter2, 'renewed before the old SVID expired');
    } finally {
      renewer.stop();
    }
  } finally {
    await server.stop();
    removeTree(root);
  }
});

t.run();
