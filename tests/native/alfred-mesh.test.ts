// Our alfred client against Debian's real alfred 2023.0: two primaries in two network
// namespaces joined by a veth pair (`-b none`: no batman-adv needed). A summary pushed
// through our client on one is read through our client on the other after alfred's
// sync; the second daemon's event stream reports it. Namespaces and daemons are
// removed even when the test fails.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AlfredClient } from '../../runtime/src/alfred/client.js';
import { readMeshSummaries } from '../../runtime/src/alfred/mesh-status.js';
import { encodeSummary, type NodeSummary } from '../../runtime/src/alfred/summary.js';
import { getHost } from '../../runtime/src/host/index.js';
import { removeTree, tempDir, waitFor } from '../support/tmp.js';

const t = suite('native: alfred client against the real alfred daemon');
const TYPE = 201;

async function sh(script: string, timeoutMs = 15_000): Promise<{ status: number | null; out: string }> {
  const r = await getHost().processes.run(['sh', '-c', script], { timeoutMs });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const sleep = (ms: number) => new Promise<void>((r) => getHost().timers.setTimeout(r, ms));

t('a summary pushed on one primary is read on the other, and its event arrives', async () => {
  const host = getHost();
  const which = await sh('command -v alfred');
  assert.is(which.status, 0, 'alfred is not installed (apt-get install -y alfred)');
  const dir = tempDir('alfred');
  const tag = `x0a${host.processes.pid % 100000}`;
  const [nsA, nsB] = [`${tag}a`, `${tag}b`];
  const pids: string[] = [];
  try {
    const setup = await sh(
      [
        'set -e',
        `ip netns add ${nsA}`,
        `ip netns add ${nsB}`,
        `ip link add ${tag}va type veth peer name ${tag}vb`,
        `ip link set ${tag}va netns ${nsA}`,
        `ip link set ${tag}vb netns ${nsB}`,
        // No duplicate-address detection: link-local addresses are usable at once.
        `ip netns exec ${nsA} sysctl -qw net.ipv6.conf.${tag}va.accept_dad=0`,
        `ip netns exec ${nsB} sysctl -qw net.ipv6.conf.${tag}vb.accept_dad=0`,
        `ip -n ${nsA} link set lo up`,
        `ip -n ${nsB} link set lo up`,
        `ip -n ${nsA} link set ${tag}va up`,
        `ip -n ${nsB} link set ${tag}vb up`,
      ].join('\n'),
    );
    assert.is(setup.status, 0, `namespaces: ${setup.out}`);
    for (const [ns, ifname, sock] of [
      [nsA, `${tag}va`, 'a.sock'],
      [nsB, `${tag}vb`, 'b.sock'],
    ] as const) {
      const r = await sh(`ip netns exec ${ns} alfred -i ${ifname} -b none -m -p 2 -u ${dir}/${sock} >${dir}/${sock}.log 2>&1 & echo $!`);
      assert.is(r.status, 0, r.out);
      pids.push(r.out.trim());
    }
    await waitFor(() => host.files.stat(`${dir}/a.sock`) !== null && host.files.stat(`${dir}/b.sock`) !== null, 5000, 'both alfred sockets');
    // alfred needs the interfaces' link-local addresses before it serves.
    await sleep(500);
    const a = new AlfredClient(host, { socketPath: `${dir}/a.sock`, timeoutMs: 5000 });
    const b = new AlfredClient(host, { socketPath: `${dir}/b.sock`, timeoutMs: 5000 });

    const notices: string[] = [];
    const sub = await b.events((n) => notices.push(`${n.type} ${n.source}`));
    assert.ok(sub.ok, sub.ok ? '' : sub.error);

    const summary: NodeSummary = {
      v: 1, name: 'node-a', agent: '0.1.0', batman: null, algo: null, mode: 'auto', health: 'ok',
      open: 0, kinds: [], neighbors: 1, originators: 1, gw: null, actions: 0, t: Math.floor(host.clock.wallMs() / 1000),
    };
    const bytes = encodeSummary(summary);
    assert.ok(bytes.ok);
    if (!bytes.ok) return;
    const pushed = await a.push(TYPE, bytes.value);
    assert.ok(pushed.ok, pushed.ok ? '' : pushed.error);

    // The local daemon answers at once, with its own interface MAC as source.
    let local = await readMeshSummaries(a, TYPE);
    for (let i = 0; i < 20 && (!local.ok || local.value.length === 0); i++) {
      await sleep(100);
      local = await readMeshSummaries(a, TYPE);
    }
    assert.ok(local.ok && local.value.length === 1, JSON.stringify(local));
    const source = local.ok ? local.value[0]?.source : '';
    assert.match(source ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.is.not(source, '00:00:00:00:00:00');

    // The other primary gets it with alfred's next sync (-p 2: every 2 s).
    const deadline = host.clock.monotonicMs() + 45_000;
    let remote: NodeSummary | null = null;
    while (remote === null && host.clock.monotonicMs() < deadline) {
      const r = await readMeshSummaries(b, TYPE);
      if (r.ok) remote = r.value.find((e) => e.source === source)?.summary ?? null;
      if (remote === null) await sleep(500);
    }
    assert.ok(remote, `summary did not reach the second alfred within 45 s: ${host.files.readText(`${dir}/b.sock.log`, 4096)}`);
    assert.equal(remote, summary);
    await waitFor(() => notices.includes(`${TYPE} ${source}`), 5000, 'the event notification');
    if (sub.ok) sub.value.close();
  } finally {
    for (const pid of pids) if (/^\d+$/.test(pid)) await sh(`kill ${pid}; sleep 0.2; kill -9 ${pid} 2>/dev/null; true`);
    await sh(`ip netns del ${nsA} 2>/dev/null; ip netns del ${nsB} 2>/dev/null; true`);
    removeTree(dir);
  }
});

t.run();
