/**
 * Test support: the seed corpus and the mutator of the netlink fuzz tests. The corpus is
 * every datagram the scripted kernel sends for a full client session on a 5-node mesh
 * (both algorithms), plus control messages; the mutator flips bits, truncates, lies in
 * length fields, splices and inserts junk.
 */
import { fakeKernel, fakeMesh } from './batadv-kernel-script.js';
import { BLIND_MUTATIONS, blindMutation } from './byte-mutations.js';
import {
  createBatadvRequest, GenlResolver, getFamilyRequest, HOST_LITTLE_ENDIAN, linkDumpRequest, NetlinkClient, Rtnl, utf8Encode,
} from '../../runtime/src/netlink/index.js';
import { ackMessage, doneMessage, ManualTimers, ScriptedSocket } from './netlink-kernel-script.js';

/** Valid datagrams as the kernel sends them: captured from the scripted kernel, plus control messages. */
export async function corpus(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const algo of ['BATMAN_IV', 'BATMAN_V'] as const) {
    const mesh = fakeMesh(algo, 5);
    mesh.perDatagram = 2;
    const capture = (socket: ScriptedSocket) => {
      const deliver = socket.deliver.bind(socket);
      socket.deliver = (d) => {
        out.push(d.slice());
        deliver(d);
      };
      return socket;
    };
    const timers = new ManualTimers();
    const genl = new GenlResolver(new NetlinkClient(capture(new ScriptedSocket(fakeKernel(mesh))), { timers }));
    const rtnl = new Rtnl(new NetlinkClient(capture(new ScriptedSocket(fakeKernel(mesh))), { timers }));
    const { Batadv, getMeshInfo, listHardInterfaces, listOriginators, listNeighbors, listGateways, listLocalTranslations, listGlobalTranslations } = await import('../../runtime/src/mesh/index.js');
    await rtnl.links();
    const b = await Batadv.open(genl, 7);
    if (!b.ok) throw new Error('corpus: open failed');
    for (const f of [getMeshInfo, listHardInterfaces, listOriginators, listNeighbors, listGateways, listLocalTranslations, listGlobalTranslations]) await f(b.value);
  }
  const req = getFamilyRequest('batadv');
  out.push(ackMessage(req, 0, 1), ackMessage(req, 22, 1, { message: 'bad attribute', offset: 20 }), ackMessage(req, 1, 1, { echo: false, message: 'x' }));
  out.push(doneMessage(1, 1, -2), createBatadvRequest('bat0', 'BATMAN_V'), linkDumpRequest());
  out.push(utf8Encode('change@/devices/virtual/net/bat0\0ACTION=change\0BATTYPE=gw\0BATACTION=add\0BATDATA=02:00:00:00:00:02\0INTERFACE=bat0\0'));
  return out;
}

export function mutate(rand: () => number, seeds: Uint8Array[]): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  let d = (seeds[pick(seeds.length)] as Uint8Array).slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const kind = pick(8);
    if (kind < BLIND_MUTATIONS) {
      d = blindMutation(d, pick, kind);
      continue;
    }
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    switch (kind) {
      case 3: // lie in a u16 length field (nla_len) at a 4-byte boundary
        if (d.length >= 4) view.setUint16(pick(d.length >> 2) * 4, [0, 1, 3, 4, 5, 0xffff, pick(0x10000), d.length][pick(8)] as number, HOST_LITTLE_ENDIAN);
        break;
      case 4: // lie in a u32 length field (nlmsg_len)
        if (d.length >= 4) view.setUint32(pick(d.length >> 2) * 4, [0, 15, 16, 17, 0xffffffff, pick(4096), d.length + 4][pick(7)] as number, HOST_LITTLE_ENDIAN);
        break;
      case 5: { // splice with another seed
        const other = seeds[pick(seeds.length)] as Uint8Array;
        const cut = pick(d.length + 1);
        const merged = new Uint8Array(cut + other.length);
        merged.set(d.subarray(0, cut));
        merged.set(other, cut);
        d = merged;
        break;
      }
      case 6: { // insert junk
        const junk = new Uint8Array(1 + pick(12)).map(() => pick(256));
        const at = pick(d.length + 1);
        const grown = new Uint8Array(d.length + junk.length);
        grown.set(d.subarray(0, at));
        grown.set(junk, at);
        grown.set(d.subarray(at), at + junk.length);
        d = grown;
        break;
      }
      default: // set the NLA_F_NESTED / byte-order bits on an attribute type
        if (d.length >= 4) view.setUint16(pick(d.length >> 2) * 4 + 2, pick(0x10000), HOST_LITTLE_ENDIAN);
    }
  }
  return d;
}

export function randomBytes(rand: () => number): Uint8Array {
  return new Uint8Array(Math.floor(rand() * 96)).map(() => Math.floor(rand() * 256));
}

