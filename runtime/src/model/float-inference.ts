/**
 * The float reference of the same network: doubles throughout, no quantization.
 * Training runs it (later issue); the tests compare the integer inference with it.
 * Also the float view of a quantized network (dequantized weights and biases),
 * so a model read from a file can be run in float.
 */
import { trimmedSquaredError } from './error.js';
import { activationRange, type FloatLayer, type FloatNetwork, type QuantNetwork } from './network.js';

export function floatForward(net: FloatNetwork, input: ArrayLike<number>): Float64Array {
  let x: ArrayLike<number> = input;
  let out = new Float64Array(0);
  for (const l of net.layers) {
    out = new Float64Array(l.outDim);
    for (let o = 0; o < l.outDim; o++) {
      let acc = l.bias[o] as number;
      for (let i = 0; i < l.inDim; i++) acc += (l.weights[o * l.inDim + i] as number) * (x[i] as number);
      out[o] = l.activation === 'relu' && acc < 0 ? 0 : acc;
    }
    if (l.range) for (let o = 0; o < l.outDim; o++) out[o] = Math.min(l.range.hi, Math.max(l.range.lo, out[o] as number));
    x = out;
  }
  return out;
}

/** Σ (x̂_i − x_i)² in real units, without its `trim` largest terms (error.ts). */
export function floatReconstructionError(net: FloatNetwork, input: ArrayLike<number>, trim = 0): number {
  const out = floatForward(net, input);
  return trimmedSquaredError(out, input, out.length, trim);
}

/**
 * The real-valued network a quantized one stands for (weights q·s_w, biases q·s_in·s_w,
 * each layer's output clamped to what its integer output can hold): the same model in
 * float arithmetic, so that comparing it with the integer inference on an int8 input
 * measures the integer arithmetic alone (its roundings), not the quantization.
 */
export function dequantizeNetwork(net: QuantNetwork): FloatNetwork {
  let inScale = net.inputScale;
  const layers: FloatLayer[] = net.layers.map((l) => {
    const weights = new Float64Array(l.weights.length);
    const bias = new Float64Array(l.outDim);
    for (let o = 0; o < l.outDim; o++) {
      const s = l.weightScales[o] as number;
      for (let i = 0; i < l.inDim; i++) weights[o * l.inDim + i] = (l.weights[o * l.inDim + i] as number) * s;
      bias[o] = (l.bias[o] as number) * inScale * s;
    }
    inScale = l.outputScale;
    const q = activationRange(l.outputBits ?? 8);
    const range = { lo: (q.min - l.outputZeroPoint) * l.outputScale, hi: (q.max - l.outputZeroPoint) * l.outputScale };
    return { inDim: l.inDim, outDim: l.outDim, activation: l.activation, weights, bias, range };
  });
  return { inputDim: net.inputDim, layers };
}
