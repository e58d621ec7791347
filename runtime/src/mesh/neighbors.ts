/** GET_NEIGHBORS: one-hop neighbours per hard interface (BATMAN_V adds link throughput). */
import { type NlResult, ok } from '../netlink/result.js';
import { missing } from './attrs.js';
import type { Batadv } from './batadv.js';
import { BATADV_ATTR, BATADV_CMD } from './constants.js';
import type { BatadvAttrs } from './policy.js';

export interface Neighbor {
  neighbor: string;
  ifindex: number;
  ifname: string;
  lastSeenMs: number;
  /** BATMAN_V: EWMA link throughput in kbit/s; BATMAN_IV: null. */
  throughputKbit: number | null;
}

const REQUIRED: readonly (keyof BatadvAttrs)[] = ['neighAddress', 'hardIfindex', 'lastSeenMsecs'];

export function parseNeighbor(a: BatadvAttrs): NlResult<Neighbor> {
  const bad = missing(a, REQUIRED, 'neighbor');
  if (bad) return bad;
  return ok({
    neighbor: a.neighAddress as string,
    ifindex: a.hardIfindex as number,
    ifname: a.hardIfname ?? '',
    lastSeenMs: a.lastSeenMsecs as number,
    throughputKbit: a.throughput ?? null,
  });
}

export async function listNeighbors(batadv: Batadv, hardIfindex?: number): Promise<NlResult<Neighbor[]>> {
  return batadv.dumpEach(BATADV_CMD.GET_NEIGHBORS, parseNeighbor, hardIfindex === undefined ? undefined : (w) => w.attrU32(BATADV_ATTR.HARD_IFINDEX, hardIfindex));
}
