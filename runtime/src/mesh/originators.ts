/**
 * GET_ORIGINATORS: one entry per (originator, neighbour) pair. BATMAN_IV reports TQ
 * (0..255), BATMAN_V the path throughput in kbit/s. LAST_SEEN is the originator's.
 */
import { type NlResult, ok } from '../netlink/result.js';
import { missing } from './attrs.js';
import type { Batadv } from './batadv.js';
import { BATADV_ATTR, BATADV_CMD } from './constants.js';
import type { BatadvAttrs } from './policy.js';

export interface OriginatorEntry {
  originator: string;
  /** Next hop towards the originator through this neighbour. */
  neighbor: string;
  ifindex: number;
  /** Outgoing interface ("" when an old kernel sent only the index). */
  ifname: string;
  lastSeenMs: number;
  /** The chosen route (batctl's "*"). */
  best: boolean;
  /** BATMAN_IV link quality 0..255, else null. */
  tq: number | null;
  /** BATMAN_V throughput in kbit/s, else null. */
  throughputKbit: number | null;
}

const REQUIRED: readonly (keyof BatadvAttrs)[] = ['origAddress', 'neighAddress', 'hardIfindex', 'lastSeenMsecs'];

export function parseOriginator(a: BatadvAttrs): NlResult<OriginatorEntry> {
  const bad = missing(a, REQUIRED, 'originator');
  if (bad) return bad;
  return ok({
    originator: a.origAddress as string,
    neighbor: a.neighAddress as string,
    ifindex: a.hardIfindex as number,
    ifname: a.hardIfname ?? '',
    lastSeenMs: a.lastSeenMsecs as number,
    best: a.best === true,
    tq: a.tq ?? null,
    throughputKbit: a.throughput ?? null,
  });
}

/** All pairs; `outgoingIfindex` limits the table to one outgoing interface (batctl o -i). */
export async function listOriginators(batadv: Batadv, outgoingIfindex?: number): Promise<NlResult<OriginatorEntry[]>> {
  return batadv.dumpEach(BATADV_CMD.GET_ORIGINATORS, parseOriginator, outgoingIfindex === undefined ? undefined : (w) => w.attrU32(BATADV_ATTR.HARD_IFINDEX, outgoingIfindex));
}

/** The best route to each originator (entries flagged best), in dump order. */
export function bestRoutes(entries: readonly OriginatorEntry[]): OriginatorEntry[] {
  return entries.filter((e) => e.best);
}
