/**
 * Fuzz: random and mutated datagrams into every decoder (netlink, rtnetlink, genl,
 * batadv, uevents) and through the client. Nothing may throw; every decoder must
 * answer with a result value. Deterministic (seeded PRNG), ≥ 100k cases.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BATADV_POLICY, decodeBatadvMessage, decodeConfigEvent, decodeGatewayUevent, meshTunablesFrom, parseGateway,
  parseGlobalTt, parseHardInterface, parseLocalTt, parseMeshInfo, parseNeighbor, parseOriginator,
} from '../../runtime/src/mesh/index.js';
import { fakeKernel, fakeMesh } from '../support/batadv-kernel-script.js';
import {
  createBatadvRequest, decodeAttributes, decodeDoneMessage, decodeErrorMessage, decodeExtendedAck, decodeFamily,
  decodeGenl, decodeLink, decodeLinkEvent, decodeStats64, decodeUevent, decodeWithPolicy, GenlResolver,
  getFamilyRequest, HOST_LITTLE_ENDIAN, linkDumpRequest, MessageWriter, NetlinkClient, Rtnl, splitMessages, utf8Encode,
} from '../../runtime/src/netlink/index.js';
import { ackMessage, doneMessage, ManualTimers, prng, ScriptedSocket } from '../support/netlink-kernel-script.js';

const t = suite('netlink fuzz');
const CASES = 100_000;

/** Valid datagrams as the kernel sends them: captured from the scripted kernel, plus control messages. */
async function corpus(): Promise<Uint8Array[]> {
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

function mutate(rand: () => number, seeds: Uint8Array[]): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  let d = (seeds[pick(seeds.length)] as Uint8Array).slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    switch (pick(8)) {
      case 0: // flip bits
        if (d.length) {
          const at = pick(d.length);
          d[at] = (d[at] as number) ^ (1 << pick(8));
        }
        break;
      case 1: // random byte
        if (d.length) d[pick(d.length)] = pick(256);
        break;
      case 2: // truncate
        d = d.slice(0, pick(d.length + 1));
        break;
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

function randomBytes(rand: () => number): Uint8Array {
  return new Uint8Array(Math.floor(rand() * 96)).map(() => Math.floor(rand() * 256));
}

/** Every decoder on one datagram; returns how many result values came back. */
function decodeEverything(d: Uint8Array): number {
  let results = 0;
  const seen = (r: { ok: boolean } | null) => {
    if (r !== null && typeof r.ok !== 'boolean') throw new Error('decoder returned a non-result');
    results++;
  };
  seen(decodeAttributes(d));
  seen(decodeWithPolicy(d, BATADV_POLICY));
  seen(decodeExtendedAck(d));
  seen(decodeStats64(d));
  const ev = decodeUevent(d); // also runs the UTF-8 decoder over the whole datagram
  seen(ev);
  if (ev.ok) decodeGatewayUevent(ev.value);
  const split = splitMessages(d);
  seen(split);
  if (!split.ok) return results;
  for (const m of split.value) {
    seen(decodeErrorMessage(m));
    seen(decodeDoneMessage(m));
    seen(decodeLink(m));
    seen(decodeLinkEvent(m));
    seen(decodeFamily(m));
    seen(decodeGenl(m));
    seen(decodeConfigEvent(m));
    const b = decodeBatadvMessage(m);
    seen(b);
    if (b.ok) {
      const a = b.value.attrs;
      for (const parse of [parseMeshInfo, parseHardInterface, parseOriginator, parseNeighbor, parseGateway, parseLocalTt, parseGlobalTt]) seen(parse(a));
      meshTunablesFrom(a);
    }
  }
  return results;
}

t('random and mutated datagrams: no exception escapes any decoder', async () => {
  const seeds = await corpus();
  assert.ok(seeds.length > 40, `corpus of ${seeds.length} datagrams`);
  const rand = prng(0x5eed);
  let failures = 0;
  let firstFailure = '';
  let results = 0;
  for (let i = 0; i < CASES; i++) {
    const d = i % 4 === 0 ? randomBytes(rand) : mutate(rand, seeds);
    try {
      results += decodeEverything(d);
    } catch (e) {
      if (!failures) firstFailure = `case ${i} (${[...d].map((b) => b.toString(16).padStart(2, '0')).join('')}): ${(e as Error).stack ?? e}`;
      failures++;
    }
  }
  assert.is(failures, 0, firstFailure);
  assert.ok(results > CASES * 5);
});

t('mutated replies through the client: requests end with a value, never an exception', async () => {
  const seeds = await corpus();
  const rand = prng(42);
  let seq = 0;
  const socket = new ScriptedSocket((_r, h) => {
    seq = h.seq;
  });
  const timers = new ManualTimers();
  const client = new NetlinkClient(socket, { timers, timeoutMs: 10, maxMessages: 1000 });
  client.onEvent(() => {});
  let settled = 0;
  let pending = 0;
  for (let i = 0; i < 5000; i++) {
    if (pending === 0) {
      pending++;
      const p = i % 2 ? client.dump(new MessageWriter(0x1b).u32(0).finish()) : client.request(new MessageWriter(0x1b).u32(0).finish());
      p.then((r) => {
        assert.is(typeof r.ok, 'boolean');
        settled++;
        pending--;
      });
    }
    const d = mutate(rand, seeds);
    if (d.length >= 16 && rand() < 0.8) new DataView(d.buffer, d.byteOffset).setUint32(8, seq, HOST_LITTLE_ENDIAN); // answer the request
    socket.deliver(d);
    if (rand() < 0.05) socket.fail(rand() < 0.5 ? 'ENOBUFS' : 'EMSGSIZE', 105);
    timers.advance(rand() < 0.1 ? 20 : 0);
    await Promise.resolve(); // let resolved requests run their continuations
    await Promise.resolve();
  }
  timers.advance(100);
  await Promise.resolve();
  assert.ok(settled > 100, `${settled} requests settled`);
  client.close();
});

t.run();
