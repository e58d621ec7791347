import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  attributeTable, createBatadvRequest, cString, decodeAttributes, decodeStats64, LINK_STATS64_FIELDS, decodeDoneMessage, decodeErrorMessage, decodeFamily,
  decodeLink, decodeUevent, decodeWithPolicy, formatMac, HOST_LITTLE_ENDIAN, IFF_LOWER_UP, IFF_RUNNING, IFF_UP,
  IFLA_BATADV_ALGO_NAME, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MASTER, linkSetMasterRequest,
  linkSetUpRequest, MessageWriter, type NetlinkMessage, NLA_F_NESTED, NLM_F_ACK_TLVS, NLM_F_CREATE, NLM_F_EXCL, NLM_F_MULTI, NLMSG_ERROR,
  parseMac, readU64, RTM_NEWLINK, RTM_SETLINK, splitMessages, utf8Decode, utf8Encode, viewOf, writeU64,
} from '../../runtime/src/netlink/index.js';
import { ackMessage, concatBytes, doneMessage, reply, u16h, u32h } from '../support/netlink-kernel-script.js';

const t = suite('netlink codec');

/** The single message of a fixture datagram. */
function only(bytes: Uint8Array): NetlinkMessage {
  const r = splitMessages(bytes);
  if (!r.ok || r.value.length !== 1) throw new Error('fixture is not one message');
  return r.value[0]!;
}

t('host byte order is probed, not assumed', () => {
  const probe = new Uint8Array(new Uint32Array([0x01020304]).buffer);
  assert.is(HOST_LITTLE_ENDIAN, probe[0] === 4);
});

t('hand-made message: header and attributes in host order', () => {
  // nlmsghdr(len 28, type 0x20, flags MULTI, seq 7, pid 99) + u32 attr type 3 + 2-byte string attr type 1 "a\0"
  const bytes = Uint8Array.from([
    ...u32h(30), ...u16h(0x20), ...u16h(NLM_F_MULTI), ...u32h(7), ...u32h(99),
    ...u16h(8), ...u16h(3), ...u32h(0xdeadbeef),
    ...u16h(6), ...u16h(1), 0x61, 0,
  ]);
  const msgs = splitMessages(bytes);
  assert.ok(msgs.ok);
  if (!msgs.ok) return;
  assert.is(msgs.value.length, 1);
  const m = msgs.value[0]!;
  assert.equal([m.length, m.type, m.flags, m.seq, m.pid], [30, 0x20, NLM_F_MULTI, 7, 99]);
  const attrs = decodeAttributes(m.payload);
  assert.ok(attrs.ok);
  if (!attrs.ok) return;
  assert.is(attrs.value.length, 2);
  assert.is(viewOf(attrs.value[0]!.data).getUint32(0, HOST_LITTLE_ENDIAN), 0xdeadbeef);
  assert.is(cString(attrs.value[1]!.data), 'a');
});

t('writer: padding, nesting with NLA_F_NESTED, round trip', () => {
  const w = new MessageWriter(0x30, 0).u8(1).u8(1).u16(0);
  w.attrString(2, 'bat0'); // 4+5 = 9 -> padded to 12
  const outer = w.beginNested(7);
  const inner = w.beginNested(1);
  w.attrU32(2, 0x12345678);
  w.attrU16(3, 0xbeef);
  w.endNested(inner);
  w.attrU8(4, 200);
  w.endNested(outer);
  w.attrU64(9, 2 ** 40 + 5);
  w.attrFlag(10);
  const bytes = w.finish();
  assert.is(bytes.length % 4, 0);
  const attrs = decodeAttributes(only(bytes).payload.subarray(4));
  assert.ok(attrs.ok);
  if (!attrs.ok) return;
  assert.equal(attrs.value.map((a) => [a.type, a.nested]), [[2, false], [7, true], [9, false], [10, false]]);
  const nest = decodeAttributes(attrs.value[1]!.data);
  assert.ok(nest.ok);
  if (!nest.ok) return;
  assert.is(nest.value[0]!.nested, true);
  assert.is(nest.value[1]!.type, 4);
  const inner2 = decodeAttributes(nest.value[0]!.data);
  assert.ok(inner2.ok);
  if (!inner2.ok) return;
  assert.is(viewOf(inner2.value[0]!.data).getUint32(0, HOST_LITTLE_ENDIAN), 0x12345678);
  assert.is(viewOf(inner2.value[1]!.data).getUint16(0, HOST_LITTLE_ENDIAN), 0xbeef);
  assert.is(readU64(viewOf(attrs.value[2]!.data), 0), 2 ** 40 + 5);
  assert.is(attrs.value[3]!.data.length, 0);
});

t('several messages per datagram; the last may lack its padding', () => {
  const a = reply(new MessageWriter(0x20).attrString(1, 'x'), 1, 2); // 16+4+2=22 -> 24 with pad
  const b = reply(new MessageWriter(0x21).u8(9), 1, 2); // 17 bytes, no pad at the end
  const d = concatBytes(a, b.subarray(0, 17));
  const msgs = splitMessages(d);
  assert.ok(msgs.ok);
  if (!msgs.ok) return;
  assert.equal(msgs.value.map((m) => m.type), [0x20, 0x21]);
  assert.equal([...msgs.value[1]!.payload], [9]);
});

t('malformed frames are error values', () => {
  const good = reply(new MessageWriter(0x20).u32(1), 1, 1);
  const cases: [string, Uint8Array][] = [
    ['short header', good.subarray(0, 10)],
    ['length < 16', (() => { const c = good.slice(); viewOf(c).setUint32(0, 8, HOST_LITTLE_ENDIAN); return c; })()],
    ['length past end', (() => { const c = good.slice(); viewOf(c).setUint32(0, 400, HOST_LITTLE_ENDIAN); return c; })()],
    ['trailing bytes', concatBytes(good, Uint8Array.of(1, 2, 3, 4, 5))],
  ];
  for (const [name, bytes] of cases) {
    const r = splitMessages(bytes);
    assert.not.ok(r.ok, name);
    if (!r.ok) assert.is(r.error.kind, 'decode', name);
  }
  assert.ok(splitMessages(new Uint8Array(0)).ok, 'empty datagram holds no messages');
});

t('malformed attributes are error values', () => {
  assert.not.ok(decodeAttributes(Uint8Array.from([...u16h(2), ...u16h(1)])).ok, 'nla_len < 4');
  assert.not.ok(decodeAttributes(Uint8Array.from([...u16h(12), ...u16h(1), 1, 2])).ok, 'nla_len past end');
  const padOnly = decodeAttributes(Uint8Array.from([...u16h(5), ...u16h(1), 7, 0, 0]));
  assert.ok(padOnly.ok, 'short trailing padding tolerated');
  const table = attributeTable(Uint8Array.from([...u16h(5), ...u16h(1), 7, 0, 0, 0, ...u16h(5), ...u16h(1), 8, 0, 0, 0]), 3);
  assert.ok(table.ok);
  if (table.ok) assert.equal([...table.value[1]!], [8], 'last repeated attribute wins');
});

t('policy decoding: typed values, wrong sizes named, unknown skipped', () => {
  const policy = {
    1: { key: 'name', kind: 'string' },
    2: { key: 'index', kind: 'u32' },
    3: { key: 'mac', kind: 'mac' },
    4: { key: 'best', kind: 'flag' },
    5: { key: 'tq', kind: 'u8' },
    6: { key: 'ip', kind: 'ipv4' },
  } as const;
  const w = new MessageWriter(0x20)
    .attr(1, Uint8Array.of(0x65, 0x74, 0x68, 0x30)) // no NUL terminator
    .attrU32(2, 7)
    .attr(3, Uint8Array.of(2, 0, 0, 0, 0, 0xab))
    .attrFlag(4)
    .attrU8(5, 255)
    .attr(6, Uint8Array.of(10, 0, 0, 1))
    .attrU32(99, 1);
  const bytes = w.finish().subarray(16);
  const r = decodeWithPolicy(bytes, policy);
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value, { name: 'eth0', index: 7, mac: '02:00:00:00:00:ab', best: true, tq: 255, ip: '10.0.0.1' });
  const bad = decodeWithPolicy(new MessageWriter(0).attrU16(2, 7).finish().subarray(16), policy, 'test');
  assert.not.ok(bad.ok);
  if (!bad.ok) assert.match(bad.error.message, /index \(2\): expected 4 bytes, got 2/);
});

t('NLMSG_ERROR: capped ACK, error with echoed request and extended ACK', () => {
  const request = reply(new MessageWriter(0x1c).u8(15).u8(1).u16(0).attrU32(3, 5).attrU8(53, 1), 77, 0);
  const ack = splitMessages(ackMessage(request, 0, 4242));
  assert.ok(ack.ok);
  if (!ack.ok) return;
  const decodedAck = decodeErrorMessage(ack.value[0]!);
  assert.ok(decodedAck.ok);
  if (decodedAck.ok) {
    assert.is(decodedAck.value.errno, 0);
    assert.is(decodedAck.value.request?.seq, 77);
  }
  const err = splitMessages(ackMessage(request, 22, 4242, { message: 'Attribute failed policy validation', offset: 28 }));
  assert.ok(err.ok);
  if (!err.ok) return;
  assert.is(err.value[0]!.type, NLMSG_ERROR);
  assert.ok(err.value[0]!.flags & NLM_F_ACK_TLVS);
  const e = decodeErrorMessage(err.value[0]!);
  assert.ok(e.ok);
  if (!e.ok) return;
  assert.is(e.value.errno, 22);
  assert.is(e.value.code, 'EINVAL');
  assert.equal(e.value.extack, { message: 'Attribute failed policy validation', offset: 28 });
  // capped error (NETLINK_CAP_ACK) with TLVs
  const capped = splitMessages(ackMessage(request, 1, 4242, { echo: false, message: 'denied' }));
  assert.ok(capped.ok);
  if (capped.ok) {
    const c = decodeErrorMessage(capped.value[0]!);
    assert.ok(c.ok);
    if (c.ok) assert.equal([c.value.code, c.value.extack?.message], ['EPERM', 'denied']);
  }
});

t('NLMSG_ERROR and NLMSG_DONE: truncated or lying payloads are errors', () => {
  const msg = (type: number, payload: number[], flags = 0) => ({ length: 16 + payload.length, type, flags, seq: 1, pid: 1, payload: Uint8Array.from(payload) });
  assert.not.ok(decodeErrorMessage(msg(2, [0, 0])).ok, 'no error code');
  assert.not.ok(decodeErrorMessage(msg(2, u32h(5))).ok, 'positive error');
  // echoed request claims 1000 bytes but TLVs are flagged
  const lying = [...u32h(-22 >>> 0), ...u32h(1000), ...u16h(0x1c), ...u16h(0), ...u32h(1), ...u32h(0)];
  assert.not.ok(decodeErrorMessage(msg(2, lying, NLM_F_ACK_TLVS)).ok, 'lying echoed length');
  const errOnly = decodeErrorMessage(msg(2, u32h(-19 >>> 0)));
  assert.ok(errOnly.ok, 'bare error code (no echoed header) still decodes');
  if (errOnly.ok) assert.is(errOnly.value.code, 'ENODEV');
  const done = splitMessages(doneMessage(3, 4, -2));
  assert.ok(done.ok);
  if (done.ok) {
    const d = decodeDoneMessage(done.value[0]!);
    assert.ok(d.ok);
    if (d.ok) assert.is(d.value.errno, 2);
  }
  assert.not.ok(decodeDoneMessage(msg(3, [1, 2])).ok, 'DONE with 2 bytes');
  assert.ok(decodeDoneMessage(msg(3, [])).ok, 'empty DONE');
  assert.not.ok(decodeDoneMessage(msg(3, [...u32h(0), ...u16h(9), ...u16h(1)], NLM_F_ACK_TLVS)).ok, 'DONE with bad TLV');
});

t('UTF-8 and MAC helpers', () => {
  for (const s of ['', 'bat0', 'wlan-mesh', 'ünï', '網', 'x😀y']) assert.is(utf8Decode(utf8Encode(s)), s);
  assert.is(utf8Decode(Uint8Array.of(0x61, 0xff, 0x62, 0xe2, 0x82)), 'a\ufffdb\ufffd\ufffd');
  assert.is(utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80)), '\ufffd\ufffd\ufffd', 'encoded surrogate rejected');
  assert.is(formatMac(Uint8Array.of(0, 0x11, 0xaa, 0xff, 1, 2)), '00:11:aa:ff:01:02');
  assert.equal([...(parseMac('00:11:AA:ff:01:02') ?? [])], [0, 0x11, 0xaa, 0xff, 1, 2]);
  assert.is(parseMac('00:11:22'), null);
  assert.is(parseMac('zz:11:22:33:44:55'), null);
  const b = new Uint8Array(8);
  writeU64(viewOf(b), 0, 2 ** 52 + 3);
  assert.is(readU64(viewOf(b), 0), 2 ** 52 + 3);
});

function linkMessage(index: number, name: string, flags: number, extra: (w: MessageWriter) => void): Uint8Array {
  const w = new MessageWriter(RTM_NEWLINK).u8(0).u8(0).u16(1).s32(index).u32(flags).u32(0).attrString(IFLA_IFNAME, name);
  extra(w);
  return reply(w, 5, 4242, NLM_F_MULTI);
}

t('rtnetlink: every 64-bit stats field in the kernel order, also from an unaligned view', () => {
  const bytes = new Uint8Array(4 + LINK_STATS64_FIELDS.length * 8);
  const view = viewOf(bytes);
  for (let i = 0; i < LINK_STATS64_FIELDS.length; i++) writeU64(view, 4 + i * 8, 2 ** 40 + i);
  const unaligned = new Uint8Array(2 + bytes.length - 4);
  unaligned.set(bytes.subarray(4), 2);
  for (const [what, src] of [['aligned', bytes.subarray(4)], ['unaligned', unaligned.subarray(2)]] as const) {
    const s = decodeStats64(src);
    assert.ok(s.ok);
    if (s.ok) for (const [i, f] of LINK_STATS64_FIELDS.entries()) assert.is(s.value[f], 2 ** 40 + i, `${f} (${what})`);
  }
});

t('rtnetlink: link with operstate, carrier, master, kind and 64-bit stats', () => {
  const stats = new Uint8Array(25 * 8);
  writeU64(viewOf(stats), 0, 2 ** 33 + 1); // rx_packets above 32 bits
  writeU64(viewOf(stats), 8 * 3, 123456789); // tx_bytes
  const bytes = linkMessage(4, 'eth1', IFF_UP | IFF_RUNNING | IFF_LOWER_UP, (w) => {
    w.attrU32(4, 1532).attrU32(IFLA_MASTER, 9).attrU8(16, 6).attrU8(33, 1).attr(1, Uint8Array.of(2, 0, 0, 0, 0, 4));
    const li = w.beginNested(IFLA_LINKINFO);
    w.attrString(IFLA_INFO_KIND, 'veth');
    w.attrString(4, 'batadv');
    w.endNested(li);
    w.attr(23, stats);
  });
  const msgs = splitMessages(bytes);
  assert.ok(msgs.ok);
  if (!msgs.ok) return;
  const link = decodeLink(msgs.value[0]!);
  assert.ok(link.ok);
  if (!link.ok) return;
  const l = link.value;
  assert.equal(
    [l.index, l.name, l.up, l.running, l.lowerUp, l.operstate, l.carrier, l.mtu, l.master, l.kind, l.slaveKind, l.address],
    [4, 'eth1', true, true, true, 'up', true, 1532, 9, 'veth', 'batadv', '02:00:00:00:00:04'],
  );
  assert.is(l.stats?.rxPackets, 2 ** 33 + 1);
  assert.is(l.stats?.txBytes, 123456789);
  // an older kernel with 23 stats fields, and a broken one with 13 bytes
  const old = decodeLink(only(linkMessage(1, 'lo', 0, (w) => w.attr(23, new Uint8Array(23 * 8)))));
  assert.ok(old.ok);
  if (old.ok) assert.equal([old.value.stats?.rxNohandler, old.value.operstate, old.value.carrier], [0, 'unknown', null]);
  const broken = splitMessages(linkMessage(1, 'lo', 0, (w) => w.attr(23, new Uint8Array(13))));
  assert.ok(broken.ok);
  if (broken.ok) assert.not.ok(decodeLink(broken.value[0]!).ok);
});

t('rtnetlink requests: create batadv, set master, set up', () => {
  const create = createBatadvRequest('bat0', 'BATMAN_V');
  const m = splitMessages(create);
  assert.ok(m.ok);
  if (!m.ok) return;
  const msg = m.value[0]!;
  assert.is(msg.type, RTM_NEWLINK);
  assert.is(msg.flags, NLM_F_CREATE | NLM_F_EXCL);
  assert.equal([...msg.payload.subarray(0, 16)], new Array(16).fill(0), 'ifinfomsg is all zero');
  const attrs = decodeAttributes(msg.payload.subarray(16));
  assert.ok(attrs.ok);
  if (!attrs.ok) return;
  assert.equal(attrs.value.map((a) => [a.type, a.nested]), [[IFLA_IFNAME, false], [IFLA_LINKINFO, true]]);
  const info = decodeAttributes(attrs.value[1]!.data);
  assert.ok(info.ok);
  if (!info.ok) return;
  assert.is(cString(info.value[0]!.data), 'batadv');
  assert.is(info.value[1]!.type, IFLA_INFO_DATA);
  const data = decodeAttributes(info.value[1]!.data);
  assert.ok(data.ok);
  if (data.ok) assert.equal([data.value[0]!.type, cString(data.value[0]!.data)], [IFLA_BATADV_ALGO_NAME, 'BATMAN_V']);
  // raw NLA type of the nest carries the NESTED bit
  assert.is(viewOf(msg.payload).getUint16(16 + 12 + 2, HOST_LITTLE_ENDIAN), IFLA_LINKINFO | NLA_F_NESTED);

  const master = splitMessages(linkSetMasterRequest(3, 9));
  assert.ok(master.ok);
  if (master.ok) {
    const p = master.value[0]!;
    assert.is(p.type, RTM_SETLINK);
    assert.is(viewOf(p.payload).getInt32(4, HOST_LITTLE_ENDIAN), 3);
    const a = decodeAttributes(p.payload.subarray(16));
    assert.ok(a.ok);
    if (a.ok) assert.equal([a.value[0]!.type, viewOf(a.value[0]!.data).getUint32(0, HOST_LITTLE_ENDIAN)], [IFLA_MASTER, 9]);
  }
  const down = splitMessages(linkSetUpRequest(3, false));
  assert.ok(down.ok);
  if (down.ok) {
    const v = viewOf(down.value[0]!.payload);
    assert.equal([v.getUint32(8, HOST_LITTLE_ENDIAN), v.getUint32(12, HOST_LITTLE_ENDIAN)], [0, IFF_UP], 'flags 0, change IFF_UP');
  }
});

t('generic netlink: family with multicast groups', () => {
  const w = new MessageWriter(0x10).u8(1).u8(2).u16(0).attrU16(1, 0x1b).attrString(2, 'batadv').attrU32(3, 1).attrU32(4, 0).attrU32(5, 60);
  const groups = w.beginNested(7);
  const g1 = w.beginNested(1);
  w.attrString(1, 'config').attrU32(2, 9);
  w.endNested(g1);
  const g2 = w.beginNested(2);
  w.attrString(1, 'tpmeter').attrU32(2, 10);
  w.endNested(g2);
  w.endNested(groups);
  const m = splitMessages(reply(w, 1, 1));
  assert.ok(m.ok);
  if (!m.ok) return;
  const f = decodeFamily(m.value[0]!);
  assert.ok(f.ok);
  if (!f.ok) return;
  assert.equal([f.value.id, f.value.name, f.value.version, f.value.maxAttr], [0x1b, 'batadv', 1, 60]);
  assert.equal([...f.value.groups], [['config', 9], ['tpmeter', 10]]);
});

t('uevent: kernel batman-adv gateway event; udev messages rejected', () => {
  const text = 'change@/devices/virtual/net/bat0\0ACTION=change\0DEVPATH=/devices/virtual/net/bat0\0SUBSYSTEM=net\0BATTYPE=gw\0BATACTION=add\0BATDATA=02:00:00:00:00:05\0INTERFACE=bat0\0IFINDEX=7\0SEQNUM=812\0';
  const ev = decodeUevent(utf8Encode(text));
  assert.ok(ev.ok);
  if (ev.ok) {
    assert.is(ev.value.action, 'change');
    assert.is(ev.value.devpath, '/devices/virtual/net/bat0');
    assert.is(ev.value.env.BATTYPE, 'gw');
    assert.is(ev.value.env.BATDATA, '02:00:00:00:00:05');
  }
  assert.not.ok(decodeUevent(utf8Encode('libudev\0\xfe\xed')).ok);
  assert.not.ok(decodeUevent(new Uint8Array(0)).ok);
  assert.not.ok(decodeUevent(utf8Encode('garbage-without-at\0')).ok);
});

t.run();
