/**
 * Float training of the dense autoencoder (runtime/src/model/network.ts FloatNetwork):
 * mean squared reconstruction error, ReLU hidden layers, linear output, He-uniform
 * initialisation and Adam, mini-batches in a seeded shuffled order. Deterministic:
 * the same data, sizes and seed give the same weights bit for bit on the same Node.
 */
import type { FloatLayer, FloatNetwork } from '../../runtime/src/model/network.js';
import { prng as rng } from '../../tests/support/prng.js';

/** mulberry32: a small seeded PRNG (uniform in [0, 1)). */
export { rng };


export interface TrainOptions {
  /** Layer widths after the input, the last equal to the input (e.g. [10, 4, 10, 16]). */
  hidden: number[];
  epochs: number;
  batch: number;
  learningRate: number;
  /** L2 weight decay (keeps weights small: fewer int8 steps lost per channel). */
  weightDecay: number;
  seed: number;
  /**
   * Train for the int8 inference: each hidden layer's positive outputs get uniform noise
   * of ± half its int8 step (its range in the previous epoch / 255), the rounding the
   * integer inference will apply there, so the network learns not to amplify it.
   */
  quantizationNoise?: boolean;
}

export function initNetwork(inputDim: number, widths: number[], random: () => number): FloatNetwork {
  const layers: FloatLayer[] = [];
  let inDim = inputDim;
  widths.forEach((outDim, i) => {
    const limit = Math.sqrt(6 / inDim);
    const weights = new Float64Array(outDim * inDim);
    for (let k = 0; k < weights.length; k++) weights[k] = (random() * 2 - 1) * limit;
    layers.push({ inDim, outDim, activation: i === widths.length - 1 ? 'none' : 'relu', weights, bias: new Float64Array(outDim) });
    inDim = outDim;
  });
  return { inputDim, layers };
}

/** Trains in place; returns the mean loss of each epoch. */
export function train(net: FloatNetwork, data: readonly Float64Array[], o: TrainOptions): number[] {
  const random = rng(o.seed ^ 0x5eed);
  const L = net.layers.length;
  const m = net.layers.map((l) => ({ w: new Float64Array(l.weights.length), b: new Float64Array(l.outDim) }));
  const v = net.layers.map((l) => ({ w: new Float64Array(l.weights.length), b: new Float64Array(l.outDim) }));
  const g = net.layers.map((l) => ({ w: new Float64Array(l.weights.length), b: new Float64Array(l.outDim) }));
  const acts = [new Float64Array(net.inputDim), ...net.layers.map((l) => new Float64Array(l.outDim))];
  const deltas = net.layers.map((l) => new Float64Array(l.outDim));
  const order = Array.from(data, (_, i) => i);
  const noise = rng(o.seed ^ 0x0415e);
  // Per hidden layer: the largest output of the previous epoch, and of this one.
  const rangeSeen = new Float64Array(L);
  const rangeNow = new Float64Array(L);
  const b1 = 0.9;
  const b2 = 0.999;
  let step = 0;
  const losses: number[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    let total = 0;
    for (let start = 0; start < order.length; start += o.batch) {
      const end = Math.min(order.length, start + o.batch);
      for (const gl of g) {
        gl.w.fill(0);
        gl.b.fill(0);
      }
      for (let s = start; s < end; s++) {
        const x = data[order[s] as number] as Float64Array;
        (acts[0] as Float64Array).set(x);
        for (let l = 0; l < L; l++) {
          const layer = net.layers[l] as FloatLayer;
          const a = acts[l] as Float64Array;
          const out = acts[l + 1] as Float64Array;
          for (let q = 0; q < layer.outDim; q++) {
            let acc = layer.bias[q] as number;
            for (let i = 0; i < layer.inDim; i++) acc += (layer.weights[q * layer.inDim + i] as number) * (a[i] as number);
            out[q] = layer.activation === 'relu' && acc < 0 ? 0 : acc;
          }
          if (l < L - 1) {
            const half = (rangeSeen[l] as number) / 255 / 2;
            for (let q = 0; q < layer.outDim; q++) {
              const v = out[q] as number;
              if (v > (rangeNow[l] as number)) rangeNow[l] = v;
              if (o.quantizationNoise && half > 0 && v > 0) out[q] = Math.max(0, v + (noise() * 2 - 1) * half);
            }
          }
        }
        const y = acts[L] as Float64Array;
        const dOut = deltas[L - 1] as Float64Array;
        for (let i = 0; i < y.length; i++) {
          const d = (y[i] as number) - (x[i] as number);
          total += d * d;
          dOut[i] = (2 * d) / y.length;
        }
        for (let l = L - 1; l >= 0; l--) {
          const layer = net.layers[l] as FloatLayer;
          const a = acts[l] as Float64Array;
          const d = deltas[l] as Float64Array;
          const gl = g[l] as { w: Float64Array; b: Float64Array };
          for (let q = 0; q < layer.outDim; q++) {
            const dq = d[q] as number;
            if (dq === 0) continue;
            gl.b[q] = (gl.b[q] as number) + dq;
            for (let i = 0; i < layer.inDim; i++) gl.w[q * layer.inDim + i] = (gl.w[q * layer.inDim + i] as number) + dq * (a[i] as number);
          }
          if (l > 0) {
            const prev = deltas[l - 1] as Float64Array;
            const below = net.layers[l - 1] as FloatLayer;
            for (let i = 0; i < layer.inDim; i++) {
              let s = 0;
              for (let q = 0; q < layer.outDim; q++) s += (layer.weights[q * layer.inDim + i] as number) * (d[q] as number);
              prev[i] = below.activation === 'relu' && (a[i] as number) <= 0 ? 0 : s;
            }
          }
        }
      }
      step++;
      const n = end - start;
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      for (let l = 0; l < L; l++) {
        const layer = net.layers[l] as FloatLayer;
        const update = (p: Float64Array, gr: Float64Array, mm: Float64Array, vv: Float64Array, decay: number) => {
          for (let k = 0; k < p.length; k++) {
            const gk = (gr[k] as number) / n + decay * (p[k] as number);
            mm[k] = b1 * (mm[k] as number) + (1 - b1) * gk;
            vv[k] = b2 * (vv[k] as number) + (1 - b2) * gk * gk;
            p[k] = (p[k] as number) - (o.learningRate * ((mm[k] as number) / c1)) / (Math.sqrt((vv[k] as number) / c2) + 1e-8);
          }
        };
        const gl = g[l] as { w: Float64Array; b: Float64Array };
        update(layer.weights, gl.w, (m[l] as { w: Float64Array }).w, (v[l] as { w: Float64Array }).w, o.weightDecay);
        update(layer.bias, gl.b, (m[l] as { b: Float64Array }).b, (v[l] as { b: Float64Array }).b, 0);
      }
    }
    losses.push(total / data.length);
    rangeSeen.set(rangeNow);
    rangeNow.fill(0);
  }
  return losses;
}
