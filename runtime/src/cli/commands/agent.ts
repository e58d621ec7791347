/**
 * `x0tta6bl4 agent`: the daemon procd starts. It runs the healing loop (monitor,
 * analyze, plan, execute, knowledge) every cycle, serves ubus and HTTP, stops on
 * SIGTERM/SIGINT and reloads its config on SIGHUP (keeping the last good one).
 */
import { Agent } from '../../agent/agent.js';
import { auditJson, incidentJson, loopSources } from '../../agent/api-sources.js';
import { type PeerChannel, startPeerChannel } from '../../agent/peer-channel.js';
import { type Services, startServices } from '../../agent/services.js';
import { createAgentApi } from '../../api/agent-api.js';
import type { AgentMode } from '../../api/types.js';
import { loadConfig } from '../../config/load.js';
import { type AgentConfig, SETTINGS } from '../../config/settings.js';
import type { Host } from '../../host/types.js';
import { createLog } from '../../log.js';
import { createAgentHealingLoop } from '../../loop/agent-loop.js';
import { watchCarrier } from '../../loop/carrier-watch.js';
import type { MeshView } from '../../loop/monitor.js';
import { LOOP_SETTINGS } from '../../loop/settings.js';
import type { MeshSnapshot } from '../../mesh/snapshot.js';
import { type AgentMetrics, createAgentMetrics } from '../../metrics/agent-metrics.js';
import { openRtnl } from '../../netlink/open.js';
import type { Rtnl } from '../../netlink/rtnl.js';
import type { JsonObject, JsonValue } from '../../ubus/blobmsg.js';
import { SpireAgent } from '../../spire/agent.js';
import { grpcDial } from '../../spire/channel.js';
import { IdentityRenewer } from '../../spire/renewer.js';
import { VERSION } from '../../version.js';
import { type Command, EXIT_FAILURE, EXIT_OK } from '../context.js';

/** The effective config as the operator writes it: UCI keys and their values. */
export function configJson(c: AgentConfig): JsonObject {
  const out: JsonObject = {};
  for (const s of SETTINGS) out[s.key] = c[s.field] as JsonValue;
  for (const s of LOOP_SETTINGS) out[s.key] = c.loop[s.field] as JsonValue;
  return out;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the self-healing agent (the daemon procd starts)',
  synopsis: '[--state-dir DIR] [--mode auto|advise|off]',
  maxOperands: 0,
  options: [],
  async run(ctx) {
    const { host } = ctx;
    let config = ctx.config;
    const log = createLog(host, config.logLevel);
    if (config.syslog) host.logger.openSyslog('x0tta6bl4');
    log.notice(`x0tta6bl4 ${VERSION} starting (${host.engine} ${host.engineVersion}, pid ${host.processes.pid})`);
    try {
      host.files.mkdirp(config.stateDir, 0o755);
    } catch (e) {
      log.err(`state directory ${config.stateDir}: ${(e as Error).message}`);
      return EXIT_FAILURE;
    }
    const startedMs = host.clock.monotonicMs();
    let latest: MeshSnapshot | null = null;
    const snapshot = async () => latest;
    // Filled in once the services run; incidents before that only reach the log.
    let emit: (id: 'x0tta6bl4.incident' | 'x0tta6bl4.action', data: JsonObject) => void = () => {};
    // Made once the Agent exists; the loop only reports incidents and actions after it starts.
    let metrics: AgentMetrics | null = null;
    const healing = createAgentHealingLoop(
      host,
      log,
      {
        meshIfname: config.meshInterface,
        stateDir: config.stateDir,
        agentVersion: VERSION,
        peerAllow: config.peerAllow,
        onSnapshot: (s) => {
          latest = s;
        },
        onIncident: (e) => {
          if (e.type === 'opened') metrics?.countIncident(e.incident.kind);
          emit('x0tta6bl4.incident', { event: e.type, ...incidentJson(e.incident) });
        },
        onAudit: (a) => {
          metrics?.countAction(a.action.kind, a.result);
          emit('x0tta6bl4.action', auditJson(a));
        },
      },
      config.loop,
    );
    if (!healing.ok) log.warning(`healing loop unavailable: ${healing.error}; serving status only`);
    const agent = new Agent(host, config, log, healing.ok ? healing.loop.phases : [], (ms) => metrics?.observeCycle(ms));
    metrics = createAgentMetrics({
      host,
      version: VERSION,
      startedMs,
      loop: agent,
      snapshot,
      mode: () => config.loop.mode,
      ...(healing.ok ? { probes: () => healing.loop.view.probes } : {}),
      peer: () => peer?.stats() ?? null,
    });
    const setMode = (mode: AgentMode): void => {
      if (!healing.ok || mode === config.loop.mode) return;
      config = { ...config, loop: { ...config.loop, mode } };
      healing.loop.reconfigure(config.loop);
      log.notice(`mode set to ${mode} through the API (until the next reload or restart)`);
    };
    const api = createAgentApi({
      host,
      version: VERSION,
      startedMs,
      loop: agent,
      config: () => configJson(config),
      snapshot,
      sources: healing.ok ? loopSources(healing, () => config.loop, setMode) : {},
    });
    // Signals first: a SIGTERM while the services start must still stop cleanly.
    let services: Services | null = null;
    let renewer: IdentityRenewer | null = null;
    let peer: PeerChannel | null = null;
    let carrierEvents: Rtnl | null = null;
    let stopping = false;
    let finish: (code: number) => void = () => {};
    const done = new Promise<number>((resolve) => {
      finish = resolve;
    });
    const stop = (signal: string) => () => {
      if (stopping) return;
      stopping = true;
      log.notice(`${signal}: stopping`);
      renewer?.stop();
      peer?.stop();
      carrierEvents?.client.close();
      void agent.stop().then(() => {
        services?.stop();
        log.notice(`stopped after ${agent.stats.cycles} cycles`);
        finish(EXIT_OK);
      });
    };
    host.signals.on('SIGTERM', stop('SIGTERM'));
    host.signals.on('SIGINT', stop('SIGINT'));
    host.signals.on('SIGHUP', () => {
      const next = loadConfig(host, { path: ctx.configPath, overrides: ctx.args.options });
      if (!next.ok) {
        log.err(`reload: ${next.error}; keeping the last good config`);
        return;
      }
      // Said before applying: a new log_level may silence notices from here on.
      log.notice(`reload: config ${next.source ?? '(defaults)'} applied`);
      config = next.value;
      agent.reconfigure(config);
      if (healing.ok) healing.loop.reconfigure(config.loop);
    });
    const started = await startServices({ host, log, config, api, metrics: metrics.registry, version: VERSION });
    if (stopping) {
      started.stop();
      return done;
    }
    services = started;
    emit = started.event;
    agent.start();
    if (healing.ok) carrierEvents = startCarrierWatch(log, agent, () => healing.loop.view);
    renewer = startIdentityRenewer(host, config, log);
    peer = startPeerChannel(host, log, config, healing.ok ? healing : null);
    log.info(`main loop running every ${config.cycleMs} ms, mode ${config.loop.mode}, state in ${config.stateDir}`);
    return done;
  },
};

/**
 * Wake the loop when a mesh interface's carrier changes (loop/carrier-watch.ts), on a
 * netlink socket of its own; without one the loop still sees the change at its next cycle.
 */
function startCarrierWatch(log: { warning(m: string): void }, agent: Agent, view: () => MeshView): Rtnl | null {
  const rtnl = openRtnl({ receiveBuffer: 256 * 1024 });
  if (!rtnl.ok) {
    log.warning(`carrier watch: ${rtnl.error.message}; carrier changes are seen at the next cycle`);
    return null;
  }
  watchCarrier(rtnl.value, view, () => agent.wake(), (m) => log.warning(`carrier watch: ${m}`));
  return rtnl.value;
}

/**
 * With a SPIRE server configured and an identity attested (`x0tta6bl4 identity attest`),
 * keep it renewed while the agent runs (runtime/src/spire/renewer.ts).
 */
function startIdentityRenewer(host: Host, config: AgentConfig, log: { notice(m: string): void; warning(m: string): void }): IdentityRenewer | null {
  if (config.spireServer === '' || config.trustDomain === '') return null;
  if (host.crypto === undefined) {
    log.warning('identity: this engine has no crypto; not renewing the SPIFFE identity');
    return null;
  }
  const spire = new SpireAgent(host, host.crypto, grpcDial, { server: config.spireServer, trustDomain: config.trustDomain, bundlePath: config.spireBundle, stateDir: config.stateDir });
  const state = spire.load();
  if (!state.ok || state.value === null) {
    log.notice(`identity: ${state.ok ? 'not attested yet (x0tta6bl4 identity attest --join-token TOKEN)' : state.error.message}; not renewing`);
    return null;
  }
  const r = new IdentityRenewer(host, spire);
  r.start();
  log.notice(`identity: ${state.value.agentId}, renewing with ${config.spireServer}`);
  return r;
}
