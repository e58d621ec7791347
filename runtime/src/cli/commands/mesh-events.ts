/**
 * `x0tta6bl4 mesh events [--json] [--count N] [--timeout S]`: what batman-adv pushes,
 * as it happens: configuration changes by anyone (the batadv "config" multicast group:
 * mesh and hard-interface tunables) and gateway selection changes (the kernel uevents
 * BATTYPE=gw on the mesh interface: add, change, del). One line (or JSON object) per
 * event. Ends after N events (exit 0), or after S seconds (exit 0 without --count,
 * 1 when fewer than N events came).
 */
import type { Host } from '../../host/types.js';
import { Batadv } from '../../mesh/batadv.js';
import { type ConfigEvent, decodeGatewayUevent, type GatewayUevent, watchConfig } from '../../mesh/events.js';
import type { MeshTunables } from '../../mesh/mesh-info.js';
import { openGenl, openRtnl, openUevents } from '../../netlink/open.js';
import { EXIT_FAILURE, EXIT_OK } from '../context.js';

export interface MeshEventsOptions {
  meshIfname: string;
  json: boolean;
  /** Stop after this many events (0: no limit). */
  count: number;
  /** Stop after this many seconds (0: no limit). */
  timeoutS: number;
}

export type MeshEvent = ({ kind: 'gateway' } & GatewayUevent) | ConfigEvent;

/** batctl's names for the tunables, in a stable order. */
const TUNABLE_NAMES: [keyof MeshTunables, string][] = [
  ['aggregatedOgms', 'aggregation'], ['apIsolation', 'ap_isolation'], ['bonding', 'bonding'],
  ['bridgeLoopAvoidance', 'bridge_loop_avoidance'], ['distributedArpTable', 'distributed_arp_table'],
  ['fragmentation', 'fragmentation'], ['gwMode', 'gw_mode'], ['gwBandwidthDownKbit', 'gw_bandwidth_down_kbit'],
  ['gwBandwidthUpKbit', 'gw_bandwidth_up_kbit'], ['gwSelClass', 'gw_sel_class'], ['hopPenalty', 'hop_penalty'],
  ['multicastForceflood', 'multicast_forceflood'], ['networkCoding', 'network_coding'], ['origIntervalMs', 'orig_interval'],
];

/** One human line for an event (without the time stamp). */
export function describeMeshEvent(meshIfname: string, ev: MeshEvent): string {
  switch (ev.kind) {
    case 'gateway':
      return ev.action === 'del' ? `gateway del: no gateway selected (${ev.meshIfname})` : `gateway ${ev.action}: ${ev.gateway ?? '?'} selected (${ev.meshIfname})`;
    case 'mesh': {
      const parts = TUNABLE_NAMES.filter(([k]) => ev.tunables[k] !== undefined).map(([k, name]) => `${name} ${String(ev.tunables[k])}`);
      return `mesh ${meshIfname}: ${parts.join(', ')}`;
    }
    case 'hardif': {
      const h = ev.hardif;
      const parts = [h.active ? 'active' : 'inactive'];
      if (h.hopPenalty !== null) parts.push(`hop_penalty ${h.hopPenalty}`);
      if (h.elpIntervalMs !== null) parts.push(`elp_interval ${h.elpIntervalMs}`);
      if (h.throughputOverrideKbit !== null) parts.push(`throughput_override ${h.throughputOverrideKbit}`);
      return `hardif ${h.ifname || h.ifindex}: ${parts.join(', ')}`;
    }
    case 'vlan':
      return `vlan ${ev.vlanId} on ${meshIfname}: ap_isolation ${ev.apIsolation === null ? '-' : ev.apIsolation}`;
  }
}

function clockText(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export async function runMeshEvents(host: Host, opts: MeshEventsOptions): Promise<number> {
  const failLine = (message: string) => {
    host.stderr.write(`x0tta6bl4 mesh events: ${message}\n`);
    return EXIT_FAILURE;
  };
  const genl = openGenl();
  if (!genl.ok) return failLine(genl.error.message);
  const rtnl = openRtnl();
  if (!rtnl.ok) {
    genl.value.client.close();
    return failLine(rtnl.error.message);
  }
  const closers: (() => void)[] = [() => genl.value.client.close(), () => rtnl.value.client.close()];
  try {
    const family = await genl.value.resolve('batadv');
    if (!family.ok) return failLine(family.error.kind === 'unsupported' ? 'batman-adv is not available on this machine (kernel module not loaded)' : family.error.message);
    const mesh = await rtnl.value.link(opts.meshIfname);
    if (!mesh.ok) return failLine(mesh.error.code === 'ENODEV' ? `mesh interface ${opts.meshIfname} does not exist` : mesh.error.message);
    const batadv = new Batadv(genl.value, family.value, mesh.value.index);

    let seen = 0;
    let finish: (code: number) => void = () => {};
    const done = new Promise<number>((resolve) => {
      finish = resolve;
    });
    const emit = (ev: MeshEvent) => {
      const now = host.clock.wallMs();
      host.stdout.write(opts.json ? `${JSON.stringify({ timeMs: now, ...ev })}\n` : `${clockText(now)} ${describeMeshEvent(opts.meshIfname, ev)}\n`);
      seen++;
      if (opts.count > 0 && seen >= opts.count) finish(EXIT_OK);
    };
    const warn = (message: string) => host.stderr.write(`x0tta6bl4 mesh events: ${message}\n`);

    const watched = await watchConfig(batadv, emit, warn);
    if (!watched.ok) return failLine(`cannot join the batadv config group: ${watched.error.message}`);
    const uevents = openUevents((u) => {
      const gw = decodeGatewayUevent(u);
      if (gw && gw.meshIfname === opts.meshIfname) emit({ kind: 'gateway', ...gw });
    }, warn);
    // Without uevents (no permission, a kernel without them) config events still work.
    if (uevents.ok) closers.push(() => uevents.value.close());
    else warn(`${uevents.error.message}; gateway changes will not be shown`);

    if (opts.timeoutS > 0) {
      const timer = host.timers.setTimeout(() => {
        if (opts.count > 0) {
          warn(`${seen} of ${opts.count} events in ${opts.timeoutS} s`);
          finish(EXIT_FAILURE);
        } else finish(EXIT_OK);
      }, opts.timeoutS * 1000);
      closers.push(() => host.timers.clear(timer));
    }
    return await done;
  } finally {
    for (const close of closers) close();
  }
}
