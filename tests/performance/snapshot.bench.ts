// The agent's per-cycle read of the mesh: takeSnapshot (links over rtnetlink, mesh info,
// hard interfaces, neighbours, originators, gateways over generic netlink) on a mesh
// whose originator table has 258 entries (about what a 20-node Freifunk mesh gives:
// every originator through each neighbour), with the kernel's answers replayed from
// memory so that only our framing, decoding and parsing are timed.
import type { Bench } from 'tinybench';
import type { Clock } from '../../runtime/src/host/types.js';
import { takeSnapshot } from '../../runtime/src/mesh/snapshot.js';
import { GenlResolver } from '../../runtime/src/netlink/genl.js';
import { NetlinkClient } from '../../runtime/src/netlink/client.js';
import { Rtnl } from '../../runtime/src/netlink/rtnl.js';
import { fakeKernel, fakeMesh } from '../support/batadv-kernel-script.js';
import { ManualTimers, ScriptedSocket } from '../support/netlink-kernel-script.js';
import { ReplaySocket, recordAnswers } from '../support/netlink-replay.js';

const clock: Clock = { monotonicMs: () => performance.now(), monotonicNs: () => 0n, wallMs: () => Date.now() };

async function replayWorld(algorithm: 'BATMAN_IV' | 'BATMAN_V') {
  const mesh = fakeMesh(algorithm, 131);
  mesh.perDatagram = 40; // the kernel fills a dump skb (~4 KiB) with ~40 such entries
  const timers = new ManualTimers();
  const g = recordAnswers(new ScriptedSocket(fakeKernel(mesh)));
  const r = recordAnswers(new ScriptedSocket(fakeKernel(mesh)));
  const rec = await takeSnapshot('bat0', { rtnl: new Rtnl(new NetlinkClient(r.socket, { timers })), genl: new GenlResolver(new NetlinkClient(g.socket, { timers })), clock });
  if (!rec.ok || rec.value.originators.length !== 258) throw new Error(`snapshot bench: ${rec.ok ? rec.value.originators.length : rec.error.message}`);
  // The family stays resolved in the resolver's cache, as in the agent: each cycle
  // replays from the second genl request on.
  const genlReplay = new ReplaySocket(g.answers);
  const rtnlReplay = new ReplaySocket(r.answers);
  const genl = new GenlResolver(new NetlinkClient(genlReplay, { timers }));
  const rtnl = new Rtnl(new NetlinkClient(rtnlReplay, { timers }));
  return async () => {
    genlReplay.rewind(genlReplay.sent === 0 ? 0 : 1);
    rtnlReplay.rewind();
    const s = await takeSnapshot('bat0', { rtnl, genl, clock });
    if (!s.ok || s.value.originators.length !== 258) throw new Error('snapshot bench: replay went wrong');
  };
}

export async function register(bench: Bench): Promise<void> {
  bench.add('mesh: takeSnapshot, 258 originator entries (BATMAN_IV)', await replayWorld('BATMAN_IV'));
  bench.add('mesh: takeSnapshot, 258 originator entries (BATMAN_V)', await replayWorld('BATMAN_V'));
}
