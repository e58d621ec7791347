/**
 * GET_GATEWAYS: gateways announced in the mesh. Units differ by field and algorithm:
 * bandwidths are in 100 kbit/s; BATMAN_V's THROUGHPUT here is also in 100 kbit/s
 * (unlike originator/neighbour dumps, which send kbit/s). We normalise all to kbit/s.
 */
import { type NlResult, ok } from '../netlink/result.js';
import { missing } from './attrs.js';
import type { Batadv } from './batadv.js';
import { BATADV_CMD, KBIT_PER_UNIT } from './constants.js';
import type { BatadvAttrs } from './policy.js';

export interface Gateway {
  originator: string;
  /** Next hop towards the gateway. */
  router: string;
  ifindex: number;
  ifname: string;
  /** The gateway this node selected (batctl's "*"). */
  best: boolean;
  bandwidthDownKbit: number;
  bandwidthUpKbit: number;
  /** BATMAN_IV: TQ towards the gateway. */
  tq: number | null;
  /** BATMAN_V: path throughput in kbit/s (the kernel's 100 kbit/s value × 100). */
  throughputKbit: number | null;
}

const REQUIRED: readonly (keyof BatadvAttrs)[] = ['origAddress', 'router', 'hardIfname', 'bandwidthDown', 'bandwidthUp'];

export function parseGateway(a: BatadvAttrs): NlResult<Gateway> {
  const bad = missing(a, REQUIRED, 'gateway');
  if (bad) return bad;
  return ok({
    originator: a.origAddress as string,
    router: a.router as string,
    ifindex: a.hardIfindex ?? 0,
    ifname: a.hardIfname as string,
    best: a.best === true,
    bandwidthDownKbit: (a.bandwidthDown as number) * KBIT_PER_UNIT,
    bandwidthUpKbit: (a.bandwidthUp as number) * KBIT_PER_UNIT,
    tq: a.tq ?? null,
    throughputKbit: a.throughput === undefined ? null : a.throughput * KBIT_PER_UNIT,
  });
}

export async function listGateways(batadv: Batadv): Promise<NlResult<Gateway[]>> {
  return batadv.dumpEach(BATADV_CMD.GET_GATEWAYS, parseGateway);
}
