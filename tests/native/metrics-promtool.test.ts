// /metrics as Prometheus' own linter sees it: `promtool check metrics` (Debian's
// prometheus package; scripts/setup.sh installs it) reads the exposition on stdin and
// prints every problem (format errors, naming lint) and exits non-zero. Two sources:
// a real agent process on a free loopback port, and the registry filled from a
// synthetic snapshot so that every family has samples (no batman-adv here).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost, type SocketAddress } from '../../runtime/src/host/index.js';
import { httpRequest } from '../../runtime/src/http/client.js';
import type { MeshSnapshot } from '../../runtime/src/mesh/snapshot.js';
import { createAgentMetrics } from '../../runtime/src/metrics/agent-metrics.js';
import { removeTree, tempDir } from '../support/tmp.js';

const t = suite('native: /metrics passes promtool check metrics');
const binary = getHost().getenv('X0_BINARY') ?? 'dist/x0tta6bl4';

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => getHost().timers.setTimeout(r, ms));
}

/** A loopback port nobody listens on right now (bound, read, released). */
async function freePort(): Promise<number> {
  const srv = await getHost().net.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, (s) => s.close(true));
  const a = srv.address;
  srv.close();
  return a.family === 'inet' ? a.port : 0;
}

async function promtool(dir: string, text: string): Promise<{ status: number | null; output: string }> {
  const host = getHost();
  const file = `${dir}/metrics.txt`;
  host.files.writeAtomic(file, text);
  const r = await host.processes.run(['sh', '-c', `promtool check metrics < ${q(file)}`], { timeoutMs: 20000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function alive(pid: number): Promise<boolean> {
  return (await getHost().processes.run(['sh', '-c', `kill -0 ${pid} 2>/dev/null`])).status === 0;
}

t('promtool is installed (scripts/setup.sh)', async () => {
  const r = await getHost().processes.run(['sh', '-c', 'command -v promtool']);
  assert.is(r.status, 0, 'promtool not found: install Debian package prometheus (scripts/setup.sh)');
});

t('a running agent: GET /metrics, promtool check metrics exits 0 and prints nothing', async () => {
  const host = getHost();
  const dir = tempDir('promtool');
  const port = await freePort();
  const address: SocketAddress = { family: 'inet', host: '127.0.0.1', port };
  let pid = 0;
  try {
    const start = await host.processes.run([
      'sh',
      '-c',
      `${q(binary)} agent --http 127.0.0.1:${port} --state-dir ${q(`${dir}/state`)} --config /dev/null --syslog 0 --ubus 0 --cycle-ms 200 </dev/null >${q(`${dir}/agent.log`)} 2>&1 & echo $!`,
    ]);
    assert.is(start.status, 0, start.stderr);
    pid = Number(start.stdout.trim());
    assert.ok(pid > 0, start.stdout);
    // Wait for the listener (and a couple of loop cycles, so the histogram has counts).
    let metrics = '';
    const until = host.clock.monotonicMs() + 10000;
    for (;;) {
      const r = await httpRequest(address, 'GET', '/metrics', undefined, 2000);
      if (r.ok && r.value.status === 200 && /x0tta6bl4_loop_cycles_total [1-9]/.test(r.value.body)) {
        metrics = r.value.body;
        break;
      }
      if (host.clock.monotonicMs() > until) assert.unreachable(`no /metrics from the agent: ${r.ok ? r.value.status : r.error}\n${host.files.readText(`${dir}/agent.log`)}`);
      await sleep(100);
    }
    assert.match(metrics, /^# HELP x0tta6bl4_build_info /);
    const check = await promtool(dir, metrics);
    assert.is(check.output, '', check.output);
    assert.is(check.status, 0);
    // Stop it the way init does; it must go away on its own.
    await host.processes.run(['kill', '-TERM', String(pid)]);
    const stopBy = host.clock.monotonicMs() + 5000;
    while ((await alive(pid)) && host.clock.monotonicMs() < stopBy) await sleep(50);
    assert.not.ok(await alive(pid), 'the agent is still running 5 s after SIGTERM');
    assert.match(host.files.readText(`${dir}/agent.log`) ?? '', /notice stopped after \d+ cycles/);
    pid = 0;
  } finally {
    if (pid > 0) await host.processes.run(['kill', '-KILL', String(pid)]);
    removeTree(dir);
  }
});

t('every family with samples (synthetic snapshot): promtool check metrics exits 0 and prints nothing', async () => {
  const host = getHost();
  const dir = tempDir('promtool-full');
  const stats = { rxBytes: 1e9, txBytes: 2e9, rxErrors: 1, txErrors: 2, rxDropped: 3, txDropped: 4 };
  const snap = {
    meshIfname: 'bat0',
    state: 'up',
    reason: null,
    takenAtMs: 0,
    durationMs: 1,
    mesh: null,
    hardInterfaces: [{ ifindex: 3, ifname: 'eth1', active: true }],
    neighbors: [
      { neighbor: '02:00:00:00:00:02', ifindex: 3, ifname: 'eth1', lastSeenMs: 120, throughputKbit: 54000 },
      { neighbor: '02:00:00:00:00:03', ifindex: 3, ifname: 'eth1', lastSeenMs: 4000, throughputKbit: null },
    ],
    originators: [],
    bestRoutes: [
      { originator: '02:00:00:00:00:02', neighbor: '02:00:00:00:00:02', tq: 255, throughputKbit: 54000 },
      { originator: '02:00:00:00:00:04', neighbor: '02:00:00:00:00:02', tq: 180, throughputKbit: 20000 },
    ],
    gateways: [{ originator: '02:00:00:00:00:04', best: true }],
    links: [
      { name: 'bat0', operstate: 'unknown', running: true, stats },
      { name: 'eth1', operstate: 'up', running: true, stats },
    ],
  } as unknown as MeshSnapshot;
  const loop = { isRunning: true, stats: { cycles: 3, phaseErrors: 1 } };
  const m = createAgentMetrics({ host, version: '0.0.0-test', startedMs: host.clock.monotonicMs(), loop, snapshot: async () => snap, mode: () => 'auto' });
  m.observeCycle(1.5);
  m.observeCycle(40);
  m.countIncident('neighbor-lost');
  m.countAction('restart-interface', 'ok');
  try {
    const text = await m.registry.render();
    for (const name of ['batadv_neighbor_throughput', 'batadv_originator_tq', 'batadv_gateway_selected', 'link_receive_bytes_total', 'incidents_total', 'mode{'])
      assert.ok(text.includes(`x0tta6bl4_${name}`), `${name} missing`);
    const check = await promtool(dir, text);
    assert.is(check.output, '', check.output);
    assert.is(check.status, 0);
  } finally {
    removeTree(dir);
  }
});

t.run();
