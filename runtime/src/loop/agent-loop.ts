/**
 * The healing loop on the real host: netlink for the mesh and the actuators,
 * host.processes for probes and hooks, the knowledge store under the state
 * directory, alfred for the node summary. The agent command calls this once at
 * start-up and hands `phases` to its Agent.
 */
import { AlfredClient } from '../alfred/client.js';
import { signSummary } from '../alfred/signed-summary.js';
import { decodeSummary } from '../alfred/summary.js';
import type { Host } from '../host/index.js';
import { KnowledgeStore } from '../knowledge/store.js';
import type { ProbeTransport } from '../linkprobe/prober.js';
import type { Log } from '../log.js';
import { decodeModel, MAX_MODEL_BYTES } from '../model/format.js';
import { FeatureRecorder } from '../model/recorder.js';
import { ModelScorer } from '../model/scorer.js';
import { type MeshSnapshot, takeSnapshot, unavailableSnapshot } from '../mesh/snapshot.js';
import type { GenlResolver } from '../netlink/genl.js';
import { openGenl, openRtnl } from '../netlink/open.js';
import { ok } from '../netlink/result.js';
import type { Rtnl } from '../netlink/rtnl.js';
import { MeshActuator, type NetlinkClients } from './actuator.js';
import { createHealingLoop, type HealingLoop, type HealingLoopDeps } from './healing-loop.js';
import { PeerIdentityCache } from '../peer/identity-cache.js';
import type { PeerSummary } from './peer-view.js';
import { hostProbe } from './probe.js';
import type { LoopConfig } from './settings.js';

export interface AgentLoopOptions {
  meshIfname: string;
  stateDir: string;
  agentVersion: string;
  /** `agent.peer_allow`: whose signed summaries count as verified (runtime/src/peer/allow.ts). */
  peerAllow?: string;
  /** Each snapshot the monitor takes (the API and /metrics read the latest one). */
  onSnapshot?: (s: MeshSnapshot) => void;
  onIncident?: HealingLoopDeps['onIncident'];
  onAudit?: HealingLoopDeps['onAudit'];
}

export interface AgentHealing {
  loop: HealingLoop;
  store: KnowledgeStore | null;
  alfred: AlfredClient;
  /** The saved SPIFFE identity: signs our summary, checks the others'. */
  identity?: PeerIdentityCache;
}

export type AgentLoopResult = ({ ok: true } & AgentHealing) | { ok: false; error: string };

function nodeName(host: Host): string {
  try {
    const name = host.files.readText('/proc/sys/kernel/hostname', 256).trim();
    if (name !== '') return name;
  } catch {
    // fall through
  }
  return host.getenv('HOSTNAME') ?? 'unknown';
}

/**
 * rtnetlink and generic netlink, opened on first use and reopened after a failure (at
 * most every 5 s), so that a router whose netlink could not be opened at start-up, or
 * a host without netlink, still runs the loop and reports why it cannot see the mesh.
 */
function lazyNetlink(host: Host): NetlinkClients {
  let clients: { rtnl: Rtnl; genl: GenlResolver } | null = null;
  let lastError = '';
  let retryAfter = 0;
  return () => {
    if (clients) return { ok: true, value: clients };
    const now = host.clock.monotonicMs();
    if (now < retryAfter) return { ok: false, error: lastError };
    retryAfter = now + 5000;
    const rtnl = openRtnl();
    if (!rtnl.ok) return { ok: false, error: (lastError = `rtnetlink: ${rtnl.error.message}`) };
    const genl = openGenl();
    if (!genl.ok) {
      rtnl.value.client.close();
      return { ok: false, error: (lastError = `generic netlink: ${genl.error.message}`) };
    }
    clients = { rtnl: rtnl.value, genl: genl.value };
    return { ok: true, value: clients };
  };
}

/** The link probes' packet sockets and timer, where the host can open packet sockets. */
function probeTransport(host: Host): ProbeTransport | null {
  const packet = host.net.packet;
  if (!packet) return null;
  return {
    open(ifindex, ethertype) {
      try {
        return { ok: true, socket: packet(ifindex, ethertype) };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    },
    monoMs: () => host.clock.monotonicMs(),
    wallMs: () => host.clock.wallMs(),
    setInterval: (fn, ms) => host.timers.setInterval(fn, ms),
    clearInterval: (h) => host.timers.clear(h as ReturnType<Host['timers']['setInterval']>),
    random32() {
      // A session id, not a secret: any source that differs between restarts will do.
      const b = host.crypto ? host.crypto.randomBytes(4) : null;
      return b && b.length === 4 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0) : Math.floor(Math.random() * 0x1_0000_0000);
    },
  };
}

/** A path from a setting: absolute as is, else under the state directory. */
export function statePath(stateDir: string, path: string): string {
  return path.startsWith('/') ? path : `${stateDir.replace(/\/+$/, '')}/${path}`;
}

/** The anomaly model named by the `model` setting, or null (none set, or unusable: logged, the rules run alone). */
export function loadModelScorer(host: Host, log: Log, path: string): ModelScorer | null {
  let bytes: Uint8Array;
  try {
    bytes = host.files.readBytes(path, MAX_MODEL_BYTES);
  } catch (e) {
    log.err(`model: cannot read ${path}: ${(e as Error).message}; running with the rules only`);
    return null;
  }
  const model = decodeModel(bytes);
  if (!model.ok) {
    log.err(`model: ${path}: ${model.error}; running with the rules only`);
    return null;
  }
  const scorer = ModelScorer.create(model.value);
  if (!scorer.ok) {
    log.err(`model: ${path}: ${scorer.error}; running with the rules only`);
    return null;
  }
  const t = scorer.value.thresholds();
  log.notice(`model: ${path} ("${model.value.label}"), link threshold ${t.link ?? 'none'}, node threshold ${t.node ?? 'none'}; its incidents are advisory`);
  return scorer.value;
}

export function createAgentHealingLoop(host: Host, log: Log, options: AgentLoopOptions, config: LoopConfig): AgentLoopResult {
  const netlink = lazyNetlink(host);
  const scorer = config.modelPath !== '' ? loadModelScorer(host, log, statePath(options.stateDir, config.modelPath)) : null;
  let featureRecorder: FeatureRecorder | null = null;
  if (config.recordFeatures !== '') {
    featureRecorder = new FeatureRecorder(host, { path: statePath(options.stateDir, config.recordFeatures), maxBytes: config.recordFeaturesMaxKb * 1024, flushCycles: 10 });
    log.notice(`record_features: recording the model's features to ${featureRecorder.options.path} (at most ${config.recordFeaturesMaxKb} KiB)`);
  }
  const opened = KnowledgeStore.open(host, options.stateDir);
  let store: KnowledgeStore | null = null;
  if (opened.ok) {
    store = opened.store;
    const r = opened.report;
    if (r.corruptLines > 0 || r.tornBytes > 0 || r.snapshotDiscarded) {
      log.warning(`knowledge: recovered after a crash: ${r.corruptLines} corrupt line(s), ${r.tornBytes} torn byte(s) dropped${r.snapshotDiscarded ? ', unreadable snapshot set aside' : ''}`);
    }
  } else {
    log.err(`${opened.error}; running without a knowledge store`);
  }
  const alfred = new AlfredClient(host, { socketPath: config.alfredSocket, timeoutMs: 5000 });
  const identity = new PeerIdentityCache(host, options.stateDir, options.peerAllow ?? '', (m) => log.warning(`alfred: ${m}; summaries go out unsigned`));
  let signError = '';
  /** Our summary signed with the workload SVID when we have one (signed-summary.ts); else as it is. */
  const signed = (data: Uint8Array): Uint8Array => {
    const trust = identity.current();
    const mac = loop.view.node.meshAddress;
    if (trust === null || !host.crypto || mac === null) return data;
    const r = signSummary(data, mac.toLowerCase(), { chain: trust.identity.chain, privateKey: trust.identity.privateKey, crypto: host.crypto });
    if (r.ok) return r.value;
    if (r.error !== signError) log.warning(`alfred: ${r.error}; pushing the summary unsigned`);
    signError = r.error;
    return data;
  };
  const loop: HealingLoop = createHealingLoop({
    host,
    log,
    meshIfname: options.meshIfname,
    config,
    mesh: {
      async read() {
        const n = netlink();
        // No netlink (yet): a snapshot that says so, so that status and /health can.
        const r = n.ok ? await takeSnapshot(options.meshIfname, { ...n.value, clock: host.clock }) : ok(unavailableSnapshot(options.meshIfname, n.error, host.clock.wallMs()));
        if (r.ok) options.onSnapshot?.(r.value);
        return r;
      },
    },
    actuator: new MeshActuator(host, options.meshIfname, netlink),
    probe: hostProbe(host),
    probeTransport: probeTransport(host),
    store,
    summarySink: {
      async push(type, data) {
        const r = await alfred.push(type, signed(data));
        return r.ok ? { ok: true } : r;
      },
    },
    peerSource: {
      // Every node's summary as the local alfred has it; unreadable ones are skipped.
      async read(type) {
        const r = await alfred.request(type);
        if (!r.ok) return r;
        const out: PeerSummary[] = [];
        for (const d of r.value) {
          const s = decodeSummary(d.data);
          if (s.ok) out.push({ source: d.source, summary: s.value });
        }
        return { ok: true, value: out };
      },
    },
    featureRecorder,
    ...(scorer && scorer.thresholds().link !== null ? { linkScorer: scorer } : {}),
    ...(scorer && scorer.thresholds().node !== null ? { nodeScorer: scorer } : {}),
    nodeName: nodeName(host),
    agentVersion: options.agentVersion,
    ...(options.onIncident ? { onIncident: options.onIncident } : {}),
    ...(options.onAudit ? { onAudit: options.onAudit } : {}),
  });
  return { ok: true, loop, store, alfred, identity };
}
