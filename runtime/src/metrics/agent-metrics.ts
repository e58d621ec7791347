/**
 * The agent's metric families (all `x0tta6bl4_`, units in the names): batman-adv from
 * the latest mesh snapshot (per neighbour throughput and last seen, per originator TQ /
 * throughput, originator count, per hard interface state, selected gateway), link
 * counters, the loop (cycle duration histogram, incidents and actions by kind and
 * outcome, mode) and the process (RSS, CPU, uptime). Snapshot-derived gauges are rebuilt
 * at every scrape so vanished neighbours disappear.
 */
import type { AgentMode } from '../api/types.js';
import { AGENT_MODES } from '../api/types.js';
import type { Host } from '../host/index.js';
import type { ProbeLink } from '../linkprobe/prober.js';
import type { MeshSnapshot } from '../mesh/snapshot.js';
import { type Counter, type Histogram, Registry } from './registry.js';

export interface AgentMetricsDeps {
  host: Host;
  version: string;
  startedMs: number;
  loop: { readonly isRunning: boolean; readonly stats: { cycles: number; phaseErrors: number; earlyCycles?: number } };
  snapshot?: () => Promise<MeshSnapshot | null>;
  mode?: () => AgentMode;
  /** The link probes' view of each link (runtime/src/linkprobe/). */
  probes?: () => ReadonlyMap<string, ProbeLink>;
  /** The mesh peer channel's connection counts, while it listens (runtime/src/peer/server.ts). */
  peer?: () => { accepted: number; refused: number; handshakeFailures: number } | null;
}

export interface AgentMetrics {
  registry: Registry;
  /** The loop calls these (cycle end, incident opened, action finished). */
  observeCycle(ms: number): void;
  countIncident(kind: string): void;
  countAction(kind: string, outcome: string): void;
}

export const CYCLE_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createAgentMetrics(d: AgentMetricsDeps): AgentMetrics {
  const r = new Registry();
  const info = r.gauge('x0tta6bl4_build_info', 'Constant 1, labelled with the agent version and engine.', ['version', 'engine']);
  const up = r.gauge('x0tta6bl4_loop_running', '1 when the main loop is running.');
  const cycles = r.counter('x0tta6bl4_loop_cycles_total', 'Main loop cycles completed since start.');
  const phaseErrors = r.counter('x0tta6bl4_loop_phase_errors_total', 'Loop phases that failed since start.');
  const earlyCycles = r.counter('x0tta6bl4_loop_early_cycles_total', 'Cycles started before the regular interval: to judge a link about to pass a threshold (the neighbor-lost threshold, or the anomaly model out-of-range test), or woken by a mesh interface whose carrier changed.');
  const cycleHist: Histogram = r.histogram('x0tta6bl4_loop_cycle_duration_seconds', 'Duration of one main loop cycle.', CYCLE_BUCKETS_S);
  const incidents: Counter = r.counter('x0tta6bl4_incidents_total', 'Incidents opened, by kind.', ['kind']);
  const actions: Counter = r.counter('x0tta6bl4_actions_total', 'Remediation actions, by kind and outcome.', ['kind', 'outcome']);
  const mode = r.gauge('x0tta6bl4_mode', '1 for the current healing mode.', ['mode']);
  const rss = r.gauge('x0tta6bl4_process_resident_memory_bytes', 'Resident set size of the agent.');
  const cpu = r.counter('x0tta6bl4_process_cpu_seconds_total', 'User plus system CPU time used by the agent.');
  const uptime = r.gauge('x0tta6bl4_process_uptime_seconds', 'Seconds since the agent started.');
  const meshUp = r.gauge('x0tta6bl4_batadv_mesh_up', '1 when the batman-adv mesh interface exists and has an active primary interface.', ['mesh']);
  const neighThr = r.gauge('x0tta6bl4_batadv_neighbor_throughput_kbits', 'BATMAN_V link throughput estimate per neighbour (kbit/s).', ['mesh', 'neighbor', 'ifname']);
  const neighSeen = r.gauge('x0tta6bl4_batadv_neighbor_last_seen_seconds', 'Seconds since the neighbour was last heard.', ['mesh', 'neighbor', 'ifname']);
  const origCount = r.gauge('x0tta6bl4_batadv_originators', 'Originators with a best route.', ['mesh']);
  const origTq = r.gauge('x0tta6bl4_batadv_originator_tq', 'BATMAN_IV transmit quality of the best route (0..255).', ['mesh', 'originator', 'next_hop']);
  const origThr = r.gauge('x0tta6bl4_batadv_originator_throughput_kbits', 'BATMAN_V path throughput of the best route (kbit/s).', ['mesh', 'originator', 'next_hop']);
  const hardif = r.gauge('x0tta6bl4_batadv_hardif_active', '1 when batman-adv uses the hard interface.', ['mesh', 'ifname']);
  const gw = r.gauge('x0tta6bl4_batadv_gateway_selected', '1 for the gateway this node selected.', ['mesh', 'originator']);
  const linkUp = r.gauge('x0tta6bl4_link_up', '1 when the interface is operationally up.', ['ifname']);
  const rxBytes = r.counter('x0tta6bl4_link_receive_bytes_total', 'Bytes received (kernel counter).', ['ifname']);
  const txBytes = r.counter('x0tta6bl4_link_transmit_bytes_total', 'Bytes sent (kernel counter).', ['ifname']);
  const rxErr = r.counter('x0tta6bl4_link_receive_errors_total', 'Receive errors (kernel counter).', ['ifname']);
  const txErr = r.counter('x0tta6bl4_link_transmit_errors_total', 'Transmit errors (kernel counter).', ['ifname']);
  const rxDrop = r.counter('x0tta6bl4_link_receive_dropped_total', 'Received packets dropped (kernel counter).', ['ifname']);
  const txDrop = r.counter('x0tta6bl4_link_transmit_dropped_total', 'Packets dropped on send (kernel counter).', ['ifname']);
  const probeLoss = r.gauge('x0tta6bl4_link_probe_loss_ratio', "Share of the neighbour's link probes lost in the latest judged window (0..1).", ['ifname', 'neighbor']);
  const probeNormal = r.gauge('x0tta6bl4_link_probe_normal_loss_ratio', "The link's own normal probe loss, learned from its windows that were not lossy (0..1).", ['ifname', 'neighbor']);
  const probeLossy = r.gauge('x0tta6bl4_link_probe_lossy', '1 while the link is in a loss episode (its latest judged window was significantly lossier than normal).', ['ifname', 'neighbor']);
  const probeDelay = r.gauge('x0tta6bl4_link_probe_delay_seconds', "How much later than the link's fastest delivery the neighbour's probes arrived over the last 2 s (one-way, no synchronised clocks needed); absent while not measured.", ['ifname', 'neighbor']);
  const peerConns = r.counter('x0tta6bl4_peer_connections_total', 'Peer-channel connections since the listener started: accepted, refused (SVID or policy), handshake_failed (TLS).', ['result']);
  const perScrape = [probeLoss, probeNormal, probeLossy, probeDelay, neighThr, neighSeen, origCount, origTq, origThr, hardif, gw, linkUp, rxBytes, txBytes, rxErr, txErr, rxDrop, txDrop, meshUp];

  r.onCollect(async () => {
    info.set({ version: d.version, engine: `${d.host.engine} ${d.host.engineVersion}` }, 1);
    up.set({}, d.loop.isRunning ? 1 : 0);
    cycles.set({}, d.loop.stats.cycles);
    phaseErrors.set({}, d.loop.stats.phaseErrors);
    earlyCycles.set({}, d.loop.stats.earlyCycles ?? 0);
    const current = d.mode?.();
    mode.reset();
    if (current) for (const m of AGENT_MODES) mode.set({ mode: m }, m === current ? 1 : 0);
    const ru = d.host.resourceUsage();
    rss.set({}, ru.rssBytes);
    cpu.set({}, (ru.userCpuMs + ru.systemCpuMs) / 1000);
    uptime.set({}, Math.round(d.host.clock.monotonicMs() - d.startedMs) / 1000);
    for (const f of perScrape) f.reset();
    const peer = d.peer?.() ?? null;
    peerConns.reset();
    if (peer) {
      peerConns.set({ result: 'accepted' }, peer.accepted);
      peerConns.set({ result: 'refused' }, peer.refused);
      peerConns.set({ result: 'handshake_failed' }, peer.handshakeFailures);
    }
    const nowMono = d.host.clock.monotonicMs();
    for (const p of d.probes?.().values() ?? []) {
      const delayMs = p.delay.excessMs(nowMono);
      if (delayMs !== null) probeDelay.set({ ifname: p.ifname, neighbor: p.neighbor }, Math.round(delayMs * 10) / 10_000);
      const q = p.quality;
      const latest = [...q.recent].reverse().find((b) => b.verdict !== 'unknown');
      if (!q.warm || !latest) continue;
      const l = { ifname: p.ifname, neighbor: p.neighbor };
      probeLoss.set(l, latest.lossPercent / 100);
      probeNormal.set(l, Math.round(q.normalLoss * 1000) / 1000);
      probeLossy.set(l, q.lossy ? 1 : 0);
    }
    const s = d.snapshot ? await d.snapshot() : null;
    if (!s) return;
    const mesh = s.meshIfname;
    meshUp.set({ mesh }, s.state === 'up' ? 1 : 0);
    for (const n of s.neighbors) {
      const l = { mesh, neighbor: n.neighbor, ifname: n.ifname };
      neighSeen.set(l, n.lastSeenMs / 1000);
      if (n.throughputKbit !== null) neighThr.set(l, n.throughputKbit);
    }
    origCount.set({ mesh }, s.bestRoutes.length);
    for (const o of s.bestRoutes) {
      const l = { mesh, originator: o.originator, next_hop: o.neighbor };
      if (o.tq !== null) origTq.set(l, o.tq);
      if (o.throughputKbit !== null) origThr.set(l, o.throughputKbit);
    }
    for (const h of s.hardInterfaces) hardif.set({ mesh, ifname: h.ifname }, h.active ? 1 : 0);
    for (const g of s.gateways) gw.set({ mesh, originator: g.originator }, g.best ? 1 : 0);
    for (const link of s.links) {
      const l = { ifname: link.name };
      linkUp.set(l, link.operstate === 'up' || (link.running && link.operstate === 'unknown') ? 1 : 0);
      if (!link.stats) continue;
      rxBytes.set(l, link.stats.rxBytes);
      txBytes.set(l, link.stats.txBytes);
      rxErr.set(l, link.stats.rxErrors);
      txErr.set(l, link.stats.txErrors);
      rxDrop.set(l, link.stats.rxDropped);
      txDrop.set(l, link.stats.txDropped);
    }
  });
  return {
    registry: r,
    observeCycle: (ms) => cycleHist.observe(ms / 1000),
    countIncident: (kind) => incidents.inc({ kind }),
    countAction: (kind, outcome) => actions.inc({ kind, outcome }),
  };
}
