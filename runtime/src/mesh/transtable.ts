/** GET_TRANSTABLE_LOCAL / _GLOBAL: clients behind this node and behind others. */
import { type NlResult, ok } from '../netlink/result.js';
import { missing } from './attrs.js';
import type { Batadv } from './batadv.js';
import { BATADV_CMD, BATADV_VLAN_HAS_TAG, TT_CLIENT } from './constants.js';
import type { BatadvAttrs } from './policy.js';

export interface LocalTtEntry {
  client: string;
  /** VLAN id, or null for untagged (batctl prints -1). */
  vlan: number | null;
  flags: number;
  crc32: number;
  /** Absent for entries that never time out. */
  lastSeenMs: number | null;
}

export interface GlobalTtEntry {
  client: string;
  originator: string;
  vlan: number | null;
  flags: number;
  ttvn: number;
  lastTtvn: number;
  crc32: number;
  best: boolean;
}

export function vlanOf(vid: number): number | null {
  return vid & BATADV_VLAN_HAS_TAG ? vid & 0xfff : null;
}

/** Names of the TT client flags that are set (e.g. ["WIFI", "NOPURGE"]). */
export function ttFlagNames(flags: number): string[] {
  return Object.entries(TT_CLIENT)
    .filter(([, bit]) => flags & bit)
    .map(([name]) => name);
}

export function parseLocalTt(a: BatadvAttrs): NlResult<LocalTtEntry> {
  const bad = missing(a, ['ttAddress', 'ttVid', 'ttCrc32', 'ttFlags'], 'local TT entry');
  if (bad) return bad;
  return ok({
    client: a.ttAddress as string,
    vlan: vlanOf(a.ttVid as number),
    flags: a.ttFlags as number,
    crc32: a.ttCrc32 as number,
    lastSeenMs: a.lastSeenMsecs ?? null,
  });
}

export function parseGlobalTt(a: BatadvAttrs): NlResult<GlobalTtEntry> {
  const bad = missing(a, ['ttAddress', 'origAddress', 'ttVid', 'ttTtvn', 'ttLastTtvn', 'ttCrc32', 'ttFlags'], 'global TT entry');
  if (bad) return bad;
  return ok({
    client: a.ttAddress as string,
    originator: a.origAddress as string,
    vlan: vlanOf(a.ttVid as number),
    flags: a.ttFlags as number,
    ttvn: a.ttTtvn as number,
    lastTtvn: a.ttLastTtvn as number,
    crc32: a.ttCrc32 as number,
    best: a.best === true,
  });
}

export async function listLocalTranslations(batadv: Batadv): Promise<NlResult<LocalTtEntry[]>> {
  return batadv.dumpEach(BATADV_CMD.GET_TRANSTABLE_LOCAL, parseLocalTt);
}

export async function listGlobalTranslations(batadv: Batadv): Promise<NlResult<GlobalTtEntry[]>> {
  return batadv.dumpEach(BATADV_CMD.GET_TRANSTABLE_GLOBAL, parseGlobalTt);
}
