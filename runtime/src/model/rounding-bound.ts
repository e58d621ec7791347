/**
 * How far the integer inference of a quantized network can lie from its float view
 * (dequantizeNetwork: the same weights, biases and ranges in real arithmetic), on any
 * input: a bound from the network's parameters alone, per output, in output steps.
 *
 * On the same int8 input, layer by layer, an output channel's integer value differs
 * from its float view's by at most, in that layer's output steps:
 *   - the requantization's one rounding: half a step;
 *   - the fixed-point multiplier's own error: |acc| · |M − m0 · 2^-shift|, with M the
 *     real multiplier s_in · s_w / s_out and |acc| at most the channel's accumulator
 *     bound |bias| + 2^bits_in · Σ|w| (validateNetwork's);
 *   - the difference its inputs already carry, through the channel's real weights:
 *     Σ_i |w_i| · s_w · e_i / s_out.
 * ReLU and the clamps to the output range never widen a difference. The bound is the
 * triangle inequality: real roundings mostly cancel, and the tests and `model:eval`
 * measure how far below it the outputs stay.
 */
import { inputSpan, type QuantLayer, type QuantNetwork } from './network.js';

/** Per output of the network, the most its integer and float-view values can differ, in the output's steps. */
export function roundingBound(net: QuantNetwork): Float64Array {
  // Each input's difference in real units: 0 for the int8 input both get.
  let carried: Float64Array = new Float64Array(net.inputDim);
  let sIn = net.inputScale;
  let steps = new Float64Array(0);
  for (let k = 0; k < net.layers.length; k++) {
    const l = net.layers[k] as QuantLayer;
    const inSpan = inputSpan(net.layers, k);
    const out = new Float64Array(l.outDim);
    steps = new Float64Array(l.outDim);
    for (let o = 0; o < l.outDim; o++) {
      const sw = l.weightScales[o] as number;
      let sumAbs = 0;
      let through = 0;
      for (let i = 0; i < l.inDim; i++) {
        const w = Math.abs(l.weights[o * l.inDim + i] as number);
        sumAbs += w;
        through += w * sw * (carried[i] as number);
      }
      const accMax = Math.abs(l.bias[o] as number) + inSpan * sumAbs;
      const real = (sIn * sw) / l.outputScale;
      const fixed = (l.m0[o] as number) * 2 ** -(l.shift[o] as number);
      const own = 0.5 + accMax * Math.abs(real - fixed);
      steps[o] = own + through / l.outputScale;
      out[o] = (steps[o] as number) * l.outputScale;
    }
    carried = out;
    sIn = l.outputScale;
  }
  return steps;
}

/** The largest of roundingBound's outputs. */
export function maxRoundingBound(net: QuantNetwork): number {
  let m = 0;
  for (const v of roundingBound(net)) m = Math.max(m, v);
  return m;
}
