/**
 * rtnetlink link messages: decode RTM_NEWLINK (ifinfomsg + IFLA_* attributes) into a
 * plain Link, and build the link requests (dump, get, set flags, create a batadv
 * mesh interface, delete, set/clear master).
 */
import { HOST_LITTLE_ENDIAN, readS32, readU16, readU32, viewOf } from './bytes.js';
import {
  AF_UNSPEC, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_BATADV_ALGO_NAME, IFLA_CARRIER,
  IFLA_CARRIER_CHANGES, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND, IFLA_LINKINFO, IFLA_MASTER,
  IFLA_MTU, IFLA_OPERSTATE, IFLA_STATS64, NLM_F_CREATE, NLM_F_EXCL, OPERSTATE_NAMES, type OperState, RTM_DELLINK,
  RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK,
} from './constants.js';
import type { NetlinkMessage } from './message.js';
import { decodeWithPolicy } from './policy.js';
import { decodeError, type NlResult, ok } from './result.js';
import { MessageWriter } from './writer.js';

/** struct rtnl_link_stats64, in field order (u64 each); older kernels send fewer fields. */
export const LINK_STATS64_FIELDS = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped', 'multicast',
  'collisions', 'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors', 'rxFrameErrors', 'rxFifoErrors', 'rxMissedErrors',
  'txAbortedErrors', 'txCarrierErrors', 'txFifoErrors', 'txHeartbeatErrors', 'txWindowErrors', 'rxCompressed',
  'txCompressed', 'rxNohandler', 'rxOtherhostDropped',
] as const;

export type LinkStats64 = Record<(typeof LINK_STATS64_FIELDS)[number], number>;

export interface Link {
  index: number;
  name: string;
  /** ARPHRD_* (1 ethernet, 772 loopback, 65534 none). */
  hwType: number;
  /** IFF_* flags. */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** IFF_RUNNING: operationally up (RFC 2863). */
  running: boolean;
  /** IFF_LOWER_UP: the driver signals L1 up. */
  lowerUp: boolean;
  operstate: OperState;
  /** IFLA_CARRIER, or null when the kernel did not say. */
  carrier: boolean | null;
  carrierChanges: number | null;
  mtu: number | null;
  /** ifindex of the master (bat0 for an enslaved hard interface), 0 when none. */
  master: number;
  /** IFLA_INFO_KIND ("batadv", "veth", "bridge"...), null for plain devices. */
  kind: string | null;
  /** IFLA_INFO_SLAVE_KIND (e.g. "batadv" on a hard interface, when the kernel reports it). */
  slaveKind: string | null;
  address: string | null;
  stats: LinkStats64 | null;
}

export const LINK_POLICY = {
  [IFLA_ADDRESS]: { key: 'address', kind: 'hwaddr' },
  [IFLA_IFNAME]: { key: 'name', kind: 'string' },
  [IFLA_MTU]: { key: 'mtu', kind: 'u32' },
  [IFLA_MASTER]: { key: 'master', kind: 'u32' },
  [IFLA_OPERSTATE]: { key: 'operstate', kind: 'u8' },
  [IFLA_LINKINFO]: { key: 'linkinfo', kind: 'binary' },
  [IFLA_STATS64]: { key: 'stats64', kind: 'binary' },
  [IFLA_CARRIER]: { key: 'carrier', kind: 'u8' },
  [IFLA_CARRIER_CHANGES]: { key: 'carrierChanges', kind: 'u32' },
} as const;

const TWO_POW_32 = 2 ** 32;

const LINKINFO_POLICY = {
  [IFLA_INFO_KIND]: { key: 'kind', kind: 'string' },
  [IFLA_INFO_SLAVE_KIND]: { key: 'slaveKind', kind: 'string' },
} as const;

export function decodeStats64(bytes: Uint8Array): NlResult<LinkStats64> {
  if (bytes.length % 8 !== 0) return decodeError(`IFLA_STATS64: ${bytes.length} bytes is not a whole number of u64`);
  // u64s in host order: read as pairs of u32 (also host order) through one typed array,
  // and build the object in one literal (this runs for every link of every cycle;
  // a DataView read per field was most of a link's decoding time on quickjs-ng).
  const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) : new Uint32Array(bytes.slice().buffer);
  const present = bytes.length / 8;
  const lo = HOST_LITTLE_ENDIAN ? 0 : 1;
  const at = (i: number): number => (i < present ? (words[2 * i + 1 - lo] as number) * TWO_POW_32 + (words[2 * i + lo] as number) : 0);
  return ok({
    rxPackets: at(0),
    txPackets: at(1),
    rxBytes: at(2),
    txBytes: at(3),
    rxErrors: at(4),
    txErrors: at(5),
    rxDropped: at(6),
    txDropped: at(7),
    multicast: at(8),
    collisions: at(9),
    rxLengthErrors: at(10),
    rxOverErrors: at(11),
    rxCrcErrors: at(12),
    rxFrameErrors: at(13),
    rxFifoErrors: at(14),
    rxMissedErrors: at(15),
    txAbortedErrors: at(16),
    txCarrierErrors: at(17),
    txFifoErrors: at(18),
    txHeartbeatErrors: at(19),
    txWindowErrors: at(20),
    rxCompressed: at(21),
    txCompressed: at(22),
    rxNohandler: at(23),
    rxOtherhostDropped: at(24),
  });
}

/** Decode an RTM_NEWLINK / RTM_DELLINK message. */
export function decodeLink(message: NetlinkMessage): NlResult<Link> {
  const p = message.payload;
  if (p.length < IFINFOMSG_LEN) return decodeError(`link message: ${p.length} bytes, need a ${IFINFOMSG_LEN}-byte ifinfomsg`);
  const view = viewOf(p);
  const hwType = readU16(view, 2);
  const index = readS32(view, 4);
  const flags = readU32(view, 8);
  const attrs = decodeWithPolicy(p.subarray(IFINFOMSG_LEN), LINK_POLICY, `link ${index}`);
  if (!attrs.ok) return attrs;
  const a = attrs.value;
  let kind: string | null = null;
  let slaveKind: string | null = null;
  if (a.linkinfo) {
    const info = decodeWithPolicy(a.linkinfo, LINKINFO_POLICY, `link ${index} IFLA_LINKINFO`);
    if (!info.ok) return info;
    kind = info.value.kind ?? null;
    slaveKind = info.value.slaveKind ?? null;
  }
  let stats: LinkStats64 | null = null;
  if (a.stats64) {
    const s = decodeStats64(a.stats64);
    if (!s.ok) return decodeError(`link ${index}: ${s.error.message}`);
    stats = s.value;
  }
  return ok({
    index,
    name: a.name ?? '',
    hwType,
    flags,
    up: (flags & IFF_UP) !== 0,
    running: (flags & IFF_RUNNING) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
    operstate: OPERSTATE_NAMES[a.operstate ?? 0] ?? 'unknown',
    carrier: a.carrier === undefined ? null : a.carrier !== 0,
    carrierChanges: a.carrierChanges ?? null,
    mtu: a.mtu ?? null,
    master: a.master ?? 0,
    kind,
    slaveKind,
    address: a.address ?? null,
    stats,
  });
}

function ifinfo(w: MessageWriter, index: number, flags = 0, change = 0): MessageWriter {
  return w.u8(AF_UNSPEC).u8(0).u16(0).s32(index).u32(flags).u32(change);
}

export function linkDumpRequest(): Uint8Array {
  return ifinfo(new MessageWriter(RTM_GETLINK), 0).finish();
}

/** One link by index, or by name when index is 0. */
export function linkGetRequest(target: number | string): Uint8Array {
  const w = ifinfo(new MessageWriter(RTM_GETLINK), typeof target === 'number' ? target : 0);
  if (typeof target === 'string') w.attrString(IFLA_IFNAME, target);
  return w.finish();
}

/** `ip link set dev X up|down`: change only IFF_UP. */
export function linkSetUpRequest(index: number, up: boolean): Uint8Array {
  return ifinfo(new MessageWriter(RTM_SETLINK), index, up ? IFF_UP : 0, IFF_UP).finish();
}

/** `ip link add name NAME type batadv [ra ALGO]` (IFLA_BATADV_ALGO_NAME since batman-adv 2021.0). */
export function createBatadvRequest(name: string, routingAlgo?: string): Uint8Array {
  const w = ifinfo(new MessageWriter(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL), 0).attrString(IFLA_IFNAME, name);
  const info = w.beginNested(IFLA_LINKINFO);
  w.attrString(IFLA_INFO_KIND, 'batadv');
  if (routingAlgo !== undefined) {
    const data = w.beginNested(IFLA_INFO_DATA);
    w.attrString(IFLA_BATADV_ALGO_NAME, routingAlgo);
    w.endNested(data);
  }
  w.endNested(info);
  return w.finish();
}

export function linkDeleteRequest(index: number): Uint8Array {
  return ifinfo(new MessageWriter(RTM_DELLINK), index).finish();
}

/** Enslave `index` to `masterIndex` (batctl if add), or release it with 0 (if del). */
export function linkSetMasterRequest(index: number, masterIndex: number): Uint8Array {
  return ifinfo(new MessageWriter(RTM_SETLINK), index).attrU32(IFLA_MASTER, masterIndex).finish();
}

export interface LinkEvent {
  action: 'new' | 'del';
  link: Link;
}

/** A link notification (RTNLGRP_LINK); null for other message types. */
export function decodeLinkEvent(message: NetlinkMessage): NlResult<LinkEvent> | null {
  if (message.type !== RTM_NEWLINK && message.type !== RTM_DELLINK) return null;
  const link = decodeLink(message);
  if (!link.ok) return link;
  return ok({ action: message.type === RTM_NEWLINK ? 'new' : 'del', link: link.value });
}
