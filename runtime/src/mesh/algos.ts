/** GET_ROUTING_ALGOS: the routing algorithms this kernel offers (needs CAP_NET_ADMIN). */
import { type NlResult, ok } from '../netlink/result.js';
import type { Batadv } from './batadv.js';
import { BATADV_CMD } from './constants.js';

export async function listRoutingAlgorithms(batadv: Batadv): Promise<NlResult<string[]>> {
  const entries = await batadv.dump(BATADV_CMD.GET_ROUTING_ALGOS);
  if (!entries.ok) return entries;
  return ok(entries.value.map((e) => e.attrs.algoName).filter((n): n is string => n !== undefined));
}
