/**
 * The quantized network (int8 weights, int8 or int16 hidden activations): its integer
 * inference is exactly the integer arithmetic it
 * specifies (checked against a BigInt evaluation of the same network), and it agrees
 * with the float reference within the documented tolerance (docs/model.md):
 * every output within 4 steps of the input scale, the reconstruction error within
 * 5 % (1 % on average).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dequantizeNetwork, floatForward, floatReconstructionError } from '../../runtime/src/model/float-inference.js';
import { currentHost } from '../../runtime/src/host/index.js';
import { trimmedSquaredError } from '../../runtime/src/model/error.js';
import { IntNetwork } from '../../runtime/src/model/int-inference.js';
import { activationRange, macCount, type QuantNetwork, validateNetwork } from '../../runtime/src/model/network.js';
import { quantizeNetwork, quantizeValue } from '../../runtime/src/model/quantize.js';
import { maxRoundingBound, roundingBound } from '../../runtime/src/model/rounding-bound.js';
import { LINK_DIMS, NODE_DIMS, prng, quantizeForTest, randomFloatNetwork, randomInputs, testModel } from '../support/model-fixture.js';

const t = suite('model: inference');

/** The network evaluated in BigInt straight from its definition (no folding, no limbs). */
function bigIntForward(net: QuantNetwork, input: Int8Array): number[] {
  let x = Array.from(input, Number);
  let zpIn = net.inputZeroPoint;
  for (const l of net.layers) {
    const out: number[] = [];
    for (let o = 0; o < l.outDim; o++) {
      let acc = BigInt(l.bias[o]!);
      for (let i = 0; i < l.inDim; i++) acc += BigInt(l.weights[o * l.inDim + i]!) * BigInt(x[i]! - zpIn);
      const p = acc * BigInt(l.m0[o]!);
      const mag = p < 0n ? -p : p;
      const r = (mag + (1n << BigInt(l.shift[o]! - 1))) >> BigInt(l.shift[o]!);
      let v = Number(p < 0n ? -r : r) + l.outputZeroPoint;
      const range = activationRange(l.outputBits ?? 8);
      const low = l.activation === 'relu' ? l.outputZeroPoint : range.min;
      v = Math.min(range.max, Math.max(low, v));
      out.push(v);
    }
    x = out;
    zpIn = l.outputZeroPoint;
  }
  return x;
}

t('trimmed squared error: the `trim` largest terms are left out, on integers and reals, in any order', () => {
  const zero = [0, 0, 0, 0, 0];
  assert.is(trimmedSquaredError([1, -2, 3, 0, 5], zero, 5, 0), 1 + 4 + 9 + 25);
  assert.is(trimmedSquaredError([1, -2, 3, 0, 5], zero, 5, 1), 1 + 4 + 9);
  assert.is(trimmedSquaredError([1, -2, 3, 0, 5], zero, 5, 2), 1 + 4);
  assert.is(trimmedSquaredError([1, -2, 3, 0, 5], zero, 5, 3), 1);
  // Ties count once each; only the first n terms are read.
  assert.is(trimmedSquaredError([4, 4, 4, 1, 100], zero, 4, 2), 16 + 1);
  assert.is(trimmedSquaredError([0.5, 1.5], [0, 0.5], 2, 1), 0.25);
  // Each term (trimmed or not) added to `terms`, over two calls (an ensemble's members).
  const terms = new Float64Array([10, 0, 0, 0, 7]);
  trimmedSquaredError([1, -2, 3, 0, 5], zero, 4, 2, terms);
  trimmedSquaredError([1, 0, 0, 0, 5], zero, 4, 0, terms);
  assert.equal(Array.from(terms), [12, 4, 9, 0, 7]);
  // Against sort-and-drop on random vectors, every trim.
  const rng = prng(77);
  for (let k = 0; k < 200; k++) {
    const n = 1 + Math.floor(rng() * 30);
    const a = Array.from({ length: n }, () => Math.round(rng() * 255) - 128);
    const b = Array.from({ length: n }, () => Math.round(rng() * 255) - 128);
    const terms = a.map((v, i) => (v - (b[i] as number)) ** 2).sort((x, y) => y - x);
    for (let trim = 0; trim <= Math.min(3, n - 1); trim++) {
      assert.is(trimmedSquaredError(a, b, n, trim), terms.slice(trim).reduce((s, v) => s + v, 0));
    }
  }
});

t('integer inference is bit-exact with the network evaluated in BigInt (int8 and int16 hidden activations)', () => {
  for (const [seed, bits] of [[1, 8], [2, 8], [3, 8], [4, 16], [5, 16]] as const) {
    const { model } = testModel(seed, 1000, 1000, bits);
    assert.is(model.networks[0]!.layers[0]!.outputBits ?? 8, bits);
    for (const net of model.networks) {
      // Both paths: on our quickjs-ng binary the default one is the C kernel.
      for (const int of [new IntNetwork(net), new IntNetwork(net, { native: false })]) {
        const rng = prng(seed * 31);
        for (let k = 0; k < 300; k++) {
          const q = Int8Array.from({ length: net.inputDim }, () => Math.floor(rng() * 256) - 128);
          assert.equal(Array.from(int.forward(q)), bigIntForward(net, q));
        }
      }
    }
  }
  // Odd sizes (the unrolled loop's remainder) and a linear hidden layer with a non-zero zero point.
  const rng = prng(99);
  const float = randomFloatNetwork(rng, [7, 5, 3, 7], 1.5);
  float.layers[0]!.activation = 'none';
  const q = quantizeForTest(float, 'link', randomInputs(rng, 7, 64));
  assert.ok(q.layers[0]!.outputZeroPoint !== 0 && q.layers[1]!.outputZeroPoint === -128);
  const int = new IntNetwork(q);
  for (let k = 0; k < 500; k++) {
    const x = Int8Array.from({ length: 7 }, () => Math.floor(rng() * 256) - 128);
    assert.equal(Array.from(int.forward(x)), bigIntForward(q, x));
  }
});

/**
 * A well-formed network no training would make: random int8 weights, biases up to the
 * accumulator bound, multipliers anywhere in [0, 2^31) · 2^-[1, 62] (small shifts
 * saturate the requantization), random zero points, ReLU or linear layers, hidden
 * layers int8 or int16 at random.
 */
function stressNetwork(rng: () => number, dims: number[]): QuantNetwork {
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const zpIn = int(-128, 127);
  let inSpan = 256;
  const layers = dims.slice(1).map((outDim, l) => {
    const inDim = dims[l]!;
    const bits = l < dims.length - 2 && rng() < 0.5 ? 16 : 8;
    const weights = Int8Array.from({ length: inDim * outDim }, () => int(-127, 127));
    const bias = new Int32Array(outDim);
    for (let o = 0; o < outDim; o++) {
      let sumAbs = 0;
      for (let i = 0; i < inDim; i++) sumAbs += Math.abs(weights[o * inDim + i]!);
      const room = 0x7fffffff - inSpan * sumAbs;
      bias[o] = Math.trunc((rng() * 2 - 1) * (rng() < 0.2 ? room : Math.min(room, 50_000)));
    }
    inSpan = 2 ** bits;
    const range = activationRange(bits);
    return {
      inDim,
      outDim,
      activation: rng() < 0.5 ? ('relu' as const) : ('none' as const),
      weights,
      weightScales: new Float32Array(outDim).fill(0.01),
      bias,
      m0: Int32Array.from({ length: outDim }, () => (rng() < 0.1 ? 0 : int(0, 0x7fffffff))),
      shift: Uint8Array.from({ length: outDim }, () => (rng() < 0.3 ? int(1, 31) : int(32, 62))),
      outputScale: 0.0625,
      outputZeroPoint: int(range.min, range.max),
      outputBits: bits as 8 | 16,
    };
  });
  const last = layers[layers.length - 1]!;
  last.outputScale = 0.03125;
  last.outputZeroPoint = zpIn;
  const net: QuantNetwork = { target: 'link', featureVersion: 1, inputDim: dims[0]!, inputScale: 0.03125, inputZeroPoint: zpIn, layers, threshold: 1, quantilePpm: 1, marginPermille: 1000 };
  const bad = validateNetwork(net);
  if (bad) throw new Error(`stress network: ${bad}`);
  return net;
}

t('the forward pass runs in C on our quickjs-ng binary, in TypeScript on Node', () => {
  const host = currentHost();
  assert.ok(host, 'no host installed');
  const net = testModel(1).model.networks[0]!;
  assert.is(new IntNetwork(net).isNative, host.engine === 'quickjs-ng', `engine ${host.engine}`);
  assert.is(new IntNetwork(net, { native: false }).isNative, false);
});

t('both paths are bit-exact with BigInt on networks at the limits (saturating multipliers, biases at the int32 bound, odd sizes up to 64 units, int8 and int16 hidden layers)', () => {
  const rng = prng(2024);
  let outputs = 0;
  let wide = 0;
  for (let n = 0; n < 40; n++) {
    const depth = 1 + Math.floor(rng() * 4);
    const inputDim = 1 + Math.floor(rng() * 64);
    const dims = [inputDim, ...Array.from({ length: depth - 1 }, () => 1 + Math.floor(rng() * 64)), inputDim];
    const net = stressNetwork(rng, dims);
    if (net.layers.some((l) => l.outputBits === 16)) wide++;
    const paths = [new IntNetwork(net), new IntNetwork(net, { native: false })];
    for (let k = 0; k < 50; k++) {
      const q = Int8Array.from({ length: inputDim }, () => (rng() < 0.1 ? (rng() < 0.5 ? -128 : 127) : Math.floor(rng() * 256) - 128));
      const want = bigIntForward(net, q);
      for (const p of paths) assert.equal(Array.from(p.forward(q)), want, `network ${n} dims ${dims.join('-')}${p.isNative ? ' (C)' : ''}`);
      outputs += want.length;
    }
  }
  assert.ok(outputs > 40 * 50, `${outputs} outputs compared`);
  assert.ok(wide >= 10, `${wide} networks with an int16 layer`);
});

const kernel = currentHost()?.int8;
if (kernel) {
  t('the C kernel refuses parameters that do not describe a network, and writes nothing', () => {
    const w = new Int8Array(6).fill(1);
    // One 3→2 layer: inDim, outDim, zeroPoint, low, high, then (bias, m0, shift) per channel.
    const good = Int32Array.of(1, 3, 2, 0, -128, 127, 10, 1 << 30, 31, -10, 1 << 30, 31);
    const out = new Int8Array(2);
    kernel.forward(w, good, Int8Array.of(1, 2, 3), out);
    assert.equal(Array.from(out), [8, -2]);
    // An int16 hidden layer keeps what int8 would saturate: 3→2 (int16, ×32) then 2→2 (int8, ×2^-8).
    // Layer 1's biases hold −zp_in · Σw = 32768 (the folded zero point).
    const wide = Int32Array.of(2, 3, 2, -32768, -32768, 32767, 0, 1 << 30, 25, 0, 1 << 30, 25, 2, 2, 0, -128, 127, 32768, 1 << 30, 38, 32768, 1 << 30, 38);
    const w2 = Int8Array.of(100, 100, 100, 1, 1, 1, 1, 0, 0, 1);
    kernel.forward(w2, wide, Int8Array.of(100, 100, 100), out);
    // Layer 0 (×32): 30000 → 960000, saturated at 32767, i.e. 65535 above the zero point; 300 → 9600 above it.
    // Layer 1 (×2^-8): 65535 → 256, saturated at 127; 9600 → 37.5, rounded away from zero to 38.
    assert.equal(Array.from(out), [127, 38]);
    const cases: [string, Int8Array, Int32Array, Int8Array, RegExp][] = [
      ['no layers', w, Int32Array.of(0), Int8Array.of(1, 2, 3), /1 to 8 layers/],
      ['a layer of 65 inputs', new Int8Array(130), Int32Array.of(1, 65, 2, 0, -128, 127, 0, 1, 31, 0, 1, 31), new Int8Array(65), /1 to 64 units/],
      ['params cut short', w, good.subarray(0, 10), Int8Array.of(1, 2, 3), /params end in layer 0/],
      ['too few weights', w.subarray(0, 5), good, Int8Array.of(1, 2, 3), /weights end in layer 0/],
      ['weights left over', new Int8Array(7), good, Int8Array.of(1, 2, 3), /left over/],
      ['shift 63', w, Int32Array.of(1, 3, 2, 0, -128, 127, 10, 1 << 30, 63, -10, 1 << 30, 31), Int8Array.of(1, 2, 3), /multiplier .* >> 63/],
      ['a negative multiplier', w, Int32Array.of(1, 3, 2, 0, -128, 127, 10, -1, 31, -10, 1 << 30, 31), Int8Array.of(1, 2, 3), /multiplier -1/],
      ['zero point 200', w, Int32Array.of(1, 3, 2, 200, -128, 127, 10, 1 << 30, 31, -10, 1 << 30, 31), Int8Array.of(1, 2, 3), /outside int8/],
      ['an int16 output layer', w, Int32Array.of(1, 3, 2, 0, -128, 32767, 10, 1 << 30, 31, -10, 1 << 30, 31), Int8Array.of(1, 2, 3), /output top 32767/],
      ['output top 255', w, Int32Array.of(1, 3, 2, 0, -128, 255, 10, 1 << 30, 31, -10, 1 << 30, 31), Int8Array.of(1, 2, 3), /output top 255/],
      ['an int16 zero point below its range', w2, Int32Array.of(2, 3, 2, -40000, -32768, 32767, 0, 1, 31, 0, 1, 31, 2, 2, 0, -128, 127, 0, 1, 31, 0, 1, 31), Int8Array.of(1, 2, 3), /layer 0 zero point or floor outside int16/],
      ['layers that do not chain', new Int8Array(12), Int32Array.of(2, 3, 2, 0, -128, 127, 0, 1, 31, 0, 1, 31, 3, 2, 0, -128, 127, 0, 1, 31, 0, 1, 31), Int8Array.of(1, 2, 3), /takes 3 inputs, the one before gives 2/],
      ['a short input', w, good, Int8Array.of(1, 2), /too short/],
    ];
    for (const [what, weights, params, input, message] of cases) {
      out.fill(99);
      assert.throws(() => kernel.forward(weights, params, input, out), (e: unknown) => e instanceof RangeError && message.test(e.message), what);
      assert.equal(Array.from(out), [99, 99], `${what}: output written`);
    }
    assert.throws(() => kernel.forward(w, good, Int8Array.of(1, 2, 3), new Int8Array(1)), /too short/, "a short output");
  });
}

t('integer and float inference agree within the documented tolerance (int8 and int16 hidden activations)', () => {
  let cases = 0;
  for (const [seed, bits] of [[11, 8], [12, 8], [13, 8], [14, 16], [15, 16]] as const) {
    const tm = testModel(seed, 1000, 1000, bits);
    for (const [net, float] of [
      [tm.model.networks[0]!, tm.linkFloat],
      [tm.model.networks[1]!, tm.nodeFloat],
    ] as const) {
      const int = new IntNetwork(net);
      const s = net.inputScale;
      let relSum = 0;
      const inputs = randomInputs(prng(seed + 1000), net.inputDim, 500);
      for (const x of inputs) {
        const q = Int8Array.from(x, (v) => quantizeValue(v, s, 0));
        const out = int.forward(q);
        const f = floatForward(float, x);
        for (let i = 0; i < out.length; i++) {
          const lsb = Math.abs(out[i]! * s - f[i]!) / s;
          if (lsb > 4) assert.unreachable(`seed ${seed} ${net.target} output ${i}: ${lsb.toFixed(2)} steps from float`);
        }
        const ei = int.reconstructionError(q);
        const ef = floatReconstructionError(float, x) / (s * s);
        const rel = Math.abs(ei - ef) / Math.max(ef, 1);
        if (rel > 0.05) assert.unreachable(`seed ${seed} ${net.target}: error ${ei} vs float ${ef.toFixed(1)}`);
        relSum += rel;
        cases++;
      }
      assert.ok(relSum / inputs.length < 0.01, `mean relative difference ${(relSum / inputs.length).toFixed(4)}`);
    }
  }
  assert.is(cases, 5 * 2 * 500);
});

t('the dequantized network is the float view of the int8 one (weights within half a step)', () => {
  const tm = testModel(5);
  const net = tm.model.networks[0]!;
  const deq = dequantizeNetwork(net);
  for (let l = 0; l < net.layers.length; l++) {
    const ql = net.layers[l]!;
    for (let o = 0; o < ql.outDim; o++) {
      for (let i = 0; i < ql.inDim; i++) {
        const k = o * ql.inDim + i;
        assert.ok(Math.abs(deq.layers[l]!.weights[k]! - tm.linkFloat.layers[l]!.weights[k]!) <= ql.weightScales[o]! / 2 + 1e-12);
      }
    }
  }
  assert.is(macCount(net), 16 * 12 + 12 * 6 + 6 * 12 + 12 * 16);
  assert.equal(LINK_DIMS, [16, 12, 6, 12, 16]);
  assert.equal(NODE_DIMS, [15, 10, 4, 10, 15]);
});

/**
 * Per output, the largest |integer output − float view output| in input steps over 2000 wide
 * inputs (up to ±2.5 times the feature range: they drive hidden layers past their calibrated
 * ranges, where the float view's clamp must match the integer saturation).
 */
function stepsFromFloatView(net: QuantNetwork, seed: number): Float64Array {
  const int = new IntNetwork(net);
  const view = dequantizeNetwork(net);
  const s = net.inputScale;
  const seen = new Float64Array(net.inputDim);
  for (const x of randomInputs(prng(seed), net.inputDim, 2000).map((v) => v.map((z) => z * 2.5))) {
    const q = Int8Array.from(x, (v) => quantizeValue(v, s, net.inputZeroPoint));
    const out = int.forward(q);
    const f = floatForward(view, Array.from(q, (v) => (v - net.inputZeroPoint) * s));
    for (let i = 0; i < out.length; i++) seen[i] = Math.max(seen[i]!, Math.abs(out[i]! * s - f[i]!) / s);
  }
  return seen;
}

const largest = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, v), 0);

t('the float view of an int8 network (dequantized, each layer clamped to its int8 range) is its arithmetic without the roundings: within one step', () => {
  for (const seed of [21, 22, 23]) {
    for (const net of testModel(seed).model.networks) {
      const max = largest(stepsFromFloatView(net, seed));
      assert.ok(max <= 1, `seed ${seed} ${net.target}: ${max.toFixed(2)} steps`);
    }
  }
});

t('with int16 hidden activations the integer inference is its float view up to the output\'s own rounding (within 0.51 steps), which int8 hidden layers exceed', () => {
  let worst8 = 0;
  for (const seed of [21, 22, 23, 24]) {
    for (const bits of [8, 16] as const) {
      for (const net of testModel(seed, 1000, 1000, bits).model.networks) {
        const max = largest(stepsFromFloatView(net, seed));
        if (bits === 16) assert.ok(max <= 0.51, `seed ${seed} ${net.target}: ${max.toFixed(3)} steps`);
        else worst8 = Math.max(worst8, max);
      }
    }
  }
  // The int8 hidden roundings are what the int16 ones remove (else this test would show nothing).
  assert.ok(worst8 > 0.52, `int8 hidden layers: at most ${worst8.toFixed(3)} steps`);
});

t('the rounding bound from the network alone holds on every input, and int16 hidden activations bring it to the output rounding', () => {
  for (const seed of [31, 32, 33]) {
    const int8Bound: number[] = [];
    for (const bits of [8, 16] as const) {
      testModel(seed, 1000, 1000, bits).model.networks.forEach((net, n) => {
        const bound = roundingBound(net);
        assert.is(bound.length, net.inputDim);
        const seen = stepsFromFloatView(net, seed + bits);
        for (let i = 0; i < bound.length; i++) {
          if (seen[i]! > bound[i]!) assert.unreachable(`seed ${seed} int${bits} ${net.target} output ${i}: ${seen[i]!.toFixed(3)} steps, bound ${bound[i]!.toFixed(3)}`);
        }
        const max = maxRoundingBound(net);
        if (bits === 8) int8Bound[n] = max;
        // The same float network with int16 hidden layers: half a step and a little, below its int8 twin.
        else assert.ok(max <= 0.51 && max < int8Bound[n]!, `seed ${seed} ${net.target}: int16 bound ${max.toFixed(3)}, int8 ${int8Bound[n]!.toFixed(3)} steps`);
      });
    }
  }
});

t('a channel whose weights decayed below float32 (a dead unit) quantizes to zeros, and the network still agrees with its float version', () => {
  const rng = prng(31);
  const float = randomFloatNetwork(rng, LINK_DIMS);
  const l2 = float.layers[2]!;
  // What training produced for a dead unit under weight decay: weights around 1e-280.
  for (let i = 0; i < l2.inDim; i++) l2.weights[3 * l2.inDim + i] = (i % 2 ? -1 : 1) * 1e-280;
  const inputs = randomInputs(rng, LINK_DIMS[0]!, 200);
  const q = quantizeForTest(float, 'link', inputs);
  const ql = q.layers[2]!;
  assert.equal(Array.from(ql.weights.subarray(3 * ql.inDim, 4 * ql.inDim)), new Array(ql.inDim).fill(0));
  assert.ok(Number.isFinite(ql.bias[3]!));
  const net = new IntNetwork(q);
  const deq = dequantizeNetwork(q);
  for (const x of inputs.slice(0, 50)) {
    const qx = Int8Array.from(x, (v) => quantizeValue(v, q.inputScale, 0));
    const e = net.reconstructionError(qx);
    const fe = floatReconstructionError(deq, Array.from(qx, (v) => v * q.inputScale)) / (q.inputScale * q.inputScale);
    assert.ok(Math.abs(e - fe) <= 0.05 * fe + 4, `int8 ${e} float ${fe}`);
  }
});

t('validation refuses networks the integer inference could not run safely', () => {
  const net = testModel(3).model.networks[0]!;
  assert.is(validateNetwork(net), null);
  const l0 = net.layers[0]!;
  const edit = (f: (n: QuantNetwork) => void): string | null => {
    const copy: QuantNetwork = { ...net, layers: net.layers.map((l) => ({ ...l, weights: l.weights.slice(), bias: l.bias.slice(), shift: l.shift.slice(), m0: l.m0.slice() })) };
    f(copy);
    return validateNetwork(copy);
  };
  assert.match(edit((n) => (n.layers[0]!.bias[0] = 0x7fff_ff00)) ?? '', /overflow its int32 accumulator/);
  assert.match(edit((n) => (n.layers[0]!.weights[0] = -128)) ?? '', /-127..127/);
  assert.match(edit((n) => (n.layers[0]!.shift[0] = 0)) ?? '', /shift 0/);
  assert.match(edit((n) => (n.layers[1]!.inDim = 5)) ?? '', /previous layer gives 12/);
  assert.match(edit((n) => (n.layers[3]!.outputScale = 0.5)) ?? '', /output quantization must be the input's/);
  assert.match(edit((n) => (n.inputScale = 0.1)) ?? '', /input scale 0.1/);
  assert.match(edit((n) => (n.threshold = 0)) ?? '', /threshold 0/);
  assert.match(edit((n) => (n.layers = [])) ?? '', /0 layers/);
  assert.ok(l0.weights.length === 16 * 12);
  const bad = quantizeNetwork(randomFloatNetwork(prng(1), [4, 4]), [], { target: 'link', featureVersion: 1, inputScale: 0.03, inputZeroPoint: 0, threshold: 1, quantilePpm: 1, marginPermille: 1000 });
  assert.equal(bad, { ok: false, error: 'no calibration inputs' });
  const twelve = quantizeNetwork(randomFloatNetwork(prng(1), [4, 4]), [new Float64Array(4)], { target: 'link', featureVersion: 1, inputScale: 0.03, inputZeroPoint: 0, threshold: 1, quantilePpm: 1, marginPermille: 1000, hiddenBits: 12 as 8 });
  assert.equal(twelve, { ok: false, error: 'hidden activations of 12 bits, not 8 or 16' });
  // After an int16 layer an input spans 65,536 steps: a bias that int8 inputs would leave room for can overflow.
  const wide = testModel(3, 1000, 1000, 16).model.networks[0]!;
  assert.is(validateNetwork(wide), null);
  const l1 = wide.layers[1]!;
  let sumAbs = 0;
  for (let i = 0; i < l1.inDim; i++) sumAbs += Math.abs(l1.weights[i]!);
  const between = 0x7fffffff - 1000 * sumAbs; // above the int16 room, below the int8 one
  const overflowing: QuantNetwork = { ...wide, layers: wide.layers.map((l, k) => (k === 1 ? { ...l, bias: Int32Array.from(l.bias, (b, o) => (o === 0 ? between : b)) } : l)) };
  assert.match(validateNetwork(overflowing) ?? '', /layer 1: channel 0 could overflow its int32 accumulator/);
  assert.is(validateNetwork({ ...overflowing, layers: overflowing.layers.map((l, k) => (k === 0 ? { ...l, outputBits: 8 as const, outputZeroPoint: -128 } : l)) }), null, 'the same bias after an int8 layer fits');
  // The last layer must be int8 (the reconstruction is compared with the int8 input).
  assert.match(validateNetwork({ ...wide, layers: wide.layers.map((l, k, a) => (k === a.length - 1 ? { ...l, outputBits: 16 as const } : l)) }) ?? '', /last layer's output must be int8/);
  assert.match(validateNetwork({ ...wide, layers: wide.layers.map((l, k) => (k === 0 ? { ...l, outputZeroPoint: 40000 } : l)) }) ?? '', /layer 0: output zero point 40000 not in -32768..32767/);
});

t.run();
