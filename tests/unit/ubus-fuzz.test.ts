/**
 * Fuzz: mutated ubus messages (from the real transcripts and our own encoder) through
 * the framer, the message decoder and the blobmsg decoder. Nothing may throw; every
 * result stays within the declared bounds. Deterministic (seeded PRNG), ≥ 100k cases.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonText, decodeBlobmsgTable, DEFAULT_BLOBMSG_LIMITS, nodesToObject } from '../../runtime/src/ubus/blobmsg.js';
import { decodeMessage, UbusFramer } from '../../runtime/src/ubus/message.js';
import { addObjectMessage, invokeMessage, replyDataMessage, replyStatusMessage, sendEventMessage } from '../../runtime/src/ubus/requests.js';
import { loadTranscript, messagesOf, seededRandom } from '../support/ubus-transcript.js';


const t = suite('ubus fuzz');
const CASES = 100_000;

function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const name of ['call-count', 'call-hello', 'call-nomethod', 'call-noobject', 'list-v', 'listen', 'object-server', 'send-event']) {
    const tr = loadTranscript(name);
    out.push(...messagesOf(tr, 'from_ubusd'), ...messagesOf(tr, 'to_ubusd'));
  }
  out.push(
    invokeMessage(9, 0x80000001, 'status', { a: [1, [2, [3, { b: null }]]], s: 'ü', big: 2 ** 50, d: -0.25, t: true }),
    addObjectMessage(3, 'x0tta6bl4', { status: {}, incidents: { since: 5, limit: 5, open: 7 } }),
    replyDataMessage(4, 77, 1234, { nested: { deeper: { list: ['a', 'b'] } } }),
    replyStatusMessage(4, 77, 1234, 2),
    sendEventMessage(1, 'x0tta6bl4.incident', { id: 'i-1', kind: 'link-down' }),
  );
  return out;
}

function mutate(rand: () => number, seeds: Uint8Array[]): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  let d = (seeds[pick(seeds.length)] as Uint8Array).slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    if (d.length === 0) d = new Uint8Array(12);
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    switch (pick(7)) {
      case 0: // flip bits
        for (let k = 0, n = 1 + pick(4); k < n; k++) d[pick(d.length)]! ^= 1 << pick(8);
        break;
      case 1: // a length or id field somewhere on a 4-byte boundary
        if (d.length >= 4) view.setUint32(pick(d.length >> 2) * 4, [0, 4, 7, 0xffffff, 0x80000000 | pick(0x1000000), pick(1 << 30), 0x7f000008][pick(7)]!, false);
        break;
      case 2: // truncate
        d = d.subarray(0, pick(d.length + 1)).slice();
        break;
      case 3: // extend with random bytes
        d = Uint8Array.from([...d, ...Array.from({ length: 1 + pick(16) }, () => pick(256))]);
        break;
      case 4: // blobmsg name length
        if (d.length >= 16) view.setUint16(12 + pick(d.length - 14), pick(3) === 0 ? 0xffff : pick(64), false);
        break;
      case 5: // random type byte in an attribute header
        if (d.length >= 13) d[8 + 4 * pick((d.length - 8) >> 2)] = pick(256);
        break;
      default: // splice two messages
        d = Uint8Array.from([...d.subarray(0, pick(d.length + 1)), ...(seeds[pick(seeds.length)] as Uint8Array).subarray(pick(8))]);
    }
  }
  return d;
}

t(`${CASES} mutated messages: no exception escapes, results stay bounded`, () => {
  const seeds = corpus();
  const rand = seededRandom(0x0b5e55ed);
  let decoded = 0;
  let rejected = 0;
  const framer = new UbusFramer(4096);
  for (let i = 0; i < CASES; i++) {
    const d = mutate(rand, seeds);
    try {
      const m = decodeMessage(d);
      if (m.ok) {
        decoded++;
        for (const p of [m.value.attrs.data, m.value.attrs.signature]) {
          if (!p) continue;
          const b = decodeBlobmsgTable(p);
          if (!b.ok) continue;
          // every element costs ≥ 8 bytes: the decoded tree cannot outgrow its input
          const text = jsonText(nodesToObject(b.value));
          assert.ok(text.length <= 64 + p.length * 8, 'JSON text grew beyond its input');
        }
      } else rejected++;
      const b = decodeBlobmsgTable(d.subarray(Math.min(d.length, 12)), { maxDepth: 8, maxNodes: 64 });
      if (b.ok) assert.ok(b.value.length <= 64);
      // a persistent framer fed in random chunks never holds more than one bounded message
      const r = framer.push(d.subarray(0, 1 + (i % 7)));
      if (r.ok) for (const msg of r.messages) assert.ok(msg.length <= 4096 + 8);
      else {
        assert.type(r.error, 'string');
        Object.assign(framer, new UbusFramer(4096));
      }
      assert.ok(framer.buffered <= 4096 + 8);
    } catch (e) {
      assert.unreachable(`case ${i} threw ${(e as Error).stack ?? e}`);
    }
  }
  assert.ok(decoded > 1000, `only ${decoded} decoded`);
  assert.ok(rejected > 1000, `only ${rejected} rejected`);
  assert.ok(DEFAULT_BLOBMSG_LIMITS.maxDepth <= 32);
});

t.run();
