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
import { corpus, mutate, randomBytes } from '../support/netlink-fuzz-corpus.js';
import {
  decodeAttributes, decodeDoneMessage, decodeErrorMessage, decodeExtendedAck, decodeFamily, decodeGenl, decodeLink,
  decodeLinkEvent, decodeStats64, decodeUevent, decodeWithPolicy, HOST_LITTLE_ENDIAN, MessageWriter, NetlinkClient, splitMessages,
} from '../../runtime/src/netlink/index.js';
import { ManualTimers, prng, ScriptedSocket } from '../support/netlink-kernel-script.js';

const t = suite('netlink fuzz');
const CASES = 100_000;

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
