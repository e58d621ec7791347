/**
 * Post-training quantization of a FloatNetwork into a QuantNetwork (TFLite's affine
 * int8 scheme, or its 16x8 variant with int16 hidden activations, written for this
 * network):
 * - weights: symmetric int8 in [-127, 127], one scale per output channel
 *   (s_w[o] = max_i |w[o][i]| / 127), zero point 0;
 * - biases: int32 at scale s_in · s_w[o];
 * - activations: per tensor, asymmetric, the range [min, max] seen on the calibration
 *   inputs widened to contain 0 (ReLU outputs: [0, max], zero point at the bottom of the
 *   range); int8, or int16 for the hidden layers with `hiddenBits: 16` (TFLite's "16x8":
 *   the roundings between layers shrink 256-fold, the weights stay int8);
 * - the last layer's output takes the input's quantization, so the reconstruction
 *   error is computed between int8 values of the same scale;
 * - requantization multipliers s_in · s_w[o] / s_out as (m0, shift).
 * Scales are rounded to float32 first (the file stores float32).
 * This runs off the router (training, tests); it returns an error value, never throws.
 */
import { floatForward } from './float-inference.js';
import { ACC_LIMIT, quantizeMultiplier } from './fixed-point.js';
import { type ActivationBits, activationRange, type FloatNetwork, inputSpan, type QuantLayer, type QuantNetwork, type Target, validateNetwork } from './network.js';

export interface QuantizeOptions {
  target: Target;
  featureVersion: number;
  /** Real units per input step; the features are z-scores clipped to ±Z_CLIP, so Z_CLIP / 127. */
  inputScale: number;
  inputZeroPoint: number;
  threshold: number;
  quantilePpm: number;
  marginPermille: number;
  /** The hidden layers' activations: 8 (default) or 16 bits. The output is int8 either way. */
  hiddenBits?: ActivationBits;
}

export type QuantizeResult = { ok: true; value: QuantNetwork } | { ok: false; error: string };

/** real → int8 with an affine quantization, rounding half away from zero, saturating. */
export function quantizeValue(real: number, scale: number, zeroPoint: number): number {
  const q = Math.round(Math.abs(real) / scale) * (real < 0 ? -1 : 1) + zeroPoint;
  return Math.min(127, Math.max(-128, q));
}

export function quantizeNetwork(net: FloatNetwork, calibration: ArrayLike<number>[], o: QuantizeOptions): QuantizeResult {
  if (calibration.length === 0) return { ok: false, error: 'no calibration inputs' };
  const n = net.layers.length;
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  // Per-layer output ranges: run the float network layer by layer on every calibration input.
  for (const input of calibration) {
    let x: ArrayLike<number> = input;
    for (let l = 0; l < n; l++) {
      const y = floatForward({ inputDim: net.layers[l]!.inDim, layers: [net.layers[l]!] }, x);
      for (const v of y) {
        if (v < (lo[l] as number)) lo[l] = v;
        if (v > (hi[l] as number)) hi[l] = v;
      }
      x = y;
    }
  }
  const inputScale = Math.fround(o.inputScale);
  const hiddenBits = o.hiddenBits ?? 8;
  if (hiddenBits !== 8 && hiddenBits !== 16) return { ok: false, error: `hidden activations of ${String(hiddenBits)} bits, not 8 or 16` };
  let sIn = inputScale;
  const layers: QuantLayer[] = [];
  for (let l = 0; l < n; l++) {
    const f = net.layers[l]!;
    // The bias keeps validateNetwork's accumulator bound with the layers made so far.
    const inSpan = inputSpan(layers, l);
    let outScale: number;
    let outZp: number;
    const bits: ActivationBits = l === n - 1 ? 8 : hiddenBits;
    if (l === n - 1) {
      outScale = inputScale;
      outZp = o.inputZeroPoint;
    } else {
      const q = activationRange(bits);
      const min = f.activation === 'relu' ? 0 : Math.min(0, lo[l] as number);
      const max = Math.max(0, hi[l] as number, min + 1e-6);
      outScale = Math.fround((max - min) / (q.max - q.min));
      outZp = Math.max(q.min, Math.min(q.max, Math.round(q.min - min / outScale)));
    }
    const weights = new Int8Array(f.outDim * f.inDim);
    const weightScales = new Float32Array(f.outDim);
    const bias = new Int32Array(f.outDim);
    const m0 = new Int32Array(f.outDim);
    const shift = new Uint8Array(f.outDim);
    for (let c = 0; c < f.outDim; c++) {
      let maxAbs = 0;
      for (let i = 0; i < f.inDim; i++) maxAbs = Math.max(maxAbs, Math.abs(f.weights[c * f.inDim + i] as number));
      if (!Number.isFinite(maxAbs)) return { ok: false, error: `layer ${l}: weight of channel ${c} is not finite` };
      // A channel whose weights all decayed below float32's range (a dead unit under weight
      // decay; training produced 1e-280) has no scale the file can store: it is all zeros.
      const scaled = Math.fround(maxAbs / 127);
      const sw = scaled > 0 && Number.isFinite(scaled) ? scaled : 1;
      weightScales[c] = sw;
      let sumAbs = 0;
      for (let i = 0; i < f.inDim; i++) {
        const q = quantizeValue(f.weights[c * f.inDim + i] as number, sw, 0);
        const w = Math.max(-127, q);
        weights[c * f.inDim + i] = w;
        sumAbs += Math.abs(w);
      }
      const room = ACC_LIMIT - inSpan * sumAbs;
      const b = Math.round((f.bias[c] as number) / (sIn * sw));
      if (!Number.isFinite(b)) return { ok: false, error: `layer ${l}: bias of channel ${c} is not finite` };
      bias[c] = Math.max(-room, Math.min(room, b));
      const m = quantizeMultiplier((sIn * sw) / outScale);
      if (!m) return { ok: false, error: `layer ${l}: channel ${c}'s multiplier ${(sIn * sw) / outScale} cannot be represented` };
      m0[c] = m.m0;
      shift[c] = m.shift;
    }
    const layer: QuantLayer = { inDim: f.inDim, outDim: f.outDim, activation: f.activation, weights, weightScales, bias, m0, shift, outputScale: outScale, outputZeroPoint: outZp };
    if (bits === 16) layer.outputBits = 16;
    layers.push(layer);
    sIn = outScale;
  }
  const q: QuantNetwork = {
    target: o.target,
    featureVersion: o.featureVersion,
    inputDim: net.inputDim,
    inputScale,
    inputZeroPoint: o.inputZeroPoint,
    layers,
    threshold: o.threshold,
    quantilePpm: o.quantilePpm,
    marginPermille: o.marginPermille,
  };
  const bad = validateNetwork(q);
  return bad ? { ok: false, error: bad } : { ok: true, value: q };
}
