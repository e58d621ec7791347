/**
 * The anomaly model's networks: a small dense autoencoder per target (links, the
 * node), in two forms. QuantNetwork is what the model file holds and the router
 * runs: int8 weights with one scale per output channel, int32 biases, int8 or int16
 * activations with a per-tensor scale and zero point (the input and the output are
 * int8; hidden layers may be int16, TFLite's "16x8" scheme, so that the roundings
 * between layers cost 1/256 of an int8 step), and a fixed-point multiplier per
 * output channel. FloatNetwork is the same network in doubles: what training
 * produces, and the reference the integer inference is tested against.
 *
 * validateNetwork() is the one place that states what a well-formed network is;
 * the file reader and writer both call it, and the integer inference relies on it
 * (every accumulator fits in int32: |bias| + 2^b · Σ|w| ≤ 2^31 − 1 per channel, for an
 * input of b bits).
 */
import { ACC_LIMIT, SHIFT_MAX, SHIFT_MIN } from './fixed-point.js';
import { MAX_ERROR_TRIM } from './error.js';

export type Activation = 'none' | 'relu';
export type Target = 'link' | 'node';

export const MAX_LAYERS = 8;
export const MAX_DIM = 64;

/** Bits of an activation tensor: int8, or int16 for a hidden layer's output. */
export type ActivationBits = 8 | 16;

/** The integer range of an activation tensor of `bits` bits. */
export function activationRange(bits: ActivationBits): { min: number; max: number } {
  return bits === 16 ? { min: -32768, max: 32767 } : { min: -128, max: 127 };
}

/**
 * How far layer `l`'s inputs can lie from their zero point, plus one: 2^bits of the tensor
 * that feeds it (the network's int8 input for the first layer, the previous layer's output
 * after it). A channel whose |bias| + this · Σ|w| stays within ACC_LIMIT cannot overflow its
 * int32 accumulator: validateNetwork checks it, quantizeNetwork keeps the bias within it,
 * and roundingBound takes it as the accumulator's largest value.
 */
export function inputSpan(layers: readonly { outputBits?: ActivationBits }[], l: number): number {
  return l === 0 ? 256 : 2 ** (layers[l - 1]?.outputBits ?? 8);
}

export interface QuantLayer {
  inDim: number;
  outDim: number;
  activation: Activation;
  /** outDim × inDim, row-major: row o holds output channel o's weights, each in [-127, 127]. */
  weights: Int8Array;
  /** Per output channel: real weight = q · weightScales[o]. */
  weightScales: Float32Array;
  /** Per output channel: real bias = bias[o] · inputScale · weightScales[o]. */
  bias: Int32Array;
  /** Per output channel requantization: out = zp_out + round(acc · m0 / 2^shift). */
  m0: Int32Array;
  shift: Uint8Array;
  /** The output tensor's quantization: real = scale · (q − zeroPoint), q and zeroPoint of outputBits bits. */
  outputScale: number;
  outputZeroPoint: number;
  /** 16: the output is int16 (hidden layers only); absent or 8: int8. */
  outputBits?: ActivationBits;
}

export interface QuantNetwork {
  target: Target;
  /** Which feature set (features.ts) feeds it, e.g. 1 for link features v1. */
  featureVersion: number;
  inputDim: number;
  inputScale: number;
  inputZeroPoint: number;
  layers: QuantLayer[];
  /** Calibrated anomaly threshold in squared int8 units of reconstruction error. */
  threshold: number;
  /** The clean-data quantile the threshold was taken at, in parts per million. */
  quantilePpm: number;
  /** threshold = that quantile × marginPermille / 1000 (the scorer adapts with the same rule). */
  marginPermille: number;
  /** The error leaves out this many of its largest per-feature terms (error.ts); absent = 0, none. */
  errorTrim?: number;
}

export interface FloatLayer {
  inDim: number;
  outDim: number;
  activation: Activation;
  /** outDim × inDim, row-major. */
  weights: Float64Array;
  bias: Float64Array;
  /**
   * Outputs are clamped to [lo, hi]: set in the float view of a quantized network
   * (dequantizeNetwork), whose integer layer cannot represent anything outside it.
   */
  range?: { lo: number; hi: number };
}

export interface FloatNetwork {
  inputDim: number;
  layers: FloatLayer[];
}

const isInt = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
/** A positive finite float32 (the file stores scales as float32: the round trip is exact). */
const isScale = (v: number) => Number.isFinite(v) && v > 0 && v < 2 ** 64 && Math.fround(v) === v;

/** Null when the network is well formed, else what is wrong with it, in one line. */
export function validateNetwork(net: QuantNetwork): string | null {
  if (net.target !== 'link' && net.target !== 'node') return `unknown target ${String(net.target)}`;
  if (!isInt(net.featureVersion, 1, 0xffff)) return `feature version ${net.featureVersion} out of range`;
  if (!isInt(net.inputDim, 1, MAX_DIM)) return `input dimension ${net.inputDim} not in 1..${MAX_DIM}`;
  if (!isScale(net.inputScale)) return `input scale ${net.inputScale} is not a positive finite number`;
  if (!isInt(net.inputZeroPoint, -128, 127)) return `input zero point ${net.inputZeroPoint} not in -128..127`;
  const trim = net.errorTrim ?? 0;
  if (!isInt(trim, 0, MAX_ERROR_TRIM) || trim >= net.inputDim) return `error trim ${trim} not in 0..${Math.min(MAX_ERROR_TRIM, net.inputDim - 1)}`;
  if (net.layers.length < 1 || net.layers.length > MAX_LAYERS) return `${net.layers.length} layers, not 1..${MAX_LAYERS}`;
  let inDim = net.inputDim;
  for (let l = 0; l < net.layers.length; l++) {
    const layer = net.layers[l] as QuantLayer;
    const at = `layer ${l}`;
    const inSpan = inputSpan(net.layers, l);
    if (layer.inDim !== inDim) return `${at}: input dimension ${layer.inDim}, the previous layer gives ${inDim}`;
    if (!isInt(layer.outDim, 1, MAX_DIM)) return `${at}: output dimension ${layer.outDim} not in 1..${MAX_DIM}`;
    if (layer.activation !== 'none' && layer.activation !== 'relu') return `${at}: unknown activation`;
    const n = layer.outDim;
    if (layer.weights.length !== n * inDim) return `${at}: ${layer.weights.length} weights, expected ${n * inDim}`;
    if (layer.weightScales.length !== n || layer.bias.length !== n || layer.m0.length !== n || layer.shift.length !== n) {
      return `${at}: per-channel arrays must have ${n} entries`;
    }
    const bits = layer.outputBits ?? 8;
    if (bits !== 8 && bits !== 16) return `${at}: ${String(bits)}-bit output, not 8 or 16`;
    const range = activationRange(bits);
    if (!isScale(layer.outputScale)) return `${at}: output scale ${layer.outputScale} is not a positive finite number`;
    if (!isInt(layer.outputZeroPoint, range.min, range.max)) return `${at}: output zero point ${layer.outputZeroPoint} not in ${range.min}..${range.max}`;
    for (let o = 0; o < n; o++) {
      if (!isScale(layer.weightScales[o] as number)) return `${at}: weight scale of channel ${o} is not a positive finite number`;
      if ((layer.m0[o] as number) < 0) return `${at}: multiplier of channel ${o} is negative`;
      const s = layer.shift[o] as number;
      if (s < SHIFT_MIN || s > SHIFT_MAX) return `${at}: shift ${s} of channel ${o} not in ${SHIFT_MIN}..${SHIFT_MAX}`;
      let sumAbs = 0;
      for (let i = 0; i < inDim; i++) {
        const w = layer.weights[o * inDim + i] as number;
        if (w === -128) return `${at}: weight -128 in channel ${o} (weights are symmetric, -127..127)`;
        sumAbs += w < 0 ? -w : w;
      }
      const b = layer.bias[o] as number;
      if ((b < 0 ? -b : b) + inSpan * sumAbs > ACC_LIMIT) return `${at}: channel ${o} could overflow its int32 accumulator`;
    }
    inDim = n;
  }
  const last = net.layers[net.layers.length - 1] as QuantLayer;
  if ((last.outputBits ?? 8) !== 8) return "the last layer's output must be int8 (the input's quantization)";
  if (last.outDim !== net.inputDim) return `an autoencoder's output (${last.outDim}) must match its input (${net.inputDim})`;
  if (last.outputScale !== net.inputScale || last.outputZeroPoint !== net.inputZeroPoint) {
    return "the last layer's output quantization must be the input's (reconstruction error in input units)";
  }
  if (!isInt(net.threshold, 1, 0xffffffff)) return `threshold ${net.threshold} not in 1..2^32-1`;
  if (!isInt(net.quantilePpm, 1, 999_999)) return `quantile ${net.quantilePpm} ppm not in 1..999999`;
  if (!isInt(net.marginPermille, 1000, 0xffff)) return `margin ${net.marginPermille} ‰ not in 1000..65535`;
  return null;
}

/** Total number of weights (multiply-accumulates per inference). */
export function macCount(net: { layers: { inDim: number; outDim: number }[] }): number {
  let n = 0;
  for (const l of net.layers) n += l.inDim * l.outDim;
  return n;
}
