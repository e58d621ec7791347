import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../../runtime/src/host/types.js';
import {
  BATADV_ATTR, BATADV_CMD, Batadv, decodeConfigEvent, decodeGatewayUevent, ELP_INTERVAL_MIN_MS, formatGateways,
  formatInterfaces, formatNeighbors, formatOriginators, getHardInterface, getMeshInfo, listGateways,
  listGlobalTranslations, listHardInterfaces, listLocalTranslations, listNeighbors, listOriginators,
  listRoutingAlgorithms, setHardifTunables, setMeshTunables, takeSnapshot, watchConfig,
} from '../../runtime/src/mesh/index.js';
import { FAKE_BATADV_FAMILY, FAKE_CONFIG_GROUP, type FakeKernelLog, type FakeMesh, fakeKernel, fakeMesh } from '../support/batadv-kernel-script.js';
import { decodeUevent, GenlResolver, HOST_LITTLE_ENDIAN, MessageWriter, NetlinkClient, type NlResult, Rtnl, splitMessages, utf8Encode } from '../../runtime/src/netlink/index.js';
import { ManualTimers, reply, ScriptedSocket } from '../support/netlink-kernel-script.js';

const t = suite('mesh client');

function world(mesh: FakeMesh) {
  const log: FakeKernelLog = { sets: [] };
  const timers = new ManualTimers();
  const genlSocket = new ScriptedSocket(fakeKernel(mesh, log));
  const rtnlSocket = new ScriptedSocket(fakeKernel(mesh, log));
  const genl = new GenlResolver(new NetlinkClient(genlSocket, { timers }));
  const rtnl = new Rtnl(new NetlinkClient(rtnlSocket, { timers }));
  let now = 1000;
  const clock: Clock = { monotonicMs: () => (now += 0.5), monotonicNs: () => BigInt(Math.round(now * 1e6)), wallMs: () => 1_700_000_000_000 };
  return { log, genl, rtnl, clock, genlSocket };
}

function value<T>(r: NlResult<T>): T {
  if (!r.ok) throw new Error(`expected success: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function open(mesh: FakeMesh) {
  const w = world(mesh);
  return { ...w, batadv: value(await Batadv.open(w.genl, mesh.meshIfindex)) };
}

t('mesh info (BATMAN_IV): algorithm, primary interface, tunables in kbit/s', async () => {
  const { batadv } = await open(fakeMesh('BATMAN_IV'));
  const info = value(await getMeshInfo(batadv));
  assert.is(info.algorithm, 'BATMAN_IV');
  assert.is(info.version, '2022.3');
  assert.equal(info.primary, { ifindex: 3, ifname: 'eth1', address: '02:00:00:00:00:01' });
  assert.equal([info.meshIfindex, info.meshIfname, info.meshAddress, info.ttvn, info.blaCrc], [7, 'bat0', '02:ba:70:00:00:01', 3, 0xbeef]);
  assert.equal(info.tunables, {
    aggregatedOgms: true, apIsolation: false, isolationMark: 0, isolationMask: 0, bonding: false, bridgeLoopAvoidance: true,
    distributedArpTable: true, fragmentation: true, gwMode: 'off', gwBandwidthDownKbit: 10000, gwBandwidthUpKbit: 2000,
    gwSelClass: 20, hopPenalty: 30, multicastForceflood: false, multicastFanout: 16, networkCoding: false, origIntervalMs: 1000,
  });
});

t('mesh down (no active primary) is a state: info.primary null, dumps answer ENOENT', async () => {
  const mesh = fakeMesh('BATMAN_IV');
  mesh.primary = null;
  const { batadv } = await open(mesh);
  const info = value(await getMeshInfo(batadv));
  assert.is(info.primary, null);
  const o = await listOriginators(batadv);
  assert.not.ok(o.ok);
  if (!o.ok) assert.is(o.error.code, 'ENOENT');
  assert.is(formatOriginators(info, []), 'BATMAN mesh bat0 disabled\n');
});

t('hard interfaces with ACTIVE flag; single GET_HARDIF; wrong mesh ifindex is ENODEV', async () => {
  const { batadv, genl } = await open(fakeMesh('BATMAN_V'));
  const h = value(await listHardInterfaces(batadv));
  assert.equal(h.map((x) => [x.ifindex, x.ifname, x.active, x.elpIntervalMs, x.throughputOverrideKbit]), [[3, 'eth1', true, 500, 0], [4, 'eth2', false, 500, 0]]);
  const one = value(await getHardInterface(batadv, 4));
  assert.is(one.ifname, 'eth2');
  const wrong = new Batadv(genl, batadv.family, 99);
  const r = await getMeshInfo(wrong);
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.code, 'ENODEV');
});

t('originators: every pair, best flag, TQ (IV) vs throughput kbit/s (V); dumps split across reads', async () => {
  const iv = await open(fakeMesh('BATMAN_IV', 6));
  const o = value(await listOriginators(iv.batadv));
  assert.is(o.length, 5 + 3);
  assert.equal(o[0], { originator: '02:00:00:00:00:02', neighbor: '02:00:00:00:00:02', ifindex: 3, ifname: 'eth1', lastSeenMs: 247, best: true, tq: 235, throughputKbit: null });
  assert.is(o.filter((x) => x.best).length, 5);
  const v = await open(fakeMesh('BATMAN_V', 6));
  const ov = value(await listOriginators(v.batadv));
  assert.equal([ov[0]?.tq, ov[0]?.throughputKbit], [null, 100000 - 2 * 1234]);
});

t('neighbours: IV without metric, V with throughput', async () => {
  const iv = value(await listNeighbors((await open(fakeMesh('BATMAN_IV'))).batadv));
  assert.equal(iv[0], { neighbor: '02:00:00:00:00:02', ifindex: 3, ifname: 'eth1', lastSeenMs: 80, throughputKbit: null });
  const v = value(await listNeighbors((await open(fakeMesh('BATMAN_V'))).batadv));
  assert.is(v[1]?.throughputKbit, 1000300);
});

t('gateways: bandwidth in kbit/s; BATMAN_V throughput quirk (100 kbit/s units) normalised', async () => {
  const iv = value(await listGateways((await open(fakeMesh('BATMAN_IV'))).batadv));
  assert.equal(iv[0], { originator: '02:00:00:00:00:02', router: '02:00:00:00:00:02', ifindex: 3, ifname: 'eth1', best: true, bandwidthDownKbit: 10000, bandwidthUpKbit: 2000, tq: 230, throughputKbit: null });
  const v = value(await listGateways((await open(fakeMesh('BATMAN_V'))).batadv));
  assert.is(v[0]?.throughputKbit, 987600);
});

t('translation tables and routing algorithms', async () => {
  const { batadv } = await open(fakeMesh('BATMAN_IV'));
  assert.equal(value(await listLocalTranslations(batadv)), [{ client: '02:aa:00:00:00:01', vlan: 5, flags: 0x10, crc32: 0x1234abcd, lastSeenMs: 4500 }]);
  assert.equal(value(await listGlobalTranslations(batadv)), [{ client: '02:bb:00:00:00:01', originator: '02:00:00:00:00:02', vlan: null, flags: 0, ttvn: 9, lastTtvn: 8, crc32: 7, best: true }]);
  assert.equal(value(await listRoutingAlgorithms(batadv)), ['BATMAN_IV', 'BATMAN_V']);
});

const u32 = (b: Uint8Array | undefined) => (b ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, HOST_LITTLE_ENDIAN) : -1);
const u8 = (b: Uint8Array | undefined) => (b ? (b[0] as number) : -1);

t('set mesh tunables: one SET_MESH with every attribute, after the ACK', async () => {
  const { batadv, log } = await open(fakeMesh('BATMAN_IV'));
  value(await setMeshTunables(batadv, { hopPenalty: 15, origIntervalMs: 5000, aggregatedOgms: false, bonding: true, fragmentation: false, gateway: { mode: 'server', bandwidthDownKbit: 50000, bandwidthUpKbit: 10000 } }));
  const set = log.sets[0];
  assert.ok(set);
  if (!set) return;
  assert.is(set.cmd, BATADV_CMD.SET_MESH);
  const a = set.attrs;
  assert.equal(
    [u32(a.get(BATADV_ATTR.MESH_IFINDEX)), u8(a.get(BATADV_ATTR.HOP_PENALTY)), u32(a.get(BATADV_ATTR.ORIG_INTERVAL)), u8(a.get(BATADV_ATTR.AGGREGATED_OGMS_ENABLED)), u8(a.get(BATADV_ATTR.BONDING_ENABLED)), u8(a.get(BATADV_ATTR.FRAGMENTATION_ENABLED)), u8(a.get(BATADV_ATTR.GW_MODE)), u32(a.get(BATADV_ATTR.GW_BANDWIDTH_DOWN)), u32(a.get(BATADV_ATTR.GW_BANDWIDTH_UP))],
    [7, 15, 5000, 0, 1, 0, 2, 500, 100],
  );
  value(await setMeshTunables(batadv, { gateway: { mode: 'client', selClass: 3 } }));
  assert.equal([u8(log.sets[1]?.attrs.get(BATADV_ATTR.GW_MODE)), u32(log.sets[1]?.attrs.get(BATADV_ATTR.GW_SEL_CLASS))], [1, 3]);
});

t('invalid tunables are refused before anything is sent', async () => {
  const { batadv, log, genlSocket } = await open(fakeMesh('BATMAN_IV'));
  const sent = genlSocket.sent.length;
  for (const bad of [{ hopPenalty: 256 }, { origIntervalMs: 10 }, { gateway: { mode: 'client' as const, selClass: 0 } }, { multicastFanout: -1 }]) {
    const r = await setMeshTunables(batadv, bad);
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.kind, 'invalid');
  }
  assert.is(genlSocket.sent.length, sent);
  assert.is(log.sets.length, 0);
});

t('set hard-interface tunables: ELP interval clamped to a safe minimum, throughput override in 100 kbit/s', async () => {
  const { batadv, log } = await open(fakeMesh('BATMAN_V'));
  const applied = value(await setHardifTunables(batadv, 3, { elpIntervalMs: 5, throughputOverrideKbit: 20000, hopPenalty: 10 }));
  assert.equal(applied, { hopPenalty: 10, elpIntervalMs: ELP_INTERVAL_MIN_MS, throughputOverrideKbit: 20000 });
  const a = log.sets[0]?.attrs;
  assert.equal([u32(a?.get(BATADV_ATTR.HARD_IFINDEX)), u32(a?.get(BATADV_ATTR.ELP_INTERVAL)), u32(a?.get(BATADV_ATTR.THROUGHPUT_OVERRIDE)), u8(a?.get(BATADV_ATTR.HOP_PENALTY))], [3, ELP_INTERVAL_MIN_MS, 200, 10]);
});

t('config group: joined, notifications for this mesh decoded, others ignored', async () => {
  const { batadv, genlSocket } = await open(fakeMesh('BATMAN_IV'));
  const events: string[] = [];
  value(await watchConfig(batadv, (e) => events.push(e.kind === 'mesh' ? `mesh hop_penalty=${e.tunables.hopPenalty}` : e.kind)));
  assert.ok(genlSocket.groups.has(FAKE_CONFIG_GROUP));
  const note = (meshIfindex: number, hop: number) =>
    reply(new MessageWriter(FAKE_BATADV_FAMILY).u8(BATADV_CMD.SET_MESH).u8(1).u16(0).attrU32(BATADV_ATTR.MESH_IFINDEX, meshIfindex).attrString(BATADV_ATTR.MESH_IFNAME, 'bat0').attrU8(BATADV_ATTR.HOP_PENALTY, hop), 0, 0);
  genlSocket.deliver(note(7, 42));
  genlSocket.deliver(note(8, 1));
  assert.equal(events, ['mesh hop_penalty=42']);
  const hardif = reply(new MessageWriter(FAKE_BATADV_FAMILY).u8(BATADV_CMD.SET_HARDIF).u8(1).u16(0).attrU32(BATADV_ATTR.MESH_IFINDEX, 7).attrU32(BATADV_ATTR.HARD_IFINDEX, 3).attrString(BATADV_ATTR.HARD_IFNAME, 'eth1').attrFlag(BATADV_ATTR.ACTIVE), 0, 0);
  const m = splitMessages(hardif);
  assert.ok(m.ok);
  if (m.ok) {
    const ev = decodeConfigEvent(m.value[0]!);
    assert.ok(ev?.ok);
    if (ev?.ok && ev.value.kind === 'hardif') assert.equal([ev.value.hardif.ifname, ev.value.hardif.active], ['eth1', true]);
  }
});

t('gateway uevents', () => {
  const ev = decodeUevent(utf8Encode('change@/devices/virtual/net/bat0\0ACTION=change\0BATTYPE=gw\0BATACTION=del\0INTERFACE=bat0\0'));
  assert.ok(ev.ok);
  if (ev.ok) assert.equal(decodeGatewayUevent(ev.value), { meshIfname: 'bat0', action: 'del', gateway: null });
  const other = decodeUevent(utf8Encode('add@/devices/virtual/net/veth0\0ACTION=add\0INTERFACE=veth0\0'));
  assert.ok(other.ok);
  if (other.ok) assert.is(decodeGatewayUevent(other.value), null);
});

t('snapshot: up (IV and V), with links, best routes and timing', async () => {
  for (const algo of ['BATMAN_IV', 'BATMAN_V'] as const) {
    const w = world(fakeMesh(algo, 20));
    const s = value(await takeSnapshot('bat0', w));
    assert.is(s.state, 'up');
    assert.is(s.mesh?.algorithm, algo);
    assert.is(s.hardInterfaces.length, 2);
    assert.is(s.neighbors.length, 2);
    assert.is(s.originators.length, 19 + 17);
    assert.is(s.bestRoutes.length, 19);
    assert.is(s.gateways.length, 1);
    assert.equal(s.links.map((l) => l.name), ['eth1', 'eth2', 'bat0']);
    assert.ok(s.links[0]?.stats);
    assert.ok(s.durationMs > 0);
    assert.is(JSON.parse(JSON.stringify(s)).state, 'up', 'plain JSON-able object');
  }
});

t('snapshot: down, absent, unavailable are states', async () => {
  const down = fakeMesh('BATMAN_V');
  down.primary = null;
  const sd = value(await takeSnapshot('bat0', world(down)));
  assert.equal([sd.state, sd.originators.length, sd.hardInterfaces.length], ['down', 0, 2]);
  const sa = value(await takeSnapshot('bat9', world(fakeMesh('BATMAN_V'))));
  assert.is(sa.state, 'absent');
  const none = fakeMesh('BATMAN_IV');
  none.noModule = true;
  const su = value(await takeSnapshot('bat0', world(none)));
  assert.is(su.state, 'unavailable');
  assert.match(su.reason ?? '', /not found/);
});

t('tables in batctl layout (IV and V)', async () => {
  const iv = await open(fakeMesh('BATMAN_IV', 4));
  const info = value(await getMeshInfo(iv.batadv));
  assert.is(
    formatOriginators(info, value(await listOriginators(iv.batadv))),
    [
      '[B.A.T.M.A.N. adv 2022.3, MainIF/MAC: eth1/02:00:00:00:00:01 (bat0/02:ba:70:00:00:01 BATMAN_IV)]',
      '   Originator        last-seen (#/255) Nexthop           [outgoingIF]',
      ' * 02:00:00:00:00:02    0.247s   (235) 02:00:00:00:00:02 [      eth1]',
      ' * 02:00:00:00:00:03    0.367s   (225) 02:00:00:00:00:03 [      eth1]',
      ' * 02:00:00:00:00:04    0.487s   (215) 02:00:00:00:00:02 [      eth1]',
      '   02:00:00:00:00:04    0.487s   (196) 02:00:00:00:00:03 [      eth1]',
      '',
    ].join('\n'),
  );
  assert.is(formatNeighbors(info, value(await listNeighbors(iv.batadv)), { noHeader: true }), '         eth1\t  02:00:00:00:00:02    0.080s\n         eth1\t  02:00:00:00:00:03    0.120s\n');
  assert.is(formatGateways(info, value(await listGateways(iv.batadv)), { noHeader: true }), '* 02:00:00:00:00:02 (230) 02:00:00:00:00:02 [      eth1]: 10.0/2.0 MBit\n');
  assert.is(formatInterfaces(value(await listHardInterfaces(iv.batadv))), 'eth1: active\neth2: inactive\n');

  const v = await open(fakeMesh('BATMAN_V', 4));
  const vinfo = value(await getMeshInfo(v.batadv));
  const vo = formatOriginators(vinfo, value(await listOriginators(v.batadv))).split('\n');
  assert.is(vo[1], '   Originator        last-seen ( throughput)  Nexthop           [outgoingIF]');
  assert.is(vo[2], ' * 02:00:00:00:00:02    0.247s (       97.5)  02:00:00:00:00:02 [      eth1]');
  assert.is(formatNeighbors(vinfo, value(await listNeighbors(v.batadv)), { noHeader: true }).split('\n')[0], '02:00:00:00:00:02    0.080s (     1000.2) [      eth1]');
  assert.is(formatGateways(vinfo, value(await listGateways(v.batadv)), { noHeader: true }), '* 02:00:00:00:00:02 (      987.6) 02:00:00:00:00:02 [      eth1]: 10.0/2.0 MBit\n');
});

t.run();
