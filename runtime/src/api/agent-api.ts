/**
 * The AgentApi the agent serves. It reports what exists: version, engine, uptime, the
 * loop's own stats, the effective config, and batman-adv state from the latest mesh
 * snapshot. Mode, incidents, actions, healing and the alfred view come from sources the
 * healing loop owns and injects; a source not injected answers `not_supported` (ubus
 * status 8, HTTP 501) rather than an invented value.
 */
import type { Host } from '../host/index.js';
import type { MeshSnapshot } from '../mesh/snapshot.js';
import type { JsonObject, JsonValue } from '../ubus/blobmsg.js';
import { type ActionQuery, type AgentApi, type AgentMode, type ApiOutcome, fail, type HealRequest, type IncidentQuery, type LinkQuery, ok } from './types.js';

/** What the loop exposes today (runtime/src/agent/agent.ts `Agent` has exactly this). */
export interface LoopView {
  readonly isRunning: boolean;
  readonly stats: { cycles: number; lastCycleMs: number; maxCycleMs: number; phaseErrors: number };
}

/** Sources owned by the healing loop; each optional until the loop provides it. */
export interface LoopSources {
  mode?: { get(): AgentMode; set(m: AgentMode): void };
  incidents?: (q: IncidentQuery) => Promise<JsonObject[]>;
  actions?: (q: ActionQuery) => Promise<JsonObject[]>;
  heal?: (r: HealRequest) => Promise<ApiOutcome>;
  /** Counts for `status` (e.g. {incidents_open: 2, actions_24h: 5}). */
  counts?: () => JsonObject;
  /** The alfred mesh-wide view. */
  meshView?: () => Promise<JsonObject>;
  /** Link quality over time (the monitor's series). */
  linkHistory?: (q: LinkQuery) => JsonObject;
}

export interface AgentApiDeps {
  host: Host;
  version: string;
  /** host.clock.monotonicMs() when the agent started. */
  startedMs: number;
  loop: LoopView;
  config: () => JsonObject;
  /** The latest batman-adv snapshot (the loop's, or one taken for the call). */
  snapshot?: () => Promise<MeshSnapshot | null>;
  sources?: LoopSources;
}

const DEFAULT_LIMIT = 100;

export function createAgentApi(d: AgentApiDeps): AgentApi {
  const src = d.sources ?? {};
  const missing = (what: string) => Promise.resolve(fail('not_supported', `${what} is not available yet (provided by the healing loop)`));
  const uptimeS = () => Math.floor((d.host.clock.monotonicMs() - d.startedMs) / 1000);
  const withSnapshot = async (pick: (s: MeshSnapshot) => JsonObject): Promise<ApiOutcome> => {
    if (!d.snapshot) return fail('not_supported', 'batman-adv state is not available on this host');
    const s = await d.snapshot();
    if (!s) return fail('unavailable', 'no batman-adv snapshot yet');
    return ok({ mesh_interface: s.meshIfname, state: s.state, ...pick(s) });
  };
  const api: AgentApi = {
    async status() {
      const snap = d.snapshot ? await d.snapshot() : null;
      const h = await api.health();
      const data: JsonObject = {
        version: d.version,
        engine: `${d.host.engine} ${d.host.engineVersion}`,
        uptime_s: uptimeS(),
        mode: src.mode ? src.mode.get() : null,
        health: h.healthy ? 'ok' : 'degraded',
        reasons: h.reasons,
        loop: { running: d.loop.isRunning, cycles: d.loop.stats.cycles, last_cycle_ms: round(d.loop.stats.lastCycleMs), max_cycle_ms: round(d.loop.stats.maxCycleMs), phase_errors: d.loop.stats.phaseErrors },
        counts: src.counts ? src.counts() : null,
        batman_adv: snap
          ? { state: snap.state, mesh_interface: snap.meshIfname, version: snap.mesh?.version ?? null, algorithm: snap.mesh?.algorithm ?? null, neighbors: snap.neighbors.length, originators: snap.bestRoutes.length }
          : null,
      };
      return ok(data);
    },
    neighbors: () =>
      withSnapshot((s) => ({
        neighbors: s.neighbors.map((n) => ({ neighbor: n.neighbor, ifname: n.ifname, last_seen_ms: n.lastSeenMs, throughput_kbit: n.throughputKbit })),
      })),
    originators: () =>
      withSnapshot((s) => ({
        originators: s.bestRoutes.map((o) => ({ originator: o.originator, next_hop: o.neighbor, ifname: o.ifname, last_seen_ms: o.lastSeenMs, tq: o.tq, throughput_kbit: o.throughputKbit })),
      })),
    gateways: () =>
      withSnapshot((s) => ({
        gateways: s.gateways.map((g) => ({ originator: g.originator, router: g.router, ifname: g.ifname, selected: g.best, bandwidth_down_kbit: g.bandwidthDownKbit, bandwidth_up_kbit: g.bandwidthUpKbit, tq: g.tq })),
      })),
    async incidents(q) {
      if (!src.incidents) return missing('incidents');
      return ok({ incidents: await src.incidents({ limit: DEFAULT_LIMIT, ...q }) });
    },
    async actions(q) {
      if (!src.actions) return missing('actions');
      return ok({ actions: await src.actions({ limit: DEFAULT_LIMIT, ...q }) });
    },
    heal(r) {
      return src.heal ? src.heal(r) : missing('healing');
    },
    async mode(set) {
      if (!src.mode) return missing('the healing mode');
      if (set !== undefined) src.mode.set(set);
      return ok({ mode: src.mode.get() });
    },
    async config() {
      return ok(d.config());
    },
    async mesh() {
      if (!src.meshView) return missing('the alfred mesh view');
      return ok(await src.meshView());
    },
    async links(q) {
      if (!src.linkHistory) return missing('link history');
      return ok(src.linkHistory(q));
    },
    async health() {
      const reasons: string[] = [];
      if (!d.loop.isRunning) reasons.push('the main loop is not running');
      if (d.snapshot) {
        const s = await d.snapshot();
        if (!s) reasons.push('no batman-adv snapshot yet');
        else if (s.state !== 'up') reasons.push(`batman-adv ${s.meshIfname} is ${s.state}${s.reason ? `: ${s.reason}` : ''}`);
      }
      return { healthy: reasons.length === 0, reasons };
    },
  };
  return api;
}

function round(ms: number): JsonValue {
  return Math.round(ms * 1000) / 1000;
}
