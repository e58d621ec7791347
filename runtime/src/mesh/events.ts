/**
 * Push notifications about the mesh: the batadv "config" multicast group (a full
 * attribute set after every SET_MESH / SET_HARDIF / SET_VLAN, by anyone), and the
 * kernel uevents batman-adv throws on the mesh netdev when the selected gateway
 * changes (BATTYPE=gw, BATACTION=add|change|del, BATDATA=gateway MAC).
 * Topology (originators, neighbours) has no events: it must be polled.
 */
import type { NetlinkMessage } from '../netlink/message.js';
import { type NlResult, ok } from '../netlink/result.js';
import type { Uevent } from '../netlink/uevent.js';
import { type Batadv, decodeBatadvMessage } from './batadv.js';
import { BATADV_CMD } from './constants.js';
import { type HardInterface, parseHardInterface } from './hardifs.js';
import { type MeshTunables, meshTunablesFrom } from './mesh-info.js';

export type ConfigEvent =
  | { kind: 'mesh'; meshIfindex: number; tunables: MeshTunables }
  | { kind: 'hardif'; meshIfindex: number; hardif: HardInterface }
  | { kind: 'vlan'; meshIfindex: number; vlanId: number; apIsolation: boolean | null };

/** Decode a "config" group notification; null for other batadv commands. */
export function decodeConfigEvent(message: NetlinkMessage): NlResult<ConfigEvent> | null {
  const m = decodeBatadvMessage(message);
  if (!m.ok) return m;
  const { cmd, attrs } = m.value;
  const meshIfindex = attrs.meshIfindex ?? 0;
  switch (cmd) {
    case BATADV_CMD.SET_MESH:
      return ok({ kind: 'mesh', meshIfindex, tunables: meshTunablesFrom(attrs) });
    case BATADV_CMD.SET_HARDIF: {
      const h = parseHardInterface(attrs);
      return h.ok ? ok({ kind: 'hardif', meshIfindex, hardif: h.value }) : h;
    }
    case BATADV_CMD.SET_VLAN:
      return ok({ kind: 'vlan', meshIfindex, vlanId: (attrs.vlanId ?? 0) & 0xfff, apIsolation: attrs.apIsolation === undefined ? null : attrs.apIsolation !== 0 });
    default:
      return null;
  }
}

/**
 * Join the config group and report this mesh's changes. Notifications share the
 * client's socket with requests; the client routes them (seq 0) to event listeners.
 */
export async function watchConfig(batadv: Batadv, onEvent: (event: ConfigEvent) => void, onError?: (message: string) => void): Promise<NlResult<void>> {
  const joined = await batadv.joinConfigGroup();
  if (!joined.ok) return joined;
  batadv.resolver.client.onEvent((message) => {
    if (message.type !== batadv.family.id) return;
    const ev = decodeConfigEvent(message);
    if (ev === null) return;
    if (!ev.ok) onError?.(ev.error.message);
    else if (ev.value.meshIfindex === batadv.meshIfindex) onEvent(ev.value);
  });
  return ok(undefined);
}

export interface GatewayUevent {
  /** Mesh interface name (INTERFACE=), e.g. "bat0". */
  meshIfname: string;
  /** add: a gateway was selected after none; change: another one; del: none left. */
  action: 'add' | 'change' | 'del';
  /** The selected gateway's MAC (absent on del). */
  gateway: string | null;
}

/** batman-adv's gateway uevent, or null for any other uevent. */
export function decodeGatewayUevent(ev: Uevent): GatewayUevent | null {
  if (ev.env.BATTYPE !== 'gw') return null;
  const action = ev.env.BATACTION;
  if (action !== 'add' && action !== 'change' && action !== 'del') return null;
  const ifname = ev.env.INTERFACE ?? ev.devpath.slice(ev.devpath.lastIndexOf('/') + 1);
  return { meshIfname: ifname, action, gateway: ev.env.BATDATA || null };
}
