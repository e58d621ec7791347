/**
 * The healing loop as the agent runs it: five LoopPhases sharing one cycle state.
 *   monitor   snapshot the mesh (netlink) and start the uplink probe when due
 *   analyze   run the detectors, open/update/resolve incidents
 *   plan      ask the policies for actions (not in mode "off")
 *   execute   the safe executor (budget, cooldown, invariants, rollback, audit)
 *   knowledge store incidents, audit records, baselines; share the node summary
 * `heal` answers an operator's heal request (heal.ts) between the loop's own uses
 * of the executor: one at a time, never in the middle of an execute phase.
 * `createHealingLoop` takes its dependencies (tests pass scripted ones);
 * `createAgentHealingLoop` builds the real ones on the host.
 */
import type { CycleContext, LoopPhase } from '../agent/agent.js';
import type { NodeSummary } from '../alfred/summary.js';
import { encodeSummary, HEARD_MAX, type HeardEntry, IFS_MAX, macHex, SUMMARY_VERSION } from '../alfred/summary.js';
import type { Host } from '../host/index.js';
import type { KnowledgeStore } from '../knowledge/store.js';
import { LinkProber, type ProberSettings, type ProbeTransport } from '../linkprobe/prober.js';
import { QUALITY_DEFAULTS } from '../linkprobe/quality.js';
import type { Log } from '../log.js';
import type { MeshSnapshot } from '../mesh/snapshot.js';
import type { FeatureRecorder } from '../model/recorder.js';
import type { NlResult } from '../netlink/result.js';
import type { Actuator } from './actuator.js';
import type { Detector, LinkScorer, NodeScorer } from './detector.js';
import { DeafInterfaceDetector } from './detectors/deaf-interface.js';
import { IsolatedNodeDetector } from './detectors/isolated-node.js';
import { LinkDegradedDetector } from './detectors/link-degraded.js';
import { LinkFlappingDetector } from './detectors/link-flapping.js';
import { LinkAnomalyDetector, NodeAnomalyDetector } from './detectors/model-anomaly.js';
import { NeighborLostDetector, nextVerdictMono } from './detectors/neighbor-lost.js';
import { RouteFlappingDetector } from './detectors/route-flapping.js';
import { UplinkLostDetector } from './detectors/uplink-lost.js';
import { type Executed, Executor } from './executor.js';
import { type HealAnswer, type HealRequest, heal } from './heal.js';
import { IncidentBook } from './incidents.js';
import { type MeshView, MONITOR_LIMITS, Monitor, type MonitorLimits } from './monitor.js';
import type { PeerSummary } from './peer-view.js';
import { DeafRestartPolicy } from './policies/deaf-restart.js';
import { GatewayUplinkPolicy } from './policies/gateway-uplink.js';
import { HopPenaltyPolicy } from './policies/hop-penalty.js';
import { IsolatedHookPolicy } from './policies/isolated-hook.js';
import type { Policy } from './policy.js';
import { type ProbeAttempt, UplinkProbe } from './probe.js';
import type { LoopConfig } from './settings.js';
import type { AuditRecord, Incident, IncidentEvent, PlannedAction } from './types.js';

export interface MeshReader {
  read(): Promise<NlResult<MeshSnapshot>>;
}

/** Where the node summary goes (alfred's client in the agent). */
export interface SummarySink {
  push(type: number, data: Uint8Array): Promise<{ ok: true } | { ok: false; error: string }>;
}

/** The other nodes' summaries (alfred's client in the agent). */
export interface PeerSource {
  read(type: number): Promise<{ ok: true; value: PeerSummary[] } | { ok: false; error: string }>;
}

export interface HealingLoopDeps {
  host: Host;
  log: Log;
  meshIfname: string;
  config: LoopConfig;
  mesh: MeshReader;
  actuator: Actuator;
  probe: ProbeAttempt;
  /** Packet sockets for the link probes; null where the host has none (Node, no root). */
  probeTransport?: ProbeTransport | null;
  store: KnowledgeStore | null;
  summarySink: SummarySink | null;
  /** Where the peers' summaries come from; null = no peer view (deaf needs the long window). */
  peerSource?: PeerSource | null;
  nodeName: string;
  agentVersion: string;
  /** The anomaly model's link scorer, when there is one (setting `model`). */
  linkScorer?: LinkScorer;
  /** The anomaly model's node scorer, when its file has a node network. */
  nodeScorer?: NodeScorer;
  /** Records the model's features each cycle (record_features; training data). */
  featureRecorder?: FeatureRecorder | null;
  /** Told of every incident change and every audit record (ubus events, metrics, tests). */
  onIncident?: (event: IncidentEvent) => void;
  onAudit?: (record: AuditRecord) => void;
}

export interface LoopStatus {
  mode: string;
  cycles: number;
  meshState: string;
  open: Incident[];
  recent: readonly Incident[];
  budgetUsed: number;
  budget: number;
  lastActions: Executed['audit'][];
  snapshotErrors: number;
  store: { writeErrors: number; lastError: string | null } | null;
}

export interface HealingLoop {
  readonly phases: LoopPhase[];
  reconfigure(config: LoopConfig): void;
  status(): LoopStatus;
  summary(): NodeSummary;
  /** An operator's heal request: remedy an open incident, or one manual action. */
  heal(request: HealRequest): Promise<HealAnswer>;
  /** For tests and status: the current series. */
  readonly view: MeshView;
}

function monitorLimits(c: LoopConfig): MonitorLimits {
  return {
    ...MONITOR_LIMITS,
    seriesLength: c.seriesLength,
    retentionMs: c.retentionMs,
    neighborLostMs: c.neighborLostMs,
    baselineAlpha: c.baselineAlphaPermille / 1000,
  };
}

function proberSettings(c: LoopConfig): ProberSettings {
  return {
    // Below 50 ms the probes would cost more airtime than they tell.
    intervalMs: c.probeIntervalMs > 0 ? Math.max(50, c.probeIntervalMs) : 0,
    quality: { ...QUALITY_DEFAULTS, effect: c.probeEffectPercent / 100, windowSlots: Math.max(1, Math.round(c.probeWindowMs / 1000)) },
    forgetMs: c.retentionMs,
  };
}

const LAST_ACTIONS_KEPT = 16;

/** The neighbours batman-adv heard in the last 10 s, freshest first, for the summary. */
function heardNeighbors(view: MeshView): HeardEntry[] {
  const out: HeardEntry[] = [];
  for (const l of view.links.values()) if (l.present && l.lastSeenMs !== null && l.lastSeenMs <= 10_000) out.push([macHex(l.neighbor), l.lastSeenMs]);
  out.sort((a, b) => a[1] - b[1]);
  return out.slice(0, HEARD_MAX);
}

/** Our hard interfaces' MACs: what the others' heard lists name us by (the mesh graph). */
function ownInterfaces(view: MeshView): string[] {
  const out: string[] = [];
  for (const i of view.interfaces.values()) if (i.address) out.push(macHex(i.address));
  return out.slice(0, IFS_MAX);
}

export function createHealingLoop(deps: HealingLoopDeps): HealingLoop {
  const { host, log } = deps;
  let config = deps.config;
  const cfg = () => config;
  const monitor = new Monitor(deps.meshIfname, monitorLimits(config));
  const probe = new UplinkProbe(deps.probe);
  const book = new IncidentBook();
  const detectors: Detector[] = [
    new NeighborLostDetector(cfg),
    new LinkDegradedDetector(cfg, deps.linkScorer ?? null),
    new RouteFlappingDetector(cfg),
    new LinkFlappingDetector(cfg),
    new DeafInterfaceDetector(cfg),
    new UplinkLostDetector(cfg, () => probe.record),
    new IsolatedNodeDetector(cfg),
  ];
  const prober = deps.probeTransport ? new LinkProber(deps.probeTransport, proberSettings(config)) : null;
  if (prober) monitor.view.probes = prober.links;
  // The model's own incidents are advisory: no policy acts on link-anomaly or node-anomaly.
  // Links before the node: a cycle's link alarms hold the node's learning (ModelScorer).
  if (deps.linkScorer) detectors.push(new LinkAnomalyDetector(cfg, deps.linkScorer));
  if (deps.nodeScorer) detectors.push(new NodeAnomalyDetector(cfg, deps.nodeScorer));
  const hopPenalty = new HopPenaltyPolicy();
  const deafRestart = new DeafRestartPolicy();
  const policies: Policy[] = [hopPenalty, deafRestart, new GatewayUplinkPolicy(), new IsolatedHookPolicy()];
  const executor = new Executor(cfg, deps.actuator, { wallMs: () => host.clock.wallMs(), monoMs: () => host.clock.monotonicMs() });

  const store = deps.store;
  if (store) {
    // Incidents left open by the previous run cannot be followed up: close them.
    for (const inc of store.incidents()) {
      if (inc.status !== 'open') continue;
      store.recordIncident({ ...inc, status: 'resolved', resolvedAtMs: host.clock.wallMs(), resolveReason: 'agent restarted' });
    }
    monitor.restoreBaselines(store.baselines());
    const counted = executor.resume(store.audits());
    hopPenalty.resume(store.audits());
    deafRestart.resume(store.audits(), host.clock.wallMs(), config.restartResetMs);
    if (counted > 0) log.notice(`budget: ${counted} change(s) of the last 10 minutes from the knowledge store count against action_budget`);
  }

  let fresh = false;
  let snapshotErrors = 0;
  let lastSnapshotError = '';
  let events: IncidentEvent[] = [];
  let planned: PlannedAction[] = [];
  let executed: Executed[] = [];
  const lastActions: Executed['audit'][] = [];
  let lastBaselineSave = host.clock.monotonicMs();
  let lastPush = Number.NEGATIVE_INFINITY;
  let pushing = false;
  let lastPeerRead = Number.NEGATIVE_INFINITY;
  let readingPeers = false;
  let peerReadError = '';
  // The executor serves the execute phase and heal requests one at a time.
  let executorFree: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const turn = executorFree.then(fn, fn);
    executorFree = turn.catch(() => {});
    return turn;
  };
  // Heal requests that changed something; a snapshot read while one did may not show
  // the change, so the cycle that reads it plans nothing.
  let healsApplied = 0;
  let planSkip = false;

  const report = (x: Executed): void => {
    const a = x.audit;
    const why = `${a.incidentId ? ` for ${a.incidentKind} ${a.incidentId}` : ''}${a.origin === 'operator' ? ' (heal request)' : ''}`;
    const line = `action ${a.id} ${a.result}: ${a.action.kind} ${a.target}${why}: ${a.detail}`;
    if (a.action.kind === 'alert' && a.result !== 'refused') log.err(`ALERT ${a.action.message}${a.incidentId ? ` (${a.incidentId})` : ''}`);
    if (a.result === 'failed' || a.result === 'rolled-back') log.warning(line);
    else if (a.result === 'done') log.notice(line);
    else log.info(line);
    deps.onAudit?.(a);
    lastActions.push(a);
    if (lastActions.length > LAST_ACTIONS_KEPT) lastActions.shift();
  };

  const monitorPhase: LoopPhase = {
    name: 'monitor',
    async run(ctx: CycleContext) {
      probe.tick(config, ctx.startedMs);
      const healsBefore = healsApplied;
      const r = await deps.mesh.read();
      planSkip = healsApplied !== healsBefore;
      if (!r.ok) {
        fresh = false;
        snapshotErrors++;
        if (r.error.message !== lastSnapshotError) log.warning(`monitor: mesh snapshot failed: ${r.error.message}`);
        lastSnapshotError = r.error.message;
        return;
      }
      if (lastSnapshotError !== '') log.notice('monitor: mesh snapshot works again');
      lastSnapshotError = '';
      monitor.observe(r.value, host.clock.monotonicMs());
      if (prober) {
        const ifs: { ifname: string; ifindex: number; up: boolean }[] = [];
        for (const i of monitor.view.interfaces.values()) ifs.push({ ifname: i.ifname, ifindex: i.ifindex, up: i.up && i.carrier });
        for (const [ifname, why] of prober.sync(ifs)) log.warning(`link probes: cannot probe ${ifname}: ${why}`);
        prober.tick((key) => monitor.view.links.get(key)?.live === true);
      }
      fresh = true;
    },
  };

  const analyzePhase: LoopPhase = {
    name: 'analyze',
    run(ctx: CycleContext) {
      events = [];
      if (!fresh) return;
      if (prober) ctx.wakeBy = Math.min(ctx.wakeBy, nextVerdictMono(monitor.view, config.neighborLostMs, config.probeIntervalMs));
      const at = { wallMs: host.clock.wallMs(), monoMs: monitor.view.nowMono };
      for (const d of detectors) {
        if (!d.enabled) continue;
        for (const e of book.apply(d, d.observe(monitor.view), at)) {
          events.push(e);
          deps.onIncident?.(e);
          const i = e.incident;
          if (e.type === 'opened') {
            log.notice(`incident ${i.id} opened: ${i.kind} ${i.target}: ${i.evidence.summary}`);
            deps.linkScorer?.incidentOpened?.(i.kind, i.target, at.monoMs);
          }
          else if (e.type === 'resolved') log.notice(`incident ${i.id} resolved (${i.resolveReason}): ${i.kind} ${i.target}`);
          else log.info(`incident ${i.id} now ${i.severity}: ${i.evidence.summary}`);
        }
      }
      // The model's out-of-range test, like neighbor-lost, judged as a silence passes it (after the links were scored).
      if (prober && deps.linkScorer?.nextVerdictMono) ctx.wakeBy = Math.min(ctx.wakeBy, deps.linkScorer.nextVerdictMono(monitor.view, config.probeIntervalMs));
      const rec = deps.featureRecorder;
      if (rec) {
        const before = rec.state;
        rec.record(monitor.view, at.wallMs);
        if (rec.state === 'full' && before !== 'full') log.notice(`record_features: ${rec.options.path} reached ${rec.bytesWritten} bytes; recording stopped`);
        if (rec.state === 'failed' && before !== 'failed') log.warning(`record_features: ${rec.options.path}: ${rec.lastError}; recording stopped`);
      }
    },
  };

  const planPhase: LoopPhase = {
    name: 'plan',
    run() {
      planned = [];
      if (!fresh || config.mode === 'off' || planSkip) return;
      const ctx = { view: monitor.view, open: book.openIncidents(), config, nowMono: monitor.view.nowMono };
      for (const p of policies) planned.push(...p.plan(ctx));
    },
  };

  const executePhase: LoopPhase = {
    name: 'execute',
    async run() {
      executed = [];
      if (!fresh) return;
      executed = await exclusive(() => executor.execute(planned, monitor.view));
      for (const x of executed) {
        policies.find((p) => p.name === x.action.policy)?.executed?.(x.action, x.result, monitor.view.nowMono);
        report(x);
      }
    },
  };

  const knowledgePhase: LoopPhase = {
    name: 'knowledge',
    run() {
      const now = host.clock.monotonicMs();
      if (store) {
        for (const e of events) store.recordIncident(e.incident);
        for (const x of executed) store.recordAudit(x.audit);
        if (now - lastBaselineSave >= config.baselineSaveMs) {
          lastBaselineSave = now;
          store.saveBaselines(monitor.baselines());
        }
      }
      if (deps.summarySink && config.alfredPushMs > 0 && !pushing && now - lastPush >= config.alfredPushMs) {
        lastPush = now;
        const bytes = encodeSummary(loop.summary());
        if (!bytes.ok) {
          log.warning(`alfred: ${bytes.error}`);
          return;
        }
        pushing = true;
        // Not awaited: alfred must never hold up a cycle.
        void deps.summarySink.push(config.alfredType, bytes.value).then((r) => {
          pushing = false;
          if (!r.ok) log.debug(`alfred: push failed: ${r.error}`);
        });
      }
      const peers = deps.peerSource;
      if (peers && config.alfredReadMs > 0 && !readingPeers && now - lastPeerRead >= config.alfredReadMs) {
        lastPeerRead = now;
        readingPeers = true;
        // Not awaited either: the next cycles use the view when it arrives.
        void peers.read(config.alfredType).then((r) => {
          readingPeers = false;
          if (r.ok) {
            monitor.view.peers.update(r.value, monitor.view.node.meshAddress, host.clock.wallMs());
            peerReadError = '';
          } else if (r.error !== peerReadError) {
            peerReadError = r.error;
            log.debug(`alfred: reading the peers' summaries failed: ${r.error}`);
          }
        });
      }
    },
  };

  const loop: HealingLoop = {
    phases: [monitorPhase, analyzePhase, planPhase, executePhase, knowledgePhase],
    view: monitor.view,
    heal(request: HealRequest): Promise<HealAnswer> {
      return exclusive(async () => {
        const answer = await heal(request, {
          view: monitor.view,
          config,
          snapshotProblem: fresh || lastSnapshotError === '' ? null : lastSnapshotError,
          open: book.openIncidents(),
          findResolved: (id) => book.recent().find((i) => i.id === id) ?? store?.incidents().find((i) => i.id === id && i.status === 'resolved') ?? null,
          policies,
          hopOriginals: () => hopPenalty.raisedPenalties(),
          executor,
          nowMono: () => host.clock.monotonicMs(),
        });
        if (!answer.ok) return answer;
        const r = answer.report;
        const what = r.incident ? `incident ${r.incident.id}` : 'manual action';
        if (r.executed) {
          if (r.result === 'done' || r.result === 'failed') healsApplied++;
          report(r.executed);
          store?.recordAudit(r.executed.audit);
        } else {
          log.info(`heal ${what}${r.dryRun ? ' (dry run)' : ''}: ${r.result}${r.action ? ` ${r.action.params.kind} ${r.action.target}` : ''}: ${r.detail}`);
        }
        return answer;
      });
    },
    reconfigure(next: LoopConfig) {
      config = next;
      monitor.setLimits(monitorLimits(next));
      prober?.configure(proberSettings(next));
    },
    status(): LoopStatus {
      return {
        mode: config.mode,
        cycles: monitor.view.cycles,
        meshState: monitor.view.node.meshState,
        open: book.openIncidents(),
        recent: book.recent(),
        budgetUsed: executor.budgetUsed(),
        budget: config.budgetPer10Min,
        lastActions: [...lastActions],
        snapshotErrors,
        store: store ? { writeErrors: store.writeErrors, lastError: store.lastError } : null,
      };
    },
    summary(): NodeSummary {
      const open = book.openIncidents();
      const node = monitor.view.node;
      const critical = open.some((i) => i.severity === 'critical');
      return {
        v: SUMMARY_VERSION,
        name: deps.nodeName,
        agent: deps.agentVersion,
        batman: node.version,
        algo: node.algorithm,
        mode: config.mode,
        health: critical ? 'critical' : open.length > 0 ? 'degraded' : 'ok',
        open: open.length,
        kinds: [...new Set(open.map((i) => i.kind))],
        neighbors: node.liveNeighbors,
        originators: node.reachableOriginators,
        gw: node.gwMode,
        actions: executor.budgetUsed(),
        t: Math.floor(host.clock.wallMs() / 1000),
        ms: Math.floor(host.clock.wallMs()),
        heard: heardNeighbors(monitor.view),
        ifs: ownInterfaces(monitor.view),
      };
    },
  };
  return loop;
}
