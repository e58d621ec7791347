/**
 * The native attribute decoder (runtime/native/x0_nlattr.c, used by decodeWithPolicy on
 * our quickjs-ng binary) against the TypeScript reference decoder: the same object, or
 * the same error text, for every stream of a fuzz corpus (≥ 100k cases: kernel dumps
 * mutated, random bytes, non-ASCII strings, lying lengths, start offsets).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { currentHost } from '../../runtime/src/host/index.js';
import { BATADV_POLICY } from '../../runtime/src/mesh/index.js';
import { type AttrPolicy, decodeWithPolicy, decodeWithPolicyInScript, HOST_LITTLE_ENDIAN, LINK_POLICY, NLM_F_DUMP_INTR, utf8Encode } from '../../runtime/src/netlink/index.js';
import { nativeDumpFastPath } from '../../runtime/src/netlink/policy.js';
import { corpus, mutate, randomBytes } from '../support/netlink-fuzz-corpus.js';
import { prng } from '../support/netlink-kernel-script.js';

const t = suite('netlink native decoder');
const CASES = 100_000;
const host = currentHost();

t('our quickjs-ng binary has the native attribute decoder (Node runs the TypeScript one)', () => {
  assert.ok(host, 'no host installed');
  assert.is(host.nlattr !== undefined, host.engine === 'quickjs-ng', `engine ${host.engine}, nlattr ${host.nlattr ? 'present' : 'absent'}`);
});

/**
 * "ok <json>" or "error <message>": what a user of the decoder can observe. Keys are
 * sorted: the native decoder adds the attributes it leaves to TypeScript (hwaddr,
 * binary, non-ASCII strings) last, and every parser reads the object by key.
 */
function outcome(r: ReturnType<typeof decodeWithPolicy>): string {
  if (!r.ok) return `error ${r.error.kind} ${r.error.message}`;
  const v = r.value as Record<string, unknown>;
  const sorted = Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
  return `ok ${JSON.stringify(sorted, (_k, x) => (x instanceof Uint8Array ? `bytes:${[...x].join(',')}` : x))}`;
}

/** A u16 in host byte order, as netlink carries it. */
const u16 = (v: number): number[] => (HOST_LITTLE_ENDIAN ? [v & 255, v >> 8] : [v >> 8, v & 255]);

/** An attribute: u16 length, u16 type, payload, padding. */
function attr(type: number, payload: number[] | Uint8Array): number[] {
  const out = [...u16(4 + payload.length), ...u16(type), ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

if (host?.nlattr) {
  t('the same objects and errors as the TypeScript decoder on 100k fuzzed streams', async () => {
    const seeds = await corpus();
    const rand = prng(0x1a77);
    const policies: [string, AttrPolicy][] = [
      ['batadv', BATADV_POLICY],
      ['link', LINK_POLICY],
    ];
    let mismatches = 0;
    let first = '';
    let oks = 0;
    let errors = 0;
    for (let i = 0; i < CASES; i++) {
      const d = i % 5 === 0 ? randomBytes(rand) : mutate(rand, seeds);
      // Attribute streams start after nlmsghdr + genlmsghdr (20) or + ifinfomsg (32).
      const start = [0, 4, 20, 32][i % 4] as number;
      if (start > d.length) continue;
      const [name, policy] = policies[i % 2] as [string, AttrPolicy];
      const native = outcome(decodeWithPolicy(d, policy, name, start));
      const script = outcome(decodeWithPolicyInScript(d, policy, name, start));
      if (native.startsWith('ok')) oks++;
      else errors++;
      if (native !== script) {
        if (!mismatches) first = `case ${i} start ${start} ${name}\n  bytes  ${[...d].map((b) => b.toString(16).padStart(2, '0')).join('')}\n  native ${native}\n  script ${script}`;
        mismatches++;
      }
    }
    assert.is(mismatches, 0, first);
    // Both kinds of outcome were exercised, not just one. About 21k streams decode on a
    // little-endian CPU and 8k on big-endian MIPS: read from a wrong start, the low half
    // of a u32 length is an attribute's length on little-endian, its zero high half on
    // big-endian.
    assert.ok(oks > 5_000 && errors > 10_000, `${oks} decoded, ${errors} errors`);
  });

  /**
   * What the dump fast path must take from `d`: the leading messages that answer (seq,
   * type, cmd) without NLM_F_DUMP_INTR and whose attributes the TypeScript decoder
   * decodes with no string outside ASCII (those the native decoder leaves to it), and
   * the offset of the first other message.
   */
  function expectedTake(d: Uint8Array, seq: number, type: number, cmd: number): { end: number; items: string[] } {
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const items: string[] = [];
    let off = 0;
    while (d.length - off >= 16) {
      const len = view.getUint32(off, HOST_LITTLE_ENDIAN);
      if (len < 16 || len > d.length - off) break;
      if (view.getUint16(off + 4, HOST_LITTLE_ENDIAN) !== type || view.getUint32(off + 8, HOST_LITTLE_ENDIAN) !== seq) break;
      if (view.getUint16(off + 6, HOST_LITTLE_ENDIAN) & NLM_F_DUMP_INTR || len < 20 || d[off + 16] !== cmd) break;
      const r = decodeWithPolicyInScript(d.subarray(off + 16, off + len), BATADV_POLICY, 'dump', 4);
      if (!r.ok || Object.values(r.value).some((v) => typeof v === 'string' && [...v].some((ch) => ch.charCodeAt(0) > 0x7f))) break;
      items.push(outcome(r));
      off = Math.min(d.length, off + ((len + 3) & ~3));
    }
    return { end: off, items };
  }

  t('dump fast path: takes exactly the messages the general path would decode, with the same objects (30k fuzzed datagrams)', async () => {
    const seeds = (await corpus()).filter((d) => d.length >= 20);
    const rand = prng(0xd0);
    let taken = 0;
    let partial = 0;
    for (let i = 0; i < 30_000; i++) {
      const d = i % 3 === 0 ? (seeds[Math.floor(rand() * seeds.length)] as Uint8Array) : mutate(rand, seeds);
      if (d.length < 20) continue;
      // Ask for what the first message claims to be, so that the fast path has work.
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      const seq = view.getUint32(8, HOST_LITTLE_ENDIAN);
      const type = view.getUint16(4, HOST_LITTLE_ENDIAN);
      const cmd = d[16] as number;
      const fast = nativeDumpFastPath(BATADV_POLICY, type, cmd, 4);
      assert.ok(fast);
      if (!fast) return;
      const end = fast.fastPath.take(d, 0, seq);
      const want = expectedTake(d, seq, type, cmd);
      const got = fast.items.map((a) => outcome({ ok: true, value: a }));
      if (end !== want.end || JSON.stringify(got) !== JSON.stringify(want.items)) {
        assert.unreachable(`case ${i}: took ${got.length} up to ${end}, expected ${want.items.length} up to ${want.end}\n  bytes ${[...d].map((b) => b.toString(16).padStart(2, '0')).join('')}`);
      }
      taken += got.length;
      if (end > 0 && end < d.length) partial++;
    }
    assert.ok(taken > 10_000 && partial > 1000, `${taken} messages taken, ${partial} datagrams taken in part`);
  });

  t('non-ASCII strings, MACs, u64, flags and repeated attributes: last one wins, like the kernel', () => {
    const A = { 1: { key: 'name', kind: 'string' }, 2: { key: 'mac', kind: 'mac' }, 3: { key: 'big', kind: 'u64' }, 4: { key: 'on', kind: 'flag' }, 5: { key: 'raw', kind: 'binary' }, 6: { key: 'ip', kind: 'ipv4' } } as const;
    const big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00]; // 2^53 - 1, little-endian
    const u64 = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? big : [...big].reverse();
    const bytes = Uint8Array.from([
      ...attr(1, [...utf8Encode('mesh0'), 0]),
      ...attr(1, [...utf8Encode('Straße-Ω'), 0]), // later, non-ASCII: must win
      ...attr(2, [2, 0, 0, 0, 0xab, 0xcd]),
      ...attr(3, u64),
      ...attr(4, []),
      ...attr(5, [1, 2, 3]),
      ...attr(1, [0xff, 0xfe, 0x41, 0]), // invalid UTF-8, last: U+FFFD U+FFFD A
      ...attr(6, [10, 0, 0, 1]),
      ...attr(99, [1, 2]),
    ]);
    const r = decodeWithPolicy(bytes, A, 'test');
    assert.ok(r.ok, outcome(r));
    assert.equal(r.value, { name: '\ufffd\ufffdA', mac: '02:00:00:00:ab:cd', big: 2 ** 53 - 1, on: true, raw: Uint8Array.from([1, 2, 3]), ip: '10.0.0.1' });
    assert.is(outcome(r), outcome(decodeWithPolicyInScript(bytes, A, 'test')));
    const short = Uint8Array.from(attr(2, [1, 2, 3]));
    assert.is(outcome(decodeWithPolicy(short, A, 'test')), 'error decode test: attribute mac (2): expected 6 bytes, got 3');
  });
}

t.run();
