/**
 * Online normalisation of one target's feature vector: per feature an exponentially
 * decayed mean and variance (Finch 2009, "Incremental calculation of weighted mean
 * and variance"), updated with weight `alpha` per sample:
 *
 *     δ = x − μ;  μ ← μ + α·δ;  σ² ← (1 − α)·(σ² + α·δ²)
 *
 * The first sample sets μ = x, σ² = 0; sample n (from 0) is weighted max(α, 1/(n + 1)),
 * so the first 1/α samples give their plain mean and variance (with a fixed α the
 * variance after the 30 warm-up samples is a quarter of the data's: every link's first
 * minutes were judged against half its spread). A feature's z-score is (x − μ) / max(σ, floor),
 * clipped to ±Z_CLIP, then quantized to int8 with the model's input scale. The
 * caller updates only with samples it judged normal, so a fault is not learnt as
 * the new normal (the same rule as the EWMA baseline), and samples it judged anomalous
 * only clipped to μ ± c·σ per feature (`updateClipped`): a lasting change of the normal
 * is learnt at a bounded pace instead of never, and one outlier moves nothing much.
 * A feature with `learnWithin` (the probe silence) is also learnt from normal samples only
 * within μ ± learnWithin·σ: its tail is how a fault begins, and learning a growing
 * silence in full would widen σ as fast as the silence grows (below).
 */
import type { FeatureDef } from './features.js';
import { quantizeValue } from './quantize.js';

/** z-scores are clipped here; the standard input scale maps ±Z_CLIP to ±127. */
export const Z_CLIP = 4;
export const STANDARD_INPUT_SCALE = Math.fround(Z_CLIP / 127);

export interface NormalizerState {
  samples: number;
  mean: number[];
  variance: number[];
}

export class Normalizer {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  samples = 0;
  private readonly floors: Float64Array;
  private readonly learnWithin: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    features: readonly FeatureDef[],
    private readonly alpha: number,
  ) {
    this.mean = new Float64Array(features.length);
    this.variance = new Float64Array(features.length);
    this.floors = Float64Array.from(features, (f) => f.floor);
    this.learnWithin = Float64Array.from(features, (f) => f.learnWithin ?? Number.POSITIVE_INFINITY);
    this.scratch = new Float64Array(features.length);
  }

  /**
   * One sample, with weight max(alpha, 1 / (samples + 1)); a feature with `learnWithin`
   * only as far as μ ± learnWithin·max(σ, floor). Why that bound: a link whose probes
   * stop shows a silence growing by a second a cycle; while it still scores below the
   * threshold it is learnt, and each such sample adds α·δ² to σ², so σ grows about as
   * fast as the silence and the z-score never reaches the out-of-range test (on a lossy
   * Leipzig link 12 σ came 5.6 s into a deaf interface instead of 2 s).
   */
  update(x: Float64Array): void {
    const a = Math.max(this.alpha, 1 / (this.samples + 1));
    const n = this.mean.length;
    if (this.samples === 0) {
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        this.mean[i] = Number.isFinite(v) ? v : 0;
        this.variance[i] = 0;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = x[i] as number;
        if (!Number.isFinite(v)) continue; // a missing value teaches nothing
        let d = v - (this.mean[i] as number);
        const within = this.learnWithin[i] as number;
        if (within !== Number.POSITIVE_INFINITY) {
          const band = within * Math.max(Math.sqrt(this.variance[i] as number), this.floors[i] as number);
          d = Math.min(band, Math.max(-band, d));
        }
        this.mean[i] = (this.mean[i] as number) + a * d;
        this.variance[i] = (1 - a) * ((this.variance[i] as number) + a * d * d);
      }
    }
    // The count only gates warm-up: saturate it.
    if (this.samples < 1_000_000) this.samples++;
  }

  /**
   * One sample, each feature first clipped to μ ± c·max(σ, floor) (winsorized): what
   * the scorer learns from a sample it judged anomalous. A feature held beyond the
   * clip widens σ by about (c² − 1)·α/2 per sample, so a lasting condition becomes
   * normal over minutes (c = 2, α = 0.01: σ doubles in about 46 samples).
   */
  updateClipped(x: Float64Array, c: number): void {
    if (this.samples === 0) {
      this.update(x);
      return;
    }
    const clipped = this.scratch;
    for (let i = 0; i < this.mean.length; i++) {
      const v = x[i] as number;
      const m = this.mean[i] as number;
      const band = c * Math.max(Math.sqrt(this.variance[i] as number), this.floors[i] as number);
      clipped[i] = Number.isFinite(v) ? Math.min(m + band, Math.max(m - band, v)) : v;
    }
    this.update(clipped);
  }

  /**
   * z-scores, clipped to ±Z_CLIP, into `out` (a missing value is 0: normal). Returns the
   * index of the feature farthest from its mean, whose unclipped |z| is then in `farthestZ`
   * (what the int8 input cannot carry: ModelScorer's out-of-range test).
   */
  zScores(x: Float64Array, out: Float64Array): number {
    let far = 0;
    let farZ = -1;
    for (let i = 0; i < this.mean.length; i++) {
      const sd = Math.sqrt(this.variance[i] as number);
      const floor = this.floors[i] as number;
      const v = x[i] as number;
      const z = Number.isFinite(v) ? (v - (this.mean[i] as number)) / Math.max(sd, floor) : 0;
      const a = Math.abs(z);
      if (a > farZ) {
        farZ = a;
        far = i;
      }
      out[i] = Math.min(Z_CLIP, Math.max(-Z_CLIP, z));
    }
    this.farthestZ = farZ;
    return far;
  }

  /** The largest unclipped |z| of the last zScores call. */
  farthestZ = 0;

  /** The z-score of value `v` of feature `i` (unclipped, signed; the floor as for zScores). */
  zOf(i: number, v: number): number {
    return (v - (this.mean[i] as number)) / Math.max(Math.sqrt(this.variance[i] as number), this.floors[i] as number);
  }

  /** The value of feature `i` that lies `z` standard deviations above its normal (the floor as for zScores). */
  reach(i: number, z: number): number {
    return (this.mean[i] as number) + z * Math.max(Math.sqrt(this.variance[i] as number), this.floors[i] as number);
  }

  /** The int8 input of the network: z-scores quantized with the network's input scale and zero point. */
  quantize(z: Float64Array, scale: number, zeroPoint: number, out: Int8Array): void {
    for (let i = 0; i < z.length; i++) out[i] = quantizeValue(z[i] as number, scale, zeroPoint);
  }

  state(): NormalizerState {
    return { samples: this.samples, mean: Array.from(this.mean), variance: Array.from(this.variance) };
  }
}
