/**
 * Integer inference of a QuantNetwork: int8 weights times int8 or int16 activations,
 * summed in int32 (every accumulator stays in int32, validateNetwork guarantees it),
 * requantized per output channel by mulRoundShift, saturated to the layer's output
 * width (int16 for hidden layers that have it, int8 for the output). No floating-point
 * operation and no allocation per call: the buffers are made once per network.
 *
 * Zero points: with x = q − zp_in, Σ w·x = Σ w·q − zp_in·Σ w, so the second term is
 * folded into the bias when the network is prepared, and the loop multiplies the
 * stored int8 or int16 values directly.
 *
 * When the host has the same loop in C (`host.int8`, our quickjs-ng binary), forward()
 * hands the whole network to it in one call: the interpreter spent about 0.2 µs per
 * multiply-add here. This file stays the reference: the unit tests run both paths
 * against a BigInt evaluation on both engines (tests/unit/model-inference.test.ts).
 */
import { trimmedSquaredError } from './error.js';
import { currentHost } from '../host/index.js';
import type { NativeInt8 } from '../host/types.js';
import { mulRoundShift } from './fixed-point.js';
import { activationRange, type QuantLayer, type QuantNetwork } from './network.js';

interface PreparedLayer {
  inDim: number;
  outDim: number;
  weights: Int8Array;
  /** bias − zp_in · Σ_i w[o][i]. */
  bias: Int32Array;
  m0: Int32Array;
  shift: Uint8Array;
  zeroPoint: number;
  /** The output range's bottom (-128 or -32768), or the zero point for ReLU (real 0). */
  low: number;
  /** The output range's top: 127 or 32767. */
  high: number;
  /** |requantized value| is clamped to this before the zero point is added: 2^bits − 1. */
  span: number;
  out: Int8Array | Int16Array;
}

/** The prepared network in the native kernel's layout (NativeInt8's contract). */
interface NativeForm {
  kernel: NativeInt8;
  weights: Int8Array;
  params: Int32Array;
  out: Int8Array;
}

export interface IntNetworkOptions {
  /** false: always the TypeScript loop (the reference), even where the host has it in C. */
  native?: boolean;
}

export class IntNetwork {
  readonly inputDim: number;
  private readonly layers: PreparedLayer[];
  private readonly native: NativeForm | null;

  /** The network must have passed validateNetwork (the model reader ensures it). */
  constructor(
    readonly net: QuantNetwork,
    options: IntNetworkOptions = {},
  ) {
    this.inputDim = net.inputDim;
    let zpIn = net.inputZeroPoint;
    this.layers = net.layers.map((l: QuantLayer) => {
      const bias = new Int32Array(l.outDim);
      for (let o = 0; o < l.outDim; o++) {
        let sum = 0;
        for (let i = 0; i < l.inDim; i++) sum += l.weights[o * l.inDim + i] as number;
        bias[o] = (l.bias[o] as number) - zpIn * sum;
      }
      zpIn = l.outputZeroPoint;
      const bits = l.outputBits ?? 8;
      const range = activationRange(bits);
      return {
        inDim: l.inDim,
        outDim: l.outDim,
        weights: l.weights,
        bias,
        m0: l.m0,
        shift: l.shift,
        zeroPoint: l.outputZeroPoint,
        low: l.activation === 'relu' ? l.outputZeroPoint : range.min,
        high: range.max,
        span: 2 ** bits - 1,
        out: bits === 16 ? new Int16Array(l.outDim) : new Int8Array(l.outDim),
      };
    });
    const kernel = options.native === false ? undefined : currentHost()?.int8;
    this.native = kernel ? nativeForm(kernel, this.layers) : null;
  }

  /** True when forward() runs in the host's C kernel. */
  get isNative(): boolean {
    return this.native !== null;
  }

  /** The network's int8 output for an int8 input (a view of an internal buffer, valid until the next call). */
  forward(input: Int8Array): Int8Array {
    const n = this.native;
    if (n) {
      n.kernel.forward(n.weights, n.params, input, n.out);
      return n.out;
    }
    let x: Int8Array | Int16Array = input;
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l] as PreparedLayer;
      const { inDim, outDim, weights, bias, m0, shift, zeroPoint, low, high, span, out } = layer;
      for (let o = 0; o < outDim; o++) {
        let acc = bias[o] as number;
        const base = o * inDim;
        let i = 0;
        for (; i + 3 < inDim; i += 4) {
          acc +=
            (weights[base + i] as number) * (x[i] as number) +
            (weights[base + i + 1] as number) * (x[i + 1] as number) +
            (weights[base + i + 2] as number) * (x[i + 2] as number) +
            (weights[base + i + 3] as number) * (x[i + 3] as number);
        }
        for (; i < inDim; i++) acc += (weights[base + i] as number) * (x[i] as number);
        let v = mulRoundShift(acc, m0[o] as number, shift[o] as number);
        // Clamp before adding the zero point so the sum stays a small integer.
        if (v > span) v = span;
        else if (v < -span) v = -span;
        v += zeroPoint;
        // biome-ignore lint/complexity/useMathMinMax: the hot loop; a call costs more than a compare on quickjs-ng
        out[o] = v > high ? high : v < low ? low : v;
      }
      x = out;
    }
    // validateNetwork makes the last layer int8.
    return x as Int8Array;
  }

  /**
   * Squared reconstruction error Σ (out_i − in_i)² in int8 units (at most 64 · 255² < 2^23),
   * without its `trim` largest terms (error.ts; the scorer passes the network's errorTrim).
   */
  reconstructionError(input: Int8Array, trim = 0): number {
    return trimmedSquaredError(this.forward(input), input, this.inputDim, trim);
  }
}

function nativeForm(kernel: NativeInt8, layers: readonly PreparedLayer[]): NativeForm {
  const weights = new Int8Array(layers.reduce((a, l) => a + l.inDim * l.outDim, 0));
  const params = new Int32Array(1 + layers.reduce((a, l) => a + 5 + 3 * l.outDim, 0));
  params[0] = layers.length;
  let w = 0;
  let k = 1;
  for (const l of layers) {
    weights.set(l.weights.subarray(0, l.inDim * l.outDim), w);
    w += l.inDim * l.outDim;
    params[k++] = l.inDim;
    params[k++] = l.outDim;
    params[k++] = l.zeroPoint;
    params[k++] = l.low;
    params[k++] = l.high;
    for (let o = 0; o < l.outDim; o++) {
      params[k++] = l.bias[o] as number;
      params[k++] = l.m0[o] as number;
      params[k++] = l.shift[o] as number;
    }
  }
  const last = layers[layers.length - 1] as PreparedLayer;
  return { kernel, weights, params, out: new Int8Array(last.outDim) };
}
