// Runs inside a lab node's namespace under our own binary: `dist/x0tta6bl4 run
// dist/lab/compare-client.js MODE ...` (bundled by tests/lab/tests.ts with esbuild, the
// quickjs options of esbuild.config.mjs). Prints one JSON line on stdout.
//   tunables MESHIF HARDIF MESH_CHANGES_JSON HARDIF_CHANGES_JSON
//     sets them over a real netlink socket (runtime/src/mesh/tunables.ts: a
//     MeshTunableChanges and a HardifTunableChanges object)
//   bench MESHIF N
//     N × takeSnapshot, then N × (batctl o -H; batctl n -H; batctl gwl -H) as subprocesses
//   decodecheck MESHIF
//     dumps mesh, hard interfaces, originators, neighbours, gateways, translation tables
//     and links from the real kernel and decodes every message with the native decoder
//     and with the TypeScript reference: they must agree
import { getHost, installHost } from '../../runtime/src/host/index.js';
import { createQuickjsHost } from '../../runtime/src/host/quickjs/index.js';
import { Batadv } from '../../runtime/src/mesh/batadv.js';
import { takeSnapshot } from '../../runtime/src/mesh/snapshot.js';
import { getMeshInfo } from '../../runtime/src/mesh/mesh-info.js';
import { listHardInterfaces } from '../../runtime/src/mesh/hardifs.js';
import { listNeighbors } from '../../runtime/src/mesh/neighbors.js';
import { listOriginators } from '../../runtime/src/mesh/originators.js';
import { listGateways } from '../../runtime/src/mesh/gateways.js';
import { type HardifTunableChanges, type MeshTunableChanges, setHardifTunables, setMeshTunables } from '../../runtime/src/mesh/tunables.js';
import { openGenl, openRtnl } from '../../runtime/src/netlink/open.js';
import { BATADV_CMD } from '../../runtime/src/mesh/constants.js';
import { BATADV_POLICY } from '../../runtime/src/mesh/policy.js';
import { GENL_HDRLEN, NLMSG_DONE } from '../../runtime/src/netlink/constants.js';
import { decodeWithPolicy, decodeWithPolicyInScript } from '../../runtime/src/netlink/policy.js';
import { LINK_POLICY, linkDumpRequest } from '../../runtime/src/netlink/rtnl-link.js';
import type { NetlinkMessage } from '../../runtime/src/netlink/message.js';

installHost(createQuickjsHost());
const host = getHost();
const args = ((globalThis as Record<string, unknown>).scriptArgs as string[]).slice(1);

function out(v: unknown): void {
  host.stdout.write(`${JSON.stringify(v)}\n`);
}

function stats(ms: number[]): { n: number; meanMs: number; medianMs: number; minMs: number; maxMs: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, meanMs: r3(s.reduce((a, b) => a + b, 0) / s.length), medianMs: r3(s[Math.floor(s.length / 2)] ?? 0), minMs: r3(s[0] ?? 0), maxMs: r3(s.at(-1) ?? 0) };
}

async function main(): Promise<number> {
  const [mode, meshIfname = 'bat0'] = args;
  const genl = openGenl();
  const rtnl = openRtnl();
  if (!genl.ok || !rtnl.ok) {
    out({ error: 'netlink', detail: genl.ok ? (rtnl.ok ? '' : rtnl.error.message) : genl.error.message });
    return 1;
  }
  try {
    if (mode === 'tunables') {
      const [, , hardifName = 'mesh0', meshJson = '{}', hardJson = '{}'] = args;
      const mesh = await rtnl.value.link(meshIfname);
      const hard = await rtnl.value.link(hardifName);
      if (!mesh.ok || !hard.ok) {
        out({ error: 'link', detail: mesh.ok ? (hard.ok ? '' : hard.error.message) : mesh.error.message });
        return 1;
      }
      const b = await Batadv.open(genl.value, mesh.value.index);
      if (!b.ok) {
        out({ error: 'batadv', detail: b.error.message });
        return 1;
      }
      const m = await setMeshTunables(b.value, JSON.parse(meshJson) as MeshTunableChanges);
      const h = await setHardifTunables(b.value, hard.value.index, JSON.parse(hardJson) as HardifTunableChanges);
      out({ mesh: m.ok ? 'ok' : m.error.message, hardif: h.ok ? 'ok' : h.error.message });
      return m.ok && h.ok ? 0 : 1;
    }
    if (mode === 'decodecheck') {
      const mesh = await rtnl.value.link(meshIfname);
      if (!mesh.ok) {
        out({ error: 'link', detail: mesh.error.message });
        return 1;
      }
      const b = await Batadv.open(genl.value, mesh.value.index);
      if (!b.ok) {
        out({ error: 'batadv', detail: b.error.message });
        return 1;
      }
      const sorted = (r: ReturnType<typeof decodeWithPolicy>) => (r.ok ? JSON.stringify(Object.fromEntries(Object.entries(r.value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))) : `error ${r.error.message}`);
      const hex = (m: NetlinkMessage) => [...m.payload].map((x) => x.toString(16).padStart(2, '0')).join('');
      let messages = 0;
      const mismatches: string[] = [];
      const check = (m: NetlinkMessage, policy: typeof BATADV_POLICY | typeof LINK_POLICY, start: number, what: string) => {
        if (m.type === NLMSG_DONE) return;
        messages++;
        const native = sorted(decodeWithPolicy(m.payload, policy, what, start));
        const script = sorted(decodeWithPolicyInScript(m.payload, policy, what, start));
        if (native !== script && mismatches.length < 3) mismatches.push(`${what}: native ${native} script ${script} payload ${hex(m)}`);
      };
      const cmds = [BATADV_CMD.GET_MESH, BATADV_CMD.GET_HARDIF, BATADV_CMD.GET_ORIGINATORS, BATADV_CMD.GET_NEIGHBORS, BATADV_CMD.GET_GATEWAYS, BATADV_CMD.GET_TRANSTABLE_LOCAL, BATADV_CMD.GET_TRANSTABLE_GLOBAL];
      for (const cmd of cmds) {
        const bytes = b.value.build(cmd);
        const r = cmd === BATADV_CMD.GET_MESH ? await genl.value.client.request(bytes) : await genl.value.client.dump(bytes);
        if (!r.ok) {
          // GET_HARDIF is a doit per interface; a dump of it is refused on some kernels.
          if (cmd === BATADV_CMD.GET_HARDIF) continue;
          out({ error: `batadv command ${cmd}`, detail: r.error.message });
          return 1;
        }
        for (const m of r.value) check(m, BATADV_POLICY, GENL_HDRLEN, `batadv command ${cmd}`);
      }
      const links = await rtnl.value.client.dump(linkDumpRequest());
      if (!links.ok) {
        out({ error: 'links', detail: links.error.message });
        return 1;
      }
      for (const m of links.value) check(m, LINK_POLICY, 16, 'link');
      out({ engine: host.engine, native: host.nlattr !== undefined, messages, mismatches });
      return mismatches.length === 0 && host.nlattr !== undefined ? 0 : 1;
    }
    if (mode === 'bench') {
      const n = Number(args[2] ?? 50);
      const snap: number[] = [];
      const inner: number[] = [];
      let counts = { originators: 0, neighbors: 0, gateways: 0 };
      for (let i = 0; i < n; i++) {
        const t0 = host.clock.monotonicMs();
        const r = await takeSnapshot(meshIfname, { rtnl: rtnl.value, genl: genl.value, clock: host.clock });
        snap.push(host.clock.monotonicMs() - t0);
        if (!r.ok || r.value.state !== 'up') {
          out({ error: 'snapshot', detail: r.ok ? `${r.value.state}: ${r.value.reason}` : r.error.message });
          return 1;
        }
        inner.push(r.value.durationMs);
        counts = { originators: r.value.originators.length, neighbors: r.value.neighbors.length, gateways: r.value.gateways.length };
      }
      const batctl: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = host.clock.monotonicMs();
        for (const t of ['o', 'n', 'gwl']) {
          const r = await host.processes.run(['batctl', 'meshif', meshIfname, t, '-H'], { timeoutMs: 10_000 });
          if (r.status !== 0) {
            out({ error: 'batctl', detail: `${t}: ${r.status} ${r.stderr}` });
            return 1;
          }
        }
        batctl.push(host.clock.monotonicMs() - t0);
      }
      // Where a snapshot's time goes: each step alone, and the two big dumps without decoding.
      const mesh = await rtnl.value.link(meshIfname);
      const b = mesh.ok ? await Batadv.open(genl.value, mesh.value.index) : null;
      if (!b?.ok) {
        out({ error: 'profile', detail: 'no batadv' });
        return 1;
      }
      const steps: Record<string, () => Promise<unknown>> = {
        links: () => rtnl.value.links(),
        linksUndecoded: () => rtnl.value.client.dump(linkDumpRequest()),
        meshInfo: () => getMeshInfo(b.value),
        hardifs: () => listHardInterfaces(b.value),
        neighbors: () => listNeighbors(b.value),
        originators: () => listOriginators(b.value),
        originatorsUndecoded: () => genl.value.client.dump(b.value.build(BATADV_CMD.GET_ORIGINATORS)),
        gateways: () => listGateways(b.value),
      };
      const profile: Record<string, number> = {};
      for (const [name, step] of Object.entries(steps)) {
        const ms: number[] = [];
        for (let i = 0; i < n; i++) {
          const t0 = host.clock.monotonicMs();
          await step();
          ms.push(host.clock.monotonicMs() - t0);
        }
        profile[name] = stats(ms).medianMs;
      }
      out({ engine: host.engine, counts, snapshot: stats(snap), snapshotInner: stats(inner), batctl3: stats(batctl), profileMedianMs: profile });
      return 0;
    }
    out({ error: `unknown mode ${mode}` });
    return 2;
  } finally {
    genl.value.client.close();
    rtnl.value.client.close();
  }
}

main().then(
  (c) => host.exit(c),
  (e) => {
    out({ error: 'crash', detail: String(e) });
    host.exit(1);
  },
);
