/** GET_MESH: the mesh interface, its algorithm, primary interface and tunables. */
import { type NlResult, ok } from '../netlink/result.js';
import { flagOn, missing } from './attrs.js';
import type { Batadv } from './batadv.js';
import { BATADV_CMD, GW_MODES, type GatewayMode, KBIT_PER_UNIT } from './constants.js';
import type { BatadvAttrs } from './policy.js';

/** Mesh-wide settings, as far as the kernel reported them (some depend on its config). */
export interface MeshTunables {
  aggregatedOgms?: boolean;
  apIsolation?: boolean;
  isolationMark?: number;
  isolationMask?: number;
  bonding?: boolean;
  bridgeLoopAvoidance?: boolean;
  distributedArpTable?: boolean;
  fragmentation?: boolean;
  gwMode?: GatewayMode;
  gwBandwidthDownKbit?: number;
  gwBandwidthUpKbit?: number;
  /** BATMAN_IV: selection class 1..255; BATMAN_V: a throughput threshold in 100 kbit/s units. */
  gwSelClass?: number;
  hopPenalty?: number;
  logLevel?: number;
  multicastForceflood?: boolean;
  multicastFanout?: number;
  networkCoding?: boolean;
  origIntervalMs?: number;
}

export interface PrimaryInterface {
  ifindex: number;
  ifname: string;
  address: string;
}

export interface MeshInfo {
  meshIfindex: number;
  meshIfname: string;
  meshAddress: string | null;
  /** batman-adv version, e.g. "2022.3". */
  version: string | null;
  /** "BATMAN_IV" or "BATMAN_V". */
  algorithm: string | null;
  /** null when the mesh has no active primary interface ("mesh down", batctl: "disabled"). */
  primary: PrimaryInterface | null;
  ttvn: number | null;
  blaCrc: number | null;
  mcastFlags: number | null;
  mcastFlagsPriv: number | null;
  tunables: MeshTunables;
}

export function meshTunablesFrom(a: BatadvAttrs): MeshTunables {
  const t: MeshTunables = {};
  const set = <K extends keyof MeshTunables>(key: K, value: MeshTunables[K] | undefined) => {
    if (value !== undefined) t[key] = value;
  };
  set('aggregatedOgms', flagOn(a.aggregatedOgms));
  set('apIsolation', flagOn(a.apIsolation));
  set('isolationMark', a.isolationMark);
  set('isolationMask', a.isolationMask);
  set('bonding', flagOn(a.bonding));
  set('bridgeLoopAvoidance', flagOn(a.bridgeLoopAvoidance));
  set('distributedArpTable', flagOn(a.distributedArpTable));
  set('fragmentation', flagOn(a.fragmentation));
  if (a.gwMode !== undefined) t.gwMode = GW_MODES[a.gwMode] ?? 'off';
  set('gwBandwidthDownKbit', a.gwBandwidthDown === undefined ? undefined : a.gwBandwidthDown * KBIT_PER_UNIT);
  set('gwBandwidthUpKbit', a.gwBandwidthUp === undefined ? undefined : a.gwBandwidthUp * KBIT_PER_UNIT);
  set('gwSelClass', a.gwSelClass);
  set('hopPenalty', a.hopPenalty);
  set('logLevel', a.logLevel);
  set('multicastForceflood', flagOn(a.multicastForceflood));
  set('multicastFanout', a.multicastFanout);
  set('networkCoding', flagOn(a.networkCoding));
  set('origIntervalMs', a.origInterval);
  return t;
}

export function parseMeshInfo(a: BatadvAttrs): NlResult<MeshInfo> {
  const bad = missing(a, ['meshIfindex', 'meshIfname'], 'mesh info');
  if (bad) return bad;
  let primary: PrimaryInterface | null = null;
  if (a.hardIfname !== undefined) {
    const badHard = missing(a, ['version', 'algoName', 'hardIfname', 'hardAddress'], 'mesh info');
    if (badHard) return badHard;
    primary = { ifindex: a.hardIfindex ?? 0, ifname: a.hardIfname, address: a.hardAddress as string };
  }
  return ok({
    meshIfindex: a.meshIfindex as number,
    meshIfname: a.meshIfname as string,
    meshAddress: a.meshAddress ?? null,
    version: a.version ?? null,
    algorithm: a.algoName ?? null,
    primary,
    ttvn: a.ttTtvn ?? null,
    blaCrc: a.blaCrc ?? null,
    mcastFlags: a.mcastFlags ?? null,
    mcastFlagsPriv: a.mcastFlagsPriv ?? null,
    tunables: meshTunablesFrom(a),
  });
}

export async function getMeshInfo(batadv: Batadv): Promise<NlResult<MeshInfo>> {
  const replies = await batadv.request(BATADV_CMD.GET_MESH);
  if (!replies.ok) return replies;
  const first = replies.value[0];
  if (!first) return { ok: false, error: { kind: 'decode', message: 'GET_MESH: the kernel sent no mesh info' } };
  return parseMeshInfo(first.attrs);
}
