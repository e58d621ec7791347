/**
 * SET_MESH / SET_HARDIF: change tunables and wait for the kernel's ACK. Values are
 * checked before sending; the ELP interval is raised to a safe floor (batman-adv
 * before 2026.2 underflows below BATADV_JITTER into a day-long ELP delay).
 */
import { fail, type NlResult, ok } from '../netlink/result.js';
import type { MessageWriter } from '../netlink/writer.js';
import type { Batadv } from './batadv.js';
import { BATADV_ATTR as A, BATADV_CMD, ELP_INTERVAL_MIN_MS, GW_MODES, KBIT_PER_UNIT, ORIG_INTERVAL_MIN_MS } from './constants.js';

export type GatewaySetting =
  | { mode: 'off' }
  /** selClass: BATMAN_IV 1..255; BATMAN_V a throughput threshold in 100 kbit/s units. */
  | { mode: 'client'; selClass?: number }
  | { mode: 'server'; bandwidthDownKbit?: number; bandwidthUpKbit?: number };

export interface MeshTunableChanges {
  aggregatedOgms?: boolean;
  apIsolation?: boolean;
  isolationMark?: number;
  isolationMask?: number;
  bonding?: boolean;
  bridgeLoopAvoidance?: boolean;
  distributedArpTable?: boolean;
  fragmentation?: boolean;
  gateway?: GatewaySetting;
  hopPenalty?: number;
  logLevel?: number;
  multicastForceflood?: boolean;
  multicastFanout?: number;
  networkCoding?: boolean;
  origIntervalMs?: number;
}

export interface HardifTunableChanges {
  hopPenalty?: number;
  /** BATMAN_V only; raised to ELP_INTERVAL_MIN_MS when lower. */
  elpIntervalMs?: number;
  /** BATMAN_V only; 0 = measure automatically. Sent in 100 kbit/s units. */
  throughputOverrideKbit?: number;
}

const U32_MAX = 0xffffffff;

function checkInt(name: string, value: number, min: number, max: number): string | null {
  return Number.isInteger(value) && value >= min && value <= max ? null : `${name} must be an integer in ${min}..${max}, got ${value}`;
}

function kbitToUnits(name: string, kbit: number): number | string {
  if (!Number.isFinite(kbit) || kbit < 0) return `${name} must be a non-negative number of kbit/s, got ${kbit}`;
  const units = Math.round(kbit / KBIT_PER_UNIT);
  return units > U32_MAX ? `${name} is too large` : units;
}

/** Encode mesh changes; returns an error text for an invalid value. */
export function encodeMeshChanges(c: MeshTunableChanges, w: MessageWriter): string | null {
  const bool = (attr: number, v: boolean | undefined) => {
    if (v !== undefined) w.attrU8(attr, v ? 1 : 0);
  };
  bool(A.AGGREGATED_OGMS_ENABLED, c.aggregatedOgms);
  bool(A.AP_ISOLATION_ENABLED, c.apIsolation);
  for (const [name, attr, v] of [['isolationMark', A.ISOLATION_MARK, c.isolationMark], ['isolationMask', A.ISOLATION_MASK, c.isolationMask]] as const) {
    if (v === undefined) continue;
    const e = checkInt(name, v, 0, U32_MAX);
    if (e) return e;
    w.attrU32(attr, v);
  }
  bool(A.BONDING_ENABLED, c.bonding);
  bool(A.BRIDGE_LOOP_AVOIDANCE_ENABLED, c.bridgeLoopAvoidance);
  bool(A.DISTRIBUTED_ARP_TABLE_ENABLED, c.distributedArpTable);
  bool(A.FRAGMENTATION_ENABLED, c.fragmentation);
  const gw = c.gateway;
  if (gw) {
    if (gw.mode === 'server') {
      for (const [name, attr, kbit] of [['bandwidthDownKbit', A.GW_BANDWIDTH_DOWN, gw.bandwidthDownKbit], ['bandwidthUpKbit', A.GW_BANDWIDTH_UP, gw.bandwidthUpKbit]] as const) {
        if (kbit === undefined) continue;
        const units = kbitToUnits(name, kbit);
        if (typeof units === 'string') return units;
        w.attrU32(attr, units);
      }
    }
    w.attrU8(A.GW_MODE, GW_MODES.indexOf(gw.mode));
    if (gw.mode === 'client' && gw.selClass !== undefined) {
      const e = checkInt('selClass', gw.selClass, 1, U32_MAX);
      if (e) return e;
      w.attrU32(A.GW_SEL_CLASS, gw.selClass);
    }
  }
  if (c.hopPenalty !== undefined) {
    const e = checkInt('hopPenalty', c.hopPenalty, 0, 255);
    if (e) return e;
    w.attrU8(A.HOP_PENALTY, c.hopPenalty);
  }
  if (c.logLevel !== undefined) {
    const e = checkInt('logLevel', c.logLevel, 0, U32_MAX);
    if (e) return e;
    w.attrU32(A.LOG_LEVEL, c.logLevel);
  }
  bool(A.MULTICAST_FORCEFLOOD_ENABLED, c.multicastForceflood);
  if (c.multicastFanout !== undefined) {
    const e = checkInt('multicastFanout', c.multicastFanout, 1, 0x7fffffff);
    if (e) return e;
    w.attrU32(A.MULTICAST_FANOUT, c.multicastFanout);
  }
  bool(A.NETWORK_CODING_ENABLED, c.networkCoding);
  if (c.origIntervalMs !== undefined) {
    const e = checkInt('origIntervalMs', c.origIntervalMs, ORIG_INTERVAL_MIN_MS, 0x7fffffff);
    if (e) return e;
    w.attrU32(A.ORIG_INTERVAL, c.origIntervalMs);
  }
  return null;
}

/** Set mesh tunables in one SET_MESH; resolves after the ACK. */
export async function setMeshTunables(batadv: Batadv, changes: MeshTunableChanges): Promise<NlResult<void>> {
  let invalid: string | null = null;
  const message = batadv.build(BATADV_CMD.SET_MESH, (w) => {
    invalid = encodeMeshChanges(changes, w);
  });
  if (invalid) return fail('invalid', invalid, { code: 'EINVAL' });
  const r = await batadv.resolver.client.request(message);
  return r.ok ? ok(undefined) : r;
}

/** What was sent for a hard interface (after clamping). */
export type AppliedHardifChanges = HardifTunableChanges;

export function encodeHardifChanges(c: HardifTunableChanges, w: MessageWriter): NlResult<AppliedHardifChanges> {
  const applied: AppliedHardifChanges = {};
  if (c.hopPenalty !== undefined) {
    const e = checkInt('hopPenalty', c.hopPenalty, 0, 255);
    if (e) return fail('invalid', e, { code: 'EINVAL' });
    w.attrU8(A.HOP_PENALTY, c.hopPenalty);
    applied.hopPenalty = c.hopPenalty;
  }
  if (c.elpIntervalMs !== undefined) {
    const e = checkInt('elpIntervalMs', Math.round(c.elpIntervalMs), 0, 0x7fffffff);
    if (e) return fail('invalid', e, { code: 'EINVAL' });
    const ms = Math.max(ELP_INTERVAL_MIN_MS, Math.round(c.elpIntervalMs));
    w.attrU32(A.ELP_INTERVAL, ms);
    applied.elpIntervalMs = ms;
  }
  if (c.throughputOverrideKbit !== undefined) {
    const units = kbitToUnits('throughputOverrideKbit', c.throughputOverrideKbit);
    if (typeof units === 'string') return fail('invalid', units, { code: 'EINVAL' });
    w.attrU32(A.THROUGHPUT_OVERRIDE, units);
    applied.throughputOverrideKbit = units * KBIT_PER_UNIT;
  }
  return ok(applied);
}

/** Set hard-interface tunables in one SET_HARDIF; resolves with what was applied after the ACK. */
export async function setHardifTunables(batadv: Batadv, hardIfindex: number, changes: HardifTunableChanges): Promise<NlResult<AppliedHardifChanges>> {
  let encoded: NlResult<AppliedHardifChanges> = ok({});
  const message = batadv.build(BATADV_CMD.SET_HARDIF, (w) => {
    w.attrU32(A.HARD_IFINDEX, hardIfindex);
    encoded = encodeHardifChanges(changes, w);
  });
  if (!encoded.ok) return encoded;
  const r = await batadv.resolver.client.request(message);
  return r.ok ? encoded : r;
}
