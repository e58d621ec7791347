import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeHeader, GenlResolver, HOST_LITTLE_ENDIAN, MessageWriter, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI,
  NLM_F_REQUEST, NetlinkClient, type NetlinkMessage, type NlResult, Rtnl, RTM_NEWLINK, RTNLGRP_LINK,
} from '../../runtime/src/netlink/index.js';
import { ackMessage, concatBytes, doneMessage, ManualTimers, reply, ScriptedSocket } from '../support/netlink-kernel-script.js';

const t = suite('netlink client');
const PID = 4242;

function item(seq: number, n: number, flags = NLM_F_MULTI): Uint8Array {
  return reply(new MessageWriter(0x20).attrU32(1, n), seq, PID, flags);
}

function values(r: NlResult<NetlinkMessage[]>): number[] {
  if (!r.ok) throw new Error(`expected success, got ${r.error.message}`);
  return r.value.map((m) => new DataView(m.payload.buffer, m.payload.byteOffset + 4).getUint32(0, HOST_LITTLE_ENDIAN));
}

function setup(kernel: ConstructorParameters<typeof ScriptedSocket>[0], options: { dumpRetries?: number; timeoutMs?: number } = {}) {
  const socket = new ScriptedSocket(kernel, PID);
  const timers = new ManualTimers();
  const client = new NetlinkClient(socket, { timers, ...options });
  return { socket, timers, client };
}

const request = () => new MessageWriter(0x20).attrU32(1, 0).finish();

t('do request: flags and seq stamped, replies collected until the ACK', async () => {
  const { client, socket } = setup((req, h, s) => {
    assert.is(h.flags, NLM_F_REQUEST | NLM_F_ACK);
    assert.ok(h.seq !== 0);
    s.deliver(concatBytes(item(h.seq, 7, 0), ackMessage(req, 0, PID)));
  });
  const r = await client.request(request());
  assert.equal(values(r), [7]);
  assert.is(socket.sent.length, 1);
});

t('dump split across several reads, DONE alone in the last one', async () => {
  const { client } = setup((_req, h, s) => {
    assert.is(h.flags, NLM_F_REQUEST | NLM_F_DUMP);
    s.deliver(concatBytes(item(h.seq, 1), item(h.seq, 2)));
    s.deliver(item(h.seq, 3));
    s.deliver(concatBytes(item(h.seq, 4), item(h.seq, 5)));
    s.deliver(doneMessage(h.seq, PID));
  });
  assert.equal(values(await client.dump(request())), [1, 2, 3, 4, 5]);
});

t('dump whose replies arrive later (asynchronously)', async () => {
  let seq = 0;
  const { client, socket } = setup((_r, h) => {
    seq = h.seq;
  });
  const p = client.dump(request());
  socket.deliver(item(seq, 9));
  socket.deliver(concatBytes(item(seq, 8), doneMessage(seq, PID)));
  assert.equal(values(await p), [9, 8]);
});

t('kernel error with extended ACK becomes a kernel error value', async () => {
  const { client } = setup((req, _h, s) => s.deliver(ackMessage(req, 22, PID, { message: 'Unknown routing algorithm', offset: 20 })));
  const r = await client.request(request());
  assert.not.ok(r.ok);
  if (r.ok) return;
  assert.is(r.error.kind, 'kernel');
  assert.is(r.error.code, 'EINVAL');
  assert.is(r.error.errno, 22);
  assert.is(r.error.extack?.message, 'Unknown routing algorithm');
  assert.is(r.error.extack?.offset, 20);
  assert.match(r.error.message, /Invalid argument \(EINVAL\): Unknown routing algorithm/);
});

t('dump error in NLMSG_DONE (batadv: -ENOENT when the mesh has no primary interface)', async () => {
  const { client } = setup((_r, h, s) => s.deliver(doneMessage(h.seq, PID, -2)));
  const r = await client.dump(request());
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal([r.error.kind, r.error.code], ['kernel', 'ENOENT']);
});

/**
 * A fast path (what the native decoder does on our runtime) that takes the messages of
 * the dump whose value is below `limit`, one after the other, and stops at the first
 * other message, as the native one stops at anything it cannot decode completely.
 */
function fastBelow(limit: number) {
  const taken: number[] = [];
  let calls = 0;
  return {
    taken,
    calls: () => calls,
    fastPath: {
      take(d: Uint8Array, offset: number, seq: number): number {
        calls++;
        const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
        let off = offset;
        while (d.length - off >= 16) {
          const h = decodeHeader(d, off);
          if (!h.ok || h.value.seq !== seq || h.value.type !== 0x20 || h.value.flags & NLM_F_DUMP_INTR) break;
          const v = view.getUint32(off + 20, HOST_LITTLE_ENDIAN);
          if (v >= limit) break;
          taken.push(v);
          off += h.value.length;
        }
        return off;
      },
      reset() {
        taken.length = 0;
      },
      count: () => taken.length,
    },
  };
}

t('dump with a fast path: it takes what it can, the rest goes the usual way, in the kernel order', async () => {
  const { client } = setup((_r, h, s) => {
    s.deliver(concatBytes(item(h.seq, 1), item(h.seq, 2), item(h.seq, 50), item(h.seq, 3)));
    s.deliver(concatBytes(item(h.seq, 4), doneMessage(h.seq, PID)));
  });
  const f = fastBelow(10);
  const r = await client.dump(request(), { fastPath: f.fastPath });
  // 1 and 2 taken; 50 stopped it, so 3 and 4 (later in the dump) must not be taken out of order.
  assert.equal([...f.taken, ...values(r)], [1, 2, 50, 3, 4]);
  assert.equal(f.taken, [1, 2]);
  assert.is(f.calls(), 1, 'not asked again once a message went the usual way');

  const all = setup((_r, h, s) => {
    s.deliver(concatBytes(item(h.seq, 1), item(h.seq, 2)));
    s.deliver(concatBytes(item(h.seq, 3), doneMessage(h.seq, PID)));
  });
  const g = fastBelow(10);
  const r2 = await all.client.dump(request(), { fastPath: g.fastPath });
  assert.equal([g.taken, values(r2)], [[1, 2, 3], []]);
});

t('dump with a fast path: an interrupted dump starts over without what was taken, and the message bound counts taken ones', async () => {
  let attempt = 0;
  const { client } = setup((_r, h, s) => {
    attempt++;
    const intr = attempt === 1 ? NLM_F_DUMP_INTR : 0;
    s.deliver(concatBytes(item(h.seq, attempt), item(h.seq, 10 + attempt, NLM_F_MULTI | intr), doneMessage(h.seq, PID, 0, NLM_F_MULTI | intr)));
  });
  const f = fastBelow(100);
  const r = await client.dump(request(), { fastPath: f.fastPath });
  assert.equal([f.taken, values(r)], [[2, 12], []]);

  const bounded = new NetlinkClient(new ScriptedSocket((_r, h, s) => s.deliver(concatBytes(item(h.seq, 1), item(h.seq, 2), item(h.seq, 3), doneMessage(h.seq, PID))), PID), { timers: new ManualTimers(), maxMessages: 2 });
  const over = await bounded.dump(request(), { fastPath: fastBelow(100).fastPath });
  assert.not.ok(over.ok);
  if (!over.ok) assert.is(over.error.code, 'E2BIG');
});

t('NLM_F_DUMP_INTR: the dump is repeated with a new seq; stays interrupted -> error', async () => {
  let attempt = 0;
  const seqs: number[] = [];
  const { client } = setup((_r, h, s) => {
    seqs.push(h.seq);
    attempt++;
    const intr = attempt === 1 ? NLM_F_DUMP_INTR : 0;
    s.deliver(concatBytes(item(h.seq, attempt, NLM_F_MULTI | intr), doneMessage(h.seq, PID, 0, NLM_F_MULTI | intr)));
  });
  assert.equal(values(await client.dump(request())), [2]);
  assert.is(seqs.length, 2);
  assert.ok(seqs[1] !== seqs[0]);
  assert.is(client.stats.dumpRetries, 1);

  const always = setup((_r, h, s) => s.deliver(concatBytes(item(h.seq, 1, NLM_F_MULTI | NLM_F_DUMP_INTR), doneMessage(h.seq, PID))), { dumpRetries: 2 });
  const r = await always.client.dump(request());
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.kind, 'interrupted');
  assert.is(always.socket.sent.length, 3);
});

t('timeout: no answer -> timeout error; the late reply is counted stale, not an event', async () => {
  let seq = 0;
  const { client, socket, timers } = setup((_r, h) => {
    seq = h.seq;
  }, { timeoutMs: 500 });
  let events = 0;
  client.onEvent(() => events++);
  const p = client.request(request());
  timers.advance(499);
  socket.deliver(item(seq, 1, 0)); // activity re-arms the inactivity timer
  timers.advance(499);
  timers.advance(2);
  const r = await p;
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal([r.error.kind, r.error.code], ['timeout', 'ETIMEDOUT']);
  socket.deliver(item(seq, 2, 0));
  assert.is(events, 0);
  assert.is(client.stats.staleMessages, 1);
  assert.is(timers.active, 0, 'no timer left behind');
});

t('ENOBUFS during a dump: resync listeners run and the dump is repeated', async () => {
  let attempt = 0;
  const { client, socket } = setup((_r, h, s) => {
    attempt++;
    s.deliver(item(h.seq, attempt));
    if (attempt === 1) s.fail('ENOBUFS', 105);
    else s.deliver(doneMessage(h.seq, PID));
  });
  let resyncs = 0;
  client.onResync(() => resyncs++);
  assert.equal(values(await client.dump(request())), [2]);
  assert.is(resyncs, 1);
  assert.is(socket.sent.length, 2);
});

t('ENOBUFS during a do request fails it (the caller decides whether to repeat)', async () => {
  const { client } = setup((_r, _h, s) => s.fail('ENOBUFS', 105));
  const r = await client.request(request());
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal([r.error.kind, r.error.code], ['socket', 'ENOBUFS']);
});

t('multicast notifications (seq 0) go to event listeners, also in the middle of a dump', async () => {
  const seen: number[] = [];
  const { client } = setup((_r, h, s) => {
    s.deliver(concatBytes(item(h.seq, 1), reply(new MessageWriter(0x20).attrU32(1, 77), 0, 0), item(h.seq, 2)));
    s.deliver(doneMessage(h.seq, PID));
  });
  // The attribute's u32 value, in host byte order (its first byte is 77 only on little-endian).
  client.onEvent((m) => seen.push(new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(4, HOST_LITTLE_ENDIAN)));
  assert.equal(values(await client.dump(request())), [1, 2]);
  assert.equal(seen, [77]);
});

t('requests are serialised: the second is sent after the first finished', async () => {
  const sentWhileBusy: number[] = [];
  let pending: { seq: number; req: Uint8Array } | null = null;
  const { client, socket } = setup((req, h) => {
    sentWhileBusy.push(pending === null ? 0 : 1);
    pending = { seq: h.seq, req };
  });
  const a = client.request(request());
  const b = client.request(request());
  assert.is(socket.sent.length, 1);
  const first = pending as unknown as { seq: number; req: Uint8Array };
  pending = null;
  socket.deliver(ackMessage(first.req, 0, PID));
  assert.is(socket.sent.length, 2);
  const second = pending as unknown as { seq: number; req: Uint8Array };
  socket.deliver(ackMessage(second.req, 0, PID));
  assert.ok((await a).ok);
  assert.ok((await b).ok);
  assert.equal(sentWhileBusy, [0, 0]);
  assert.ok(second.seq === first.seq + 1);
});

t('a malformed datagram answering the request fails it with a decode error', async () => {
  const { client } = setup((_r, h, s) => {
    const bad = item(h.seq, 1);
    new DataView(bad.buffer).setUint32(0, 200, HOST_LITTLE_ENDIAN); // nlmsg_len lies
    s.deliver(bad);
  });
  const r = await client.dump(request());
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.kind, 'decode');
  assert.is(client.stats.decodeErrors, 1);
});

t('close fails what is pending and closes the socket', async () => {
  const { client, socket } = setup(() => {});
  const a = client.request(request());
  const b = client.dump(request());
  client.close();
  const [ra, rb] = [await a, await b];
  assert.not.ok(ra.ok);
  assert.not.ok(rb.ok);
  if (!ra.ok) assert.is(ra.error.kind, 'closed');
  assert.ok(socket.closed);
  const late = await client.request(request());
  assert.not.ok(late.ok);
});

t('sequence numbers wrap past 0xffffffff to 1, never 0', async () => {
  const seqs: number[] = [];
  const socket = new ScriptedSocket((req, h, s) => {
    seqs.push(h.seq);
    s.deliver(ackMessage(req, 0, PID));
  }, PID);
  const client = new NetlinkClient(socket, { timers: new ManualTimers(), firstSeq: 0xffffffff });
  await client.request(request());
  await client.request(request());
  assert.equal(seqs, [0xffffffff, 1]);
});

t('genl resolver: controller query, cache, group join, missing family', async () => {
  let queries = 0;
  const socket = new ScriptedSocket((req, h, s) => {
    queries++;
    const text = String.fromCharCode(...req.subarray(24, 30)); // CTRL_ATTR_FAMILY_NAME payload
    if (text !== 'batadv') {
      s.deliver(ackMessage(req, 2, PID));
      return;
    }
    const w = new MessageWriter(0x10).u8(1).u8(2).u16(0).attrU16(1, 0x1b).attrString(2, 'batadv').attrU32(3, 1);
    const groups = w.beginNested(7);
    const g1 = w.beginNested(1);
    w.attrString(1, 'config').attrU32(2, 11);
    w.endNested(g1);
    w.endNested(groups);
    s.deliver(concatBytes(reply(w, h.seq, PID), ackMessage(req, 0, PID)));
  }, PID);
  const resolver = new GenlResolver(new NetlinkClient(socket, { timers: new ManualTimers() }));
  const f = await resolver.resolve('batadv');
  assert.ok(f.ok);
  if (f.ok) assert.is(f.value.id, 0x1b);
  await resolver.resolve('batadv');
  assert.is(queries, 1, 'second resolve comes from the cache');
  const joined = await resolver.joinGroup('batadv', 'config');
  assert.ok(joined.ok);
  assert.ok(socket.groups.has(11));
  const missing = await resolver.resolve('nobatd');
  assert.not.ok(missing.ok);
  if (!missing.ok) assert.equal([missing.error.kind, missing.error.code], ['unsupported', 'ENOENT']);
  const noGroup = await resolver.joinGroup('batadv', 'tpmeter');
  assert.not.ok(noGroup.ok);
});

t('rtnl: link dump, link events through RTNLGRP_LINK', async () => {
  const link = (seq: number, index: number, name: string, type = RTM_NEWLINK) =>
    reply(new MessageWriter(type).u8(0).u8(0).u16(1).s32(index).u32(1).u32(0).attrString(3, name), seq, seq ? PID : 0, seq ? NLM_F_MULTI : 0);
  const socket = new ScriptedSocket((_r, h, s) => s.deliver(concatBytes(link(h.seq, 1, 'lo'), link(h.seq, 2, 'eth0'), doneMessage(h.seq, PID))), PID);
  const rtnl = new Rtnl(new NetlinkClient(socket, { timers: new ManualTimers() }));
  const links = await rtnl.links();
  assert.ok(links.ok);
  if (links.ok) assert.equal(links.value.map((l) => [l.index, l.name, l.up]), [[1, 'lo', true], [2, 'eth0', true]]);
  const events: string[] = [];
  rtnl.watchLinks((e) => events.push(`${e.action} ${e.link.name}`));
  assert.ok(socket.groups.has(RTNLGRP_LINK));
  socket.deliver(link(0, 5, 'bat0'));
  socket.deliver(link(0, 5, 'bat0', 17));
  assert.equal(events, ['new bat0', 'del bat0']);
  assert.ok(decodeHeader(socket.sent[0]!).ok);
});

t.run();
