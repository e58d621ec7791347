/** GET_HARDIF: the interfaces enslaved to the mesh, their ACTIVE flag and per-interface tunables. */
import { type NlResult, ok } from '../netlink/result.js';
import { missing } from './attrs.js';
import type { Batadv } from './batadv.js';
import { BATADV_ATTR, BATADV_CMD, KBIT_PER_UNIT } from './constants.js';
import type { BatadvAttrs } from './policy.js';

export interface HardInterface {
  ifindex: number;
  ifname: string;
  address: string | null;
  /** batman-adv uses it (if_status BATADV_IF_ACTIVE): the interface is up and enslaved. */
  active: boolean;
  hopPenalty: number | null;
  /** BATMAN_V (reported when the kernel has BATMAN_V compiled in). */
  elpIntervalMs: number | null;
  /** 0 = measure automatically. */
  throughputOverrideKbit: number | null;
}

export function parseHardInterface(a: BatadvAttrs): NlResult<HardInterface> {
  const bad = missing(a, ['hardIfindex', 'hardIfname'], 'hard interface');
  if (bad) return bad;
  return ok({
    ifindex: a.hardIfindex as number,
    ifname: a.hardIfname as string,
    address: a.hardAddress ?? null,
    active: a.active === true,
    hopPenalty: a.hopPenalty ?? null,
    elpIntervalMs: a.elpInterval ?? null,
    throughputOverrideKbit: a.throughputOverride === undefined ? null : a.throughputOverride * KBIT_PER_UNIT,
  });
}

export async function listHardInterfaces(batadv: Batadv): Promise<NlResult<HardInterface[]>> {
  return batadv.dumpEach(BATADV_CMD.GET_HARDIF, parseHardInterface);
}

export async function getHardInterface(batadv: Batadv, ifindex: number): Promise<NlResult<HardInterface>> {
  const replies = await batadv.request(BATADV_CMD.GET_HARDIF, (w) => w.attrU32(BATADV_ATTR.HARD_IFINDEX, ifindex));
  if (!replies.ok) return replies;
  const first = replies.value[0];
  if (!first) return { ok: false, error: { kind: 'decode', message: `GET_HARDIF ${ifindex}: no answer` } };
  return parseHardInterface(first.attrs);
}
