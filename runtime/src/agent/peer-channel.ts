/**
 * The mesh peer channel in the agent daemon (runtime/src/peer/): started when
 * `agent.peer` names an address AND the saved identity holds a workload SVID; without
 * an identity there is nothing to authenticate with, so nothing listens. The identity
 * file is looked at every minute: a renewal (or a first attestation) re-binds the
 * listener with the new SVID and bundle.
 */
import { parseListenAddress } from '../config/settings.js';
import type { AgentConfig } from '../config/settings.js';
import type { Host, TimerHandle } from '../host/index.js';
import type { Log } from '../log.js';
import type { AgentHealing } from '../loop/agent-loop.js';
import { parseAllow } from '../peer/allow.js';
import { loadPeerIdentity, type PeerIdentity } from '../peer/identity.js';
import { parseMacList, peerLinkJson } from '../peer/link-view.js';
import { PeerServer, type PeerRoutes, type PeerServerStats } from '../peer/server.js';

export interface PeerChannel {
  /** Connection counts while the listener runs, else null. */
  stats(): PeerServerStats | null;
  stop(): void;
}

const RELOAD_MS = 60_000;

function routes(healing: AgentHealing | null, self: () => string): PeerRoutes {
  return {
    link(mac) {
      const macs = parseMacList(mac);
      if (!macs.ok) return { status: 400, body: { error: macs.error } };
      if (healing === null) return { status: 503, body: { error: 'this agent runs without its healing loop: no link view' } };
      return { status: 200, body: peerLinkJson(healing.loop.view, healing.loop.status().open, macs.value, self()) };
    },
  };
}

export function startPeerChannel(host: Host, log: Log, config: AgentConfig, healing: AgentHealing | null): PeerChannel {
  const off: PeerChannel = { stats: () => null, stop() {} };
  if (config.peer === '') return off;
  const address = parseListenAddress(config.peer);
  if (address === null) {
    log.err(`peer: '${config.peer}' is not ADDR:PORT`);
    return off;
  }
  if (!host.net.tlsListen || !host.crypto) {
    log.warning(`peer: this engine (${host.engine}) has no TLS server; peer channel off`);
    return off;
  }
  let server: PeerServer | null = null;
  let current: PeerIdentity | null = null;
  let stopped = false;
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const id = loadPeerIdentity(host.files, config.stateDir);
      if (!id.ok) {
        if (current === null) log.warning(`peer: ${id.error}; peer channel off`);
        return;
      }
      const next = id.value;
      if (next === null) {
        if (server === null && current === null) log.info('peer: no workload SVID (x0tta6bl4 identity attest); peer channel off until there is one');
        return;
      }
      if (current !== null && next.renewedAtMs === current.renewedAtMs && next.spiffeId === current.spiffeId) return;
      const allow = parseAllow(config.peerAllow, next.trustDomain);
      if (!allow.ok) {
        log.err(`${allow.error}; peer channel off`);
        return;
      }
      try {
        if (server === null) {
          server = await PeerServer.listen(address, { host, log, identity: next, allow: allow.value, routes: routes(healing, () => current?.spiffeId ?? '') });
          log.notice(`peer: mTLS peer channel on ${config.peer} as ${next.spiffeId}, allowing ${config.peerAllow || `trust domain ${next.trustDomain}`}`);
        } else {
          await server.update(next);
          log.notice(`peer: now serving with the renewed SVID of ${next.spiffeId}`);
        }
        current = next;
      } catch (e) {
        log.err(`peer: cannot listen on ${config.peer}: ${(e as Error).message ?? e}`);
      }
    } finally {
      busy = false;
    }
  };
  void check();
  const timer: TimerHandle = host.timers.setInterval(() => void check(), RELOAD_MS);
  return {
    stats: () => (server === null ? null : (server as PeerServer).stats),
    stop() {
      stopped = true;
      host.timers.clear(timer);
      server?.close();
    },
  };
}
