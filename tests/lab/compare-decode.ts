// Decoding cost of an originator dump on Node vs our quickjs-ng binary (issue 4). No kernel:
// the dump of a 130-node BATMAN_IV mesh (258 originator entries) is produced once by the
// scripted kernel of the unit tests, then split + decoded + parsed N times.
//   node_modules/.bin/esbuild tests/lab/compare-decode.ts --bundle --format=esm --platform=neutral \
//     --main-fields=module,main --outfile=dist/lab/compare-decode.mjs
//   node dist/lab/compare-decode.mjs;  dist/x0tta6bl4 run dist/lab/compare-decode.mjs
import { Batadv, decodeBatadvMessage } from '../../runtime/src/mesh/batadv.js';
import { BATADV_CMD } from '../../runtime/src/mesh/constants.js';
import { parseOriginator } from '../../runtime/src/mesh/originators.js';
import { NLMSG_DONE } from '../../runtime/src/netlink/constants.js';
import type { GenlFamily, GenlResolver } from '../../runtime/src/netlink/genl.js';
import { splitMessages } from '../../runtime/src/netlink/message.js';
import { FAKE_BATADV_FAMILY, fakeKernel, fakeMesh } from '../support/batadv-kernel-script.js';
import { ScriptedSocket } from '../support/netlink-kernel-script.js';

const mesh = fakeMesh('BATMAN_IV', 131);
const socket = new ScriptedSocket(fakeKernel(mesh));
const datagrams: Uint8Array[] = [];
socket.onMessage((d) => datagrams.push(d));
const family = { id: FAKE_BATADV_FAMILY, name: 'batadv', version: 1, hdrSize: 0, maxAttr: 0, groups: new Map() } as unknown as GenlFamily;
const batadv = new Batadv(null as unknown as GenlResolver, family, mesh.meshIfindex);
socket.send(batadv.build(BATADV_CMD.GET_ORIGINATORS));

function decodeAll(): number {
  let n = 0;
  for (const d of datagrams) {
    const msgs = splitMessages(d);
    if (!msgs.ok) throw new Error(msgs.error.message);
    for (const m of msgs.value) {
      if (m.type === NLMSG_DONE) continue;
      const b = decodeBatadvMessage(m);
      if (!b.ok) throw new Error(b.error.message);
      const o = parseOriginator(b.value.attrs);
      if (!o.ok) throw new Error(o.error.message);
      n++;
    }
  }
  return n;
}

const engine = typeof (globalThis as Record<string, unknown>).scriptArgs !== 'undefined' ? 'quickjs-ng' : 'node';
const entries = decodeAll();
for (let i = 0; i < 20; i++) decodeAll(); // warm-up
const N = 200;
const times: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  decodeAll();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const bytes = datagrams.reduce((s, d) => s + d.length, 0);
console.log(JSON.stringify({ engine, entries, bytes, n: N, medianMs: Number((times[N >> 1] ?? 0).toFixed(3)), minMs: Number((times[0] ?? 0).toFixed(3)), usPerEntry: Number((((times[N >> 1] ?? 0) * 1000) / entries).toFixed(1)) }));
