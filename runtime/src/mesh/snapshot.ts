/**
 * One call for the state the agent's loop needs: mesh info, hard interfaces,
 * neighbours, originators with best routes, gateways and link stats, as plain
 * objects, with how long it took. A mesh without an active primary interface is
 * state "down" (empty topology), not an error; so are a missing mesh interface
 * ("absent") and a kernel without batman-adv ("unavailable").
 */
import type { Clock } from '../host/types.js';
import type { GenlResolver } from '../netlink/genl.js';
import type { NetlinkError, NlResult } from '../netlink/result.js';
import { ok } from '../netlink/result.js';
import type { Rtnl } from '../netlink/rtnl.js';
import type { Link } from '../netlink/rtnl-link.js';
import { Batadv } from './batadv.js';
import { type Gateway, listGateways } from './gateways.js';
import { type HardInterface, listHardInterfaces } from './hardifs.js';
import { getMeshInfo, type MeshInfo } from './mesh-info.js';
import { listNeighbors, type Neighbor } from './neighbors.js';
import { bestRoutes, listOriginators, type OriginatorEntry } from './originators.js';

export type MeshState = 'up' | 'down' | 'absent' | 'unavailable';

export interface MeshSnapshot {
  meshIfname: string;
  state: MeshState;
  /** Why the state is not "up", in one line. */
  reason: string | null;
  /** Wall-clock time when the snapshot started (for records). */
  takenAtMs: number;
  /** Monotonic duration of the whole snapshot. */
  durationMs: number;
  mesh: MeshInfo | null;
  hardInterfaces: HardInterface[];
  neighbors: Neighbor[];
  originators: OriginatorEntry[];
  /** The best route per originator (entries flagged best). */
  bestRoutes: OriginatorEntry[];
  gateways: Gateway[];
  /** The mesh interface and its hard interfaces, with flags, operstate and 64-bit stats. */
  links: Link[];
}

export interface MeshSources {
  rtnl: Rtnl;
  genl: GenlResolver;
  clock: Clock;
}

function isMeshDown(e: NetlinkError): boolean {
  // Originator/neighbour/gateway dumps answer ENOENT without an active primary interface.
  return e.kind === 'kernel' && e.code === 'ENOENT';
}

/** Returns an error only for failures the caller should see (timeouts, decode errors...). */
/** The snapshot of a mesh that cannot be looked at (no netlink, say): state and why. */
export function unavailableSnapshot(meshIfname: string, reason: string, wallMs: number): MeshSnapshot {
  return {
    meshIfname,
    state: 'unavailable',
    reason,
    takenAtMs: wallMs,
    durationMs: 0,
    mesh: null,
    hardInterfaces: [],
    neighbors: [],
    originators: [],
    bestRoutes: [],
    gateways: [],
    links: [],
  };
}

export async function takeSnapshot(meshIfname: string, src: MeshSources): Promise<NlResult<MeshSnapshot>> {
  const started = src.clock.monotonicMs();
  const snap: MeshSnapshot = { ...unavailableSnapshot(meshIfname, '', src.clock.wallMs()), state: 'up', reason: null };
  const done = (state: MeshState, reason: string | null): NlResult<MeshSnapshot> => {
    snap.state = state;
    snap.reason = reason;
    snap.durationMs = src.clock.monotonicMs() - started;
    return ok(snap);
  };

  const links = await src.rtnl.links();
  if (!links.ok) return links;
  const meshLink = links.value.find((l) => l.name === meshIfname);
  if (!meshLink) return done('absent', `mesh interface ${meshIfname} does not exist`);
  snap.links = links.value.filter((l) => l.index === meshLink.index || l.master === meshLink.index);

  const batadv = await Batadv.open(src.genl, meshLink.index);
  if (!batadv.ok) {
    if (batadv.error.kind === 'unsupported') return done('unavailable', batadv.error.message);
    return batadv;
  }
  const info = await getMeshInfo(batadv.value);
  if (!info.ok) {
    if (info.error.kind === 'kernel' && (info.error.code === 'ENODEV' || info.error.code === 'EINVAL')) {
      return done('absent', `${meshIfname} is not a batman-adv mesh interface`);
    }
    return info;
  }
  snap.mesh = info.value;

  const hardifs = await listHardInterfaces(batadv.value);
  if (!hardifs.ok) return hardifs;
  snap.hardInterfaces = hardifs.value;
  if (info.value.primary === null) return done('down', `mesh ${meshIfname} has no active primary interface`);

  const neighbors = await listNeighbors(batadv.value);
  if (!neighbors.ok) return isMeshDown(neighbors.error) ? done('down', `mesh ${meshIfname} went down`) : neighbors;
  snap.neighbors = neighbors.value;
  const originators = await listOriginators(batadv.value);
  if (!originators.ok) return isMeshDown(originators.error) ? done('down', `mesh ${meshIfname} went down`) : originators;
  snap.originators = originators.value;
  snap.bestRoutes = bestRoutes(originators.value);
  const gateways = await listGateways(batadv.value);
  if (!gateways.ok) return isMeshDown(gateways.error) ? done('down', `mesh ${meshIfname} went down`) : gateways;
  snap.gateways = gateways.value;
  return done('up', null);
}
