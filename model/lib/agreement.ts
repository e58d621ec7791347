/**
 * How far the quantized network's int8 outputs lie from its float original's on one
 * input, in input steps (the unit tests' tolerance is 4): model:eval reports it on the
 * test inputs, against the float network before quantization and against the same
 * quantized model computed in float.
 */
import { floatForward } from '../../runtime/src/model/float-inference.js';
import type { IntNetwork } from '../../runtime/src/model/int-inference.js';
import type { FloatNetwork, QuantNetwork } from '../../runtime/src/model/network.js';
import { quantizeValue } from '../../runtime/src/model/quantize.js';

/** The tolerance of the unit tests (model-inference): outputs at most this many input steps apart. */
export const TOLERANCE_STEPS = 4;

/** The int8 input of a z-score vector, as the scorer quantizes it. */
export function int8Input(net: QuantNetwork, x: ArrayLike<number>): Int8Array {
  return Int8Array.from(x as ArrayLike<number>, (v) => quantizeValue(v, net.inputScale, net.inputZeroPoint));
}

/** The largest |int8 output − float output| over the outputs, in input steps, with the float output passed through `clip`. */
export function outputSteps(int: IntNetwork, net: QuantNetwork, float: FloatNetwork, x: ArrayLike<number>, clip: (v: number) => number = (v) => v): number {
  const out = int.forward(int8Input(net, x));
  const f = floatForward(float, x);
  const s = net.inputScale;
  let steps = 0;
  for (let i = 0; i < out.length; i++) steps = Math.max(steps, Math.abs((out[i] as number) * s - clip(f[i] as number)) / s);
  return steps;
}
