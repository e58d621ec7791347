/**
 * The model file: round trip, the size of the test architecture, a clear error for
 * each kind of damage, int16 hidden layers (format 4), and a fuzz test (50k mutated
 * files of formats 1 and 4, half with the checksum and length fixed so the damage
 * reaches the structural checks): no exception escapes the reader, and whatever it
 * accepts the integer inference can run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeModel, encodeModel, HEADER_BYTES, MAX_MODEL_BYTES, type Model } from '../../runtime/src/model/format.js';
import { crc32 } from '../../runtime/src/knowledge/crc32.js';
import { IntNetwork } from '../../runtime/src/model/int-inference.js';
import { prng, quantizeForTest, randomFloatNetwork, randomInputs, testModel } from '../support/model-fixture.js';

const t = suite('model: file format');

function encoded(m: Model): Uint8Array {
  const r = encodeModel(m);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Recompute the body length and CRC of a (possibly damaged) file, as a forger would. */
function refit(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER_BYTES) return bytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(8, bytes.length - HEADER_BYTES, true);
  dv.setUint32(12, crc32(bytes.subarray(HEADER_BYTES)), true);
  return bytes;
}

t('round trip: what is written is read back exactly, and re-encodes to the same bytes', () => {
  const { model } = testModel(21, 1234, 567);
  const bytes = encoded(model);
  const back = decodeModel(bytes);
  if (!back.ok) return assert.unreachable(back.error);
  assert.equal(back.value, model);
  assert.equal(encoded(back.value), bytes);
  // A model with only a link network is fine too.
  const one = decodeModel(encoded({ label: '', networks: [model.networks[0]!] }));
  assert.ok(one.ok && one.value.networks.length === 1 && one.value.networks[0]!.target === 'link');
});

t('the test architecture (link 16-12-6-12-16 and node 15-10-4-10-15) is well under 8 KB', () => {
  const bytes = encoded(testModel(1).model);
  assert.ok(bytes.length <= 8192, `${bytes.length} bytes`);
  assert.ok(bytes.length > 1000, 'it holds 908 weights and their per-channel parameters');
});

t('error trim: a model without one is written as format 1 (what older agents read); with one as format 2, checked on read', () => {
  const plain = testModel(3).model;
  const v1 = encoded(plain);
  assert.is(v1[4], 1);
  const trimmed: Model = { ...plain, networks: plain.networks.map((n) => (n.target === 'link' ? { ...n, errorTrim: 2 } : n)) };
  const v2 = encoded(trimmed);
  assert.is(v2[4], 2);
  assert.is(v2.length, v1.length + plain.networks.length, 'one trim byte per network');
  const back = decodeModel(v2);
  assert.ok(back.ok);
  assert.equal(back.ok && back.value.networks.map((n) => n.errorTrim ?? 0), [2, 0]);
  // The link network's trim byte (after margin) set to 9 behind a valid checksum: refused by name.
  const label = v2[HEADER_BYTES]!;
  const bad = v2.slice();
  bad[HEADER_BYTES + 1 + label + 1 + 19] = 9;
  refit(bad);
  const r = decodeModel(bad);
  assert.ok(!r.ok && /network 0: error trim 9 not in 0..3/.test(r.error), r.ok ? 'accepted' : r.error);
  assert.not.ok(encodeModel({ ...plain, networks: [{ ...plain.networks[0]!, errorTrim: 4 }] }).ok);
});

t('ensemble: several networks of one target are written as format 3, read back, and must share their input and threshold', () => {
  const a = testModel(4, 1200, 700).model;
  const b = testModel(5, 1200, 700).model;
  const c = testModel(6, 1200, 700).model;
  const ensemble: Model = { label: 'ensemble', networks: [a.networks[0]!, b.networks[0]!, c.networks[0]!, a.networks[1]!] };
  const bytes = encoded(ensemble);
  assert.is(bytes[4], 3, 'format 3: agents before it refuse the file by its version');
  // Each network as in format 1, and its trim byte (formats 2 and 3).
  const size = (n: Model['networks'][number]) => encoded({ label: '', networks: [n] }).length - HEADER_BYTES - 2 + 1;
  assert.is(bytes.length, HEADER_BYTES + 1 + ensemble.label.length + 1 + ensemble.networks.reduce((a, n) => a + size(n), 0));
  const back = decodeModel(bytes);
  if (!back.ok) return assert.unreachable(back.error);
  assert.equal(back.value, ensemble);
  // A member whose threshold differs: the writer refuses it, and a forged file is refused by name.
  const differing: Model = { ...ensemble, networks: [a.networks[0]!, { ...b.networks[0]!, threshold: 1201 }, a.networks[1]!] };
  const w = encodeModel(differing);
  assert.ok(!w.ok && /link network 1 differs from the first in threshold/.test(w.error), w.ok ? 'accepted' : w.error);
  const forged = bytes.slice();
  const net1 = HEADER_BYTES + 1 + ensemble.label.length + 1 + size(a.networks[0]!);
  // Network 1's threshold: after target (1), feature version (2), input dimension (1), scale (4), zero point (1).
  new DataView(forged.buffer).setUint32(net1 + 9, 999, true);
  const r = decodeModel(refit(forged));
  assert.ok(!r.ok && /link network 1 differs from the first in threshold/.test(r.error), r.ok ? 'accepted' : r.error);
  // At most four members; the node may have its own ensemble.
  const five = [a, b, c, a, b].map((m) => m.networks[0]!);
  assert.match((encodeModel({ label: '', networks: five }) as { error: string }).error, /5 link networks, at most 4/);
  const nodes = encoded({ label: '', networks: [a.networks[0]!, a.networks[1]!, b.networks[1]!] });
  assert.ok(decodeModel(nodes).ok && nodes[4] === 3);
});

t('int16 hidden activations: written as format 4 (a bits byte and a 16-bit zero point per layer), read back, checked on read', () => {
  const wide = testModel(7, 1100, 600, 16).model;
  const narrow = testModel(7, 1100, 600, 8).model;
  const bytes = encoded(wide);
  assert.is(bytes[4], 4, 'format 4: agents before it refuse the file by its version');
  // Against format 1 (the int8 twin has no trim and one network per target): per layer a bits byte and a second
  // zero-point byte, per network the trim byte formats 2 to 4 carry.
  const layers = wide.networks.reduce((a, n) => a + n.layers.length, 0);
  assert.is(bytes.length, encoded(narrow).length + wide.networks.length + 2 * layers);
  const back = decodeModel(bytes);
  if (!back.ok) return assert.unreachable(back.error);
  assert.equal(back.value, wide);
  assert.equal(encoded(back.value), bytes);
  assert.equal(back.value.networks[0]!.layers.map((l) => l.outputBits ?? 8), [16, 16, 16, 8]);
  // Layer 0's bits byte (after the output dimension and the activation) behind a valid checksum.
  const net0 = HEADER_BYTES + 1 + wide.label.length + 1;
  const layer0 = net0 + 21;
  const damaged = (at: number, v: number) => {
    const b = bytes.slice();
    b[at] = v;
    const r = decodeModel(refit(b));
    return r.ok ? 'accepted' : r.error;
  };
  assert.is(bytes[layer0 + 2], 16);
  assert.match(damaged(layer0 + 2, 12), /network 0 layer 0 .*12-bit output, not 8 or 16/);
  // The last layer's bits set to 16: the reconstruction must stay on the input's int8 scale.
  const l = wide.networks[0]!.layers;
  let last = layer0;
  for (let k = 0; k < l.length - 1; k++) last += 2 + 1 + 4 + 2 + l[k]!.outDim * l[k]!.inDim + 13 * l[k]!.outDim;
  assert.is(bytes[last + 2], 8);
  assert.match(damaged(last + 2, 16), /network 0: the last layer's output must be int8/);
  // An int8 layer whose 16-bit zero point is outside int8.
  assert.match(damaged(last + 2 + 1 + 4 + 1, 1), /layer 3: output zero point 256 not in -128..127/);
  // The writer refuses an int16 output layer too.
  const bad = { ...wide.networks[1]!, layers: wide.networks[1]!.layers.map((x, k, a) => (k === a.length - 1 ? { ...x, outputBits: 16 as const } : x)) };
  assert.match((encodeModel({ label: '', networks: [bad] }) as { error: string }).error, /last layer's output must be int8/);
});

t('every kind of damage is rejected with an error that says what is wrong', () => {
  const good = encoded(testModel(2).model);
  const damaged = (f: (b: Uint8Array) => Uint8Array | void, fix = false): string => {
    let b: Uint8Array = good.slice();
    b = f(b) ?? b;
    if (fix) refit(b);
    const r = decodeModel(b);
    return r.ok ? 'accepted' : r.error;
  };
  assert.match(damaged((b) => void (b[0] = 0x41)), /bad magic/);
  assert.match(damaged((b) => void (b[4] = 5)), /format version 5, this agent reads 1..4/);
  assert.match(damaged((b) => void (b[4] = 0)), /format version 0, this agent reads 1..4/);
  assert.match(damaged((b) => void (b[6] = 1)), /unknown flags 0x1/);
  assert.match(damaged((b) => b.subarray(0, 10)), /shorter than the 16-byte header/);
  assert.match(damaged((b) => b.subarray(0, b.length - 1)), /header says \d+ body bytes, the file has \d+/);
  assert.match(damaged((b) => void (b[100] = (b[100]! + 1) & 0xff)), /checksum mismatch.*damaged file/);
  assert.match(damaged(() => new Uint8Array(MAX_MODEL_BYTES + 1)), /more than the 65536/);
  // Damage behind a valid checksum: the structure is checked field by field.
  const label = good[HEADER_BYTES]!;
  const net0 = HEADER_BYTES + 1 + label + 1;
  assert.match(damaged((b) => void (b[net0] = 7), true), /network 0: unknown target code 7/);
  assert.match(damaged((b) => void (b[net0 + 3] = 0), true), /input dimension 0/);
  assert.match(damaged((b) => void (b[net0 + 19] = 0), true), /0 layers/);
  assert.match(damaged((b) => void (b[net0 + 21] = 2), true), /layer 0 .*unknown activation code 2/);
  assert.match(damaged((b) => void (b[net0 + 20] = 0), true), /layer 0 .*output dimension 0 not in 1..64/);
  // Layer 0 (12 × 16): header 7 bytes, 192 weights, 3 × 48 bytes of scales, biases, multipliers: then the shifts.
  assert.match(damaged((b) => void (b[net0 + 20 + 7 + 192 + 144] = 0), true), /network 0: layer 0: shift 0 of channel 0 not in 1..62/);
  assert.match(damaged((b) => void (b[net0 + 20 + 7 + 192 + 144 + 11] = 63), true), /shift 63 of channel 11/);
  assert.match(damaged((b) => void (b[HEADER_BYTES + 1] = 0x07), true), /not printable ASCII/);
  assert.match(damaged((b) => void (b[HEADER_BYTES] = 200), true), /label of 200 bytes/);
  assert.match(damaged((b) => b.subarray(0, b.length - 3), true), /truncated/);
  assert.match(damaged((b) => Uint8Array.from([...b, 0]), true), /1 bytes after the last network/);
  assert.match(damaged((b) => void (b[net0 + 4] = 0xff), true), /input scale|output quantization must be the input's/);
  const twoLinks = encoded({ label: 'x', networks: [testModel(2).model.networks[0]!] });
  twoLinks[HEADER_BYTES + 2] = 2;
  const doubled = Uint8Array.from([...twoLinks, ...twoLinks.subarray(HEADER_BYTES + 3)]);
  assert.match(decodeModel(refit(doubled)).ok ? 'accepted' : (decodeModel(doubled) as { error: string }).error, /two link networks/);
  // The writer refuses what the reader would refuse.
  const w = encodeModel({ label: 'é', networks: [] });
  assert.equal(w.ok, false);
});

t('fuzz: 50k mutated files, no exception escapes, accepted files run', () => {
  const rng = prng(0xf022);
  // A small model keeps 50k checksums cheap on both engines; one large-model pass follows.
  const small = quantizeForTest(randomFloatNetwork(rng, [8, 4, 8]), 'link', randomInputs(rng, 8, 64));
  const smallNode = quantizeForTest(randomFloatNetwork(rng, [6, 3, 6]), 'node', randomInputs(rng, 6, 64));
  const wide = quantizeForTest(randomFloatNetwork(rng, [8, 4, 8]), 'link', randomInputs(rng, 8, 64), 1000, 1, 16);
  const seeds = [encoded({ label: 'fuzz', networks: [small, smallNode] }), encoded({ label: '', networks: [small] }), encoded({ label: 'w', networks: [wide] })];
  const big = encoded(testModel(3).model);
  const byte = () => Math.floor(rng() * 256);
  const mutate = (src: Uint8Array): Uint8Array => {
    let b = src.slice();
    const kind = Math.floor(rng() * 6);
    const at = () => Math.floor(rng() * b.length);
    if (kind === 0) for (let k = 1 + Math.floor(rng() * 4); k > 0; k--) b[at()]! ^= 1 << Math.floor(rng() * 8);
    else if (kind === 1) for (let k = 1 + Math.floor(rng() * 4); k > 0; k--) b[at()] = byte();
    else if (kind === 2) b = b.subarray(0, at());
    else if (kind === 3) {
      const extra = 1 + Math.floor(rng() * 8);
      const c = new Uint8Array(b.length + extra);
      c.set(b);
      for (let k = b.length; k < c.length; k++) c[k] = byte();
      b = c;
    } else if (kind === 4) {
      const i = at();
      const c = new Uint8Array(b.length + 1);
      c.set(b.subarray(0, i));
      c[i] = byte();
      c.set(b.subarray(i), i + 1);
      b = c;
    } else {
      const i = at();
      const cut = Math.min(b.length - i, 1 + Math.floor(rng() * 4));
      const c = new Uint8Array(b.length - cut);
      c.set(b.subarray(0, i));
      c.set(b.subarray(i + cut), i);
      b = c;
    }
    return rng() < 0.5 ? refit(b) : b;
  };
  let accepted = 0;
  let rejected = 0;
  const input = new Int8Array(64);
  const run = (b: Uint8Array) => {
    const r = decodeModel(b);
    if (!r.ok) {
      if (!r.error.startsWith('model file: ')) assert.unreachable(`unclear error: ${r.error}`);
      rejected++;
      return;
    }
    accepted++;
    for (const n of r.value.networks) {
      for (let i = 0; i < n.inputDim; i++) input[i] = byte() - 128;
      const out = new IntNetwork(n).forward(input.subarray(0, n.inputDim));
      for (const v of out) if (!Number.isInteger(v) || v < -128 || v > 127) assert.unreachable(`output ${v}`);
    }
  };
  for (let i = 0; i < 50_000; i++) run(mutate(seeds[i % 3]!));
  for (let i = 0; i < 1000; i++) run(mutate(big));
  assert.is(accepted + rejected, 51_000);
  assert.ok(rejected > 30_000, `${rejected} rejected`);
  assert.ok(accepted > 1000, `${accepted} accepted (mutated weights and biases are still a valid model)`);
});

t.run();
