/**
 * Test support (not used by the agent): a scripted kernel that answers the genl
 * controller, batadv commands and RTM_GETLINK the way Linux 6.1 fills them
 * (net/batman-adv netlink.c, bat_iv_ogm.c, bat_v.c), for a described mesh.
 */
import { BATADV_ATTR as A, BATADV_CMD as C } from '../../runtime/src/mesh/constants.js';
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_VERSION, GENL_ID_CTRL, IFLA_IFNAME, IFLA_INFO_KIND,
  IFLA_LINKINFO, IFLA_MASTER, IFLA_OPERSTATE, IFLA_STATS64, NLM_F_MULTI, RTM_GETLINK, RTM_NEWLINK,
} from '../../runtime/src/netlink/constants.js';
import { decodeAttributes } from '../../runtime/src/netlink/attributes.js';
import { cString, parseMac, readU32, viewOf } from '../../runtime/src/netlink/bytes.js';
import { MessageWriter } from '../../runtime/src/netlink/writer.js';
import { ackMessage, concatBytes, doneMessage, reply, type ScriptedSocket } from './netlink-kernel-script.js';
import type { NetlinkHeader } from '../../runtime/src/netlink/message.js';

export const FAKE_BATADV_FAMILY = 0x1b;
export const FAKE_CONFIG_GROUP = 9;
export const ENOENT = 2;

export interface FakeHardif {
  ifindex: number;
  ifname: string;
  mac: string;
  active: boolean;
  hopPenalty?: number;
}
export interface FakeOrigPair {
  orig: string;
  neigh: string;
  ifindex: number;
  ifname: string;
  lastSeen: number;
  best: boolean;
  /** TQ (IV) or throughput in kbit/s (V). */
  metric: number;
}
export interface FakeNeigh {
  neigh: string;
  ifindex: number;
  ifname: string;
  lastSeen: number;
  /** V only: kbit/s. */
  throughput?: number;
}
export interface FakeGateway {
  orig: string;
  router: string;
  ifindex: number;
  ifname: string;
  best: boolean;
  /** TQ (IV) or throughput in 100 kbit/s units (V: that is what the kernel sends). */
  metric: number;
  down: number;
  up: number;
}
export interface FakeMesh {
  algorithm: 'BATMAN_IV' | 'BATMAN_V';
  meshIfindex: number;
  meshIfname: string;
  meshMac: string;
  /** ifindex of the active primary interface, or null for "mesh down". */
  primary: number | null;
  hardifs: FakeHardif[];
  originators: FakeOrigPair[];
  neighbors: FakeNeigh[];
  gateways: FakeGateway[];
  /** Messages per datagram in dumps (to exercise split reads). */
  perDatagram: number;
  /** batman-adv not loaded: the controller answers ENOENT. */
  noModule?: boolean;
}

function mac(text: string): Uint8Array {
  const m = parseMac(text);
  if (!m) throw new Error(`bad MAC ${text}`);
  return m;
}

export function fakeMesh(algorithm: 'BATMAN_IV' | 'BATMAN_V', nodes = 4): FakeMesh {
  const macOf = (n: number) => `02:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
  const hardifs: FakeHardif[] = [
    { ifindex: 3, ifname: 'eth1', mac: macOf(1), active: true },
    { ifindex: 4, ifname: 'eth2', mac: '02:00:00:01:00:01', active: false },
  ];
  const originators: FakeOrigPair[] = [];
  const neighbors: FakeNeigh[] = [];
  const v = algorithm === 'BATMAN_V';
  for (let n = 2; n <= nodes; n++) {
    const via = n <= 3 ? macOf(n) : macOf(2);
    originators.push({ orig: macOf(n), neigh: via, ifindex: 3, ifname: 'eth1', lastSeen: 120 * n + 7, best: true, metric: v ? 100000 - n * 1234 : 255 - n * 10 });
    if (n > 3) originators.push({ orig: macOf(n), neigh: macOf(3), ifindex: 3, ifname: 'eth1', lastSeen: 120 * n + 7, best: false, metric: v ? 50000 - n : 200 - n });
  }
  for (let n = 2; n <= Math.min(3, nodes); n++) neighbors.push({ neigh: macOf(n), ifindex: 3, ifname: 'eth1', lastSeen: 40 * n, ...(v ? { throughput: 1000000 + n * 100 } : {}) });
  const gateways: FakeGateway[] = [
    { orig: macOf(2), router: macOf(2), ifindex: 3, ifname: 'eth1', best: true, metric: v ? 9876 : 230, down: 100, up: 20 },
  ];
  return { algorithm, meshIfindex: 7, meshIfname: 'bat0', meshMac: '02:ba:70:00:00:01', primary: 3, hardifs, originators, neighbors, gateways, perDatagram: 3 };
}

/** Attributes of a request after the genl header, as a map type → bytes. */
function requestAttrs(request: Uint8Array): Map<number, Uint8Array> {
  const a = decodeAttributes(request.subarray(20));
  const out = new Map<number, Uint8Array>();
  if (a.ok) for (const x of a.value) out.set(x.type, x.data);
  return out;
}

function genl(family: number, cmd: number): MessageWriter {
  return new MessageWriter(family).u8(cmd).u8(1).u16(0);
}

/** The last SET_* requests seen, decoded to attribute maps (for assertions). */
export interface FakeKernelLog {
  sets: { cmd: number; attrs: Map<number, Uint8Array> }[];
}

/** Install a kernel for `mesh` on a ScriptedSocket (used for both genl and rtnl clients). */
export function fakeKernel(mesh: FakeMesh, log: FakeKernelLog = { sets: [] }) {
  // Returns whatever the last delivery returned; callers ignore it (a kernel answers by delivering).
  return (request: Uint8Array, h: NetlinkHeader, s: ScriptedSocket): unknown => {
    const pid = s.portId;
    const sendDump = (messages: Uint8Array[]) => {
      for (let i = 0; i < messages.length; i += mesh.perDatagram) s.deliver(concatBytes(...messages.slice(i, i + mesh.perDatagram)));
      s.deliver(doneMessage(h.seq, pid));
    };
    const entry = (cmd: number, fill: (w: MessageWriter) => void) => {
      const w = genl(FAKE_BATADV_FAMILY, cmd);
      fill(w);
      return reply(w, h.seq, pid, NLM_F_MULTI);
    };
    if (h.type === RTM_GETLINK) {
      const links: Uint8Array[] = [];
      const link = (index: number, name: string, master: number, kind: string | null) => {
        const w = new MessageWriter(RTM_NEWLINK).u8(0).u8(0).u16(1).s32(index).u32(0x11043).u32(0);
        w.attrString(IFLA_IFNAME, name).attrU8(IFLA_OPERSTATE, 6);
        if (master) w.attrU32(IFLA_MASTER, master);
        if (kind) {
          const li = w.beginNested(IFLA_LINKINFO);
          w.attrString(IFLA_INFO_KIND, kind);
          w.endNested(li);
        }
        w.attr(IFLA_STATS64, new Uint8Array(24 * 8).fill(1, 0, 1));
        return reply(w, h.seq, pid, NLM_F_MULTI);
      };
      links.push(link(1, 'lo', 0, null));
      for (const hi of mesh.hardifs) links.push(link(hi.ifindex, hi.ifname, mesh.meshIfindex, 'veth'));
      links.push(link(mesh.meshIfindex, mesh.meshIfname, 0, 'batadv'));
      // RTM_GETLINK for one name (a do request): answer with that link or ENODEV
      const named = decodeAttributes(request.subarray(32));
      const nameAttr = named.ok ? named.value.find((a) => a.type === IFLA_IFNAME) : undefined;
      if (nameAttr) {
        const wanted = cString(nameAttr.data);
        const all = [{ i: 1, n: 'lo' }, ...mesh.hardifs.map((x) => ({ i: x.ifindex, n: x.ifname })), { i: mesh.meshIfindex, n: mesh.meshIfname }];
        const idx = all.findIndex((x) => x.n === wanted);
        if (idx < 0) s.deliver(ackMessage(request, 19, pid));
        else s.deliver(concatBytes(links[idx] as Uint8Array, ackMessage(request, 0, pid)));
        return;
      }
      sendDump(links);
      return;
    }
    if (h.type === GENL_ID_CTRL) {
      if (mesh.noModule) {
        s.deliver(ackMessage(request, ENOENT, pid));
        return;
      }
      const w = genl(GENL_ID_CTRL, 1)
        .attrString(CTRL_ATTR_FAMILY_NAME, 'batadv').attrU16(CTRL_ATTR_FAMILY_ID, FAKE_BATADV_FAMILY)
        .attrU32(CTRL_ATTR_VERSION, 1).attrU32(CTRL_ATTR_HDRSIZE, 0).attrU32(CTRL_ATTR_MAXATTR, 60);
      const groups = w.beginNested(CTRL_ATTR_MCAST_GROUPS);
      [['config', FAKE_CONFIG_GROUP], ['tpmeter', FAKE_CONFIG_GROUP + 1]].forEach(([name, id], i) => {
        const g = w.beginNested(i + 1);
        w.attrString(CTRL_ATTR_MCAST_GRP_NAME, name as string).attrU32(CTRL_ATTR_MCAST_GRP_ID, id as number);
        w.endNested(g);
      });
      w.endNested(groups);
      s.deliver(concatBytes(reply(w, h.seq, pid), ackMessage(request, 0, pid)));
      return;
    }
    if (h.type !== FAKE_BATADV_FAMILY) {
      s.deliver(ackMessage(request, 95, pid));
      return;
    }
    const cmd = request[16] as number;
    const attrs = requestAttrs(request);
    const meshIdx = attrs.get(A.MESH_IFINDEX);
    if (meshIdx?.length !== 4) return s.deliver(ackMessage(request, 22, pid));
    if (readU32(viewOf(meshIdx), 0) !== mesh.meshIfindex) return s.deliver(ackMessage(request, 19, pid));
    const v = mesh.algorithm === 'BATMAN_V';
    const primary = mesh.hardifs.find((x) => x.ifindex === mesh.primary && x.active);
    const hardifFill = (w: MessageWriter, x: FakeHardif) => {
      w.attrU32(A.MESH_IFINDEX, mesh.meshIfindex).attrString(A.MESH_IFNAME, mesh.meshIfname)
        .attrU32(A.HARD_IFINDEX, x.ifindex).attrString(A.HARD_IFNAME, x.ifname).attr(A.HARD_ADDRESS, mac(x.mac));
      if (x.active) w.attrFlag(A.ACTIVE);
      w.attrU8(A.HOP_PENALTY, x.hopPenalty ?? 0).attrU32(A.ELP_INTERVAL, 500).attrU32(A.THROUGHPUT_OVERRIDE, 0);
    };
    switch (cmd) {
      case C.GET_MESH: {
        const w = genl(FAKE_BATADV_FAMILY, C.GET_MESH)
          .attrString(A.VERSION, '2022.3').attrString(A.ALGO_NAME, mesh.algorithm)
          .attrU32(A.MESH_IFINDEX, mesh.meshIfindex).attrString(A.MESH_IFNAME, mesh.meshIfname)
          .attr(A.MESH_ADDRESS, mac(mesh.meshMac)).attrU8(A.TT_TTVN, 3).attrU16(A.BLA_CRC, 0xbeef)
          .attrU32(A.MCAST_FLAGS, 0).attrU32(A.MCAST_FLAGS_PRIV, 1);
        if (primary) w.attrU32(A.HARD_IFINDEX, primary.ifindex).attrString(A.HARD_IFNAME, primary.ifname).attr(A.HARD_ADDRESS, mac(primary.mac));
        w.attrU8(A.AGGREGATED_OGMS_ENABLED, 1).attrU8(A.AP_ISOLATION_ENABLED, 0).attrU32(A.ISOLATION_MARK, 0).attrU32(A.ISOLATION_MASK, 0)
          .attrU8(A.BONDING_ENABLED, 0).attrU8(A.BRIDGE_LOOP_AVOIDANCE_ENABLED, 1).attrU8(A.DISTRIBUTED_ARP_TABLE_ENABLED, 1)
          .attrU8(A.FRAGMENTATION_ENABLED, 1).attrU32(A.GW_BANDWIDTH_DOWN, 100).attrU32(A.GW_BANDWIDTH_UP, 20).attrU8(A.GW_MODE, 0)
          .attrU32(A.GW_SEL_CLASS, v ? 50 : 20).attrU8(A.HOP_PENALTY, 30).attrU8(A.MULTICAST_FORCEFLOOD_ENABLED, 0)
          .attrU32(A.MULTICAST_FANOUT, 16).attrU8(A.NETWORK_CODING_ENABLED, 0).attrU32(A.ORIG_INTERVAL, 1000);
        s.deliver(concatBytes(reply(w, h.seq, pid), ackMessage(request, 0, pid)));
        return;
      }
      case C.GET_ROUTING_ALGOS:
        return sendDump(['BATMAN_IV', 'BATMAN_V'].map((n) => entry(C.GET_ROUTING_ALGOS, (w) => w.attrString(A.ALGO_NAME, n))));
      case C.GET_HARDIF: {
        const one = attrs.get(A.HARD_IFINDEX);
        if (one) {
          const x = mesh.hardifs.find((y) => y.ifindex === readU32(viewOf(one), 0));
          if (!x) return s.deliver(ackMessage(request, 19, pid));
          const w = genl(FAKE_BATADV_FAMILY, C.GET_HARDIF);
          hardifFill(w, x);
          return s.deliver(concatBytes(reply(w, h.seq, pid), ackMessage(request, 0, pid)));
        }
        return sendDump(mesh.hardifs.map((x) => entry(C.GET_HARDIF, (w) => hardifFill(w, x))));
      }
      case C.GET_ORIGINATORS:
        if (!primary) return s.deliver(doneMessage(h.seq, pid, -ENOENT));
        return sendDump(mesh.originators.map((o) => entry(C.GET_ORIGINATORS, (w) => {
          w.attr(A.ORIG_ADDRESS, mac(o.orig)).attr(A.NEIGH_ADDRESS, mac(o.neigh)).attrString(A.HARD_IFNAME, o.ifname).attrU32(A.HARD_IFINDEX, o.ifindex);
          if (v) w.attrU32(A.THROUGHPUT, o.metric);
          else w.attrU8(A.TQ, o.metric);
          w.attrU32(A.LAST_SEEN_MSECS, o.lastSeen);
          if (o.best) w.attrFlag(A.FLAG_BEST);
        })));
      case C.GET_NEIGHBORS:
        if (!primary) return s.deliver(doneMessage(h.seq, pid, -ENOENT));
        return sendDump(mesh.neighbors.map((n) => entry(C.GET_NEIGHBORS, (w) => {
          w.attr(A.NEIGH_ADDRESS, mac(n.neigh)).attrString(A.HARD_IFNAME, n.ifname).attrU32(A.HARD_IFINDEX, n.ifindex).attrU32(A.LAST_SEEN_MSECS, n.lastSeen);
          if (v && n.throughput !== undefined) w.attrU32(A.THROUGHPUT, n.throughput);
        })));
      case C.GET_GATEWAYS:
        if (!primary) return s.deliver(doneMessage(h.seq, pid, -ENOENT));
        return sendDump(mesh.gateways.map((g) => entry(C.GET_GATEWAYS, (w) => {
          if (g.best) w.attrFlag(A.FLAG_BEST);
          w.attr(A.ORIG_ADDRESS, mac(g.orig));
          if (v) w.attrU32(A.THROUGHPUT, g.metric);
          else w.attrU8(A.TQ, g.metric);
          w.attr(A.ROUTER, mac(g.router)).attrString(A.HARD_IFNAME, g.ifname).attrU32(A.HARD_IFINDEX, g.ifindex)
            .attrU32(A.BANDWIDTH_DOWN, g.down).attrU32(A.BANDWIDTH_UP, g.up);
        })));
      case C.GET_TRANSTABLE_LOCAL:
        return sendDump([entry(C.GET_TRANSTABLE_LOCAL, (w) => w.attr(A.TT_ADDRESS, mac('02:aa:00:00:00:01')).attrU32(A.TT_CRC32, 0x1234abcd).attrU16(A.TT_VID, 0x8000 | 5).attrU32(A.TT_FLAGS, 0x10).attrU32(A.LAST_SEEN_MSECS, 4500))]);
      case C.GET_TRANSTABLE_GLOBAL:
        return sendDump([entry(C.GET_TRANSTABLE_GLOBAL, (w) => w.attr(A.TT_ADDRESS, mac('02:bb:00:00:00:01')).attr(A.ORIG_ADDRESS, mac('02:00:00:00:00:02')).attrU8(A.TT_TTVN, 9).attrU8(A.TT_LAST_TTVN, 8).attrU32(A.TT_CRC32, 7).attrU16(A.TT_VID, 0).attrU32(A.TT_FLAGS, 0).attrFlag(A.FLAG_BEST))]);
      case C.SET_MESH:
      case C.SET_HARDIF:
        log.sets.push({ cmd, attrs });
        return s.deliver(ackMessage(request, 0, pid));
      default:
        return s.deliver(ackMessage(request, 95, pid));
    }
  };
}
