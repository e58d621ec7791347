/**
 * The anomaly threshold: calibrated off the router, adapted slowly on it.
 *
 * Calibration (training, tests): the threshold is the `quantile` of the
 * reconstruction errors of clean data times a margin (calibrateThreshold); the
 * model file stores all three numbers.
 *
 * Adaptation, per node (one AdaptiveThreshold per network: all links of a node share
 * one): every error the scorer judges clean (below the current threshold) goes into
 * a log-scale histogram of integer counts (8 bins per octave), halved whenever it
 * holds HALVE_AT samples, so old samples fade. Once `minSamples` clean samples were
 * seen, every `every` clean samples the local target is the same quantile of that
 * histogram (the upper edge of its bin) times the same margin, clamped to
 * [lower, upper] ‰ of the file's threshold; the threshold then moves 1/8 of the way
 * to the target. A node whose clean errors run higher than the training data's
 * (a noisier radio) thus raises its threshold over hours, never beyond 2× the
 * calibrated one, and a fault cannot teach it anything: its errors are above the
 * threshold and not counted. All integer arithmetic except the quantile's rank.
 */

export const HISTOGRAM_BINS = 240;
export const HALVE_AT = 1 << 16;

export interface AdaptOptions {
  /** Clean samples before the first adaptation. */
  minSamples: number;
  /** Clean samples between adaptations. */
  every: number;
  /** Bounds of the adapted threshold, in ‰ of the calibrated one. */
  lowerPermille: number;
  upperPermille: number;
}

export const ADAPT_DEFAULTS: AdaptOptions = { minSamples: 3600, every: 600, lowerPermille: 500, upperPermille: 2000 };

/** The histogram bin of a non-negative integer error (exact below 8, 8 bins per octave above). */
export function binOf(err: number): number {
  if (err < 8) return Math.max(err, 0);
  const v = Math.min(err, 0x7fffffff);
  const e = 31 - Math.clz32(v);
  return 8 + (e - 3) * 8 + ((v >>> (e - 3)) & 7);
}

/** The smallest integer above every error of a bin. */
export function binUpper(bin: number): number {
  if (bin < 8) return bin + 1;
  const e = 3 + ((bin - 8) >>> 3);
  return (9 + ((bin - 8) & 7)) * 2 ** (e - 3);
}

/** threshold = ⌈quantile of the clean errors⌉ × margin / 1000 (at least 1); errors need not be sorted. */
export function calibrateThreshold(errors: readonly number[], quantilePpm: number, marginPermille: number): number {
  if (errors.length === 0) return 1;
  const sorted = [...errors].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil((sorted.length * quantilePpm) / 1_000_000) - 1);
  const q = sorted[Math.max(0, rank)] as number;
  return Math.max(1, Math.ceil((q * marginPermille) / 1000));
}

export class AdaptiveThreshold {
  /** The threshold in force. */
  value: number;
  private readonly counts = new Uint32Array(HISTOGRAM_BINS);
  private total = 0;
  private seen = 0;
  private sinceAdapt = 0;
  readonly lower: number;
  readonly upper: number;

  constructor(
    readonly base: number,
    private readonly quantilePpm: number,
    private readonly marginPermille: number,
    private readonly options: AdaptOptions = ADAPT_DEFAULTS,
  ) {
    this.value = base;
    this.lower = Math.max(1, Math.floor((base * options.lowerPermille) / 1000));
    this.upper = Math.max(this.lower, Math.floor((base * options.upperPermille) / 1000));
  }

  /** 0..1: the error's share of the threshold, 1 at or above it. */
  score(err: number): number {
    return err >= this.value ? 1 : err / this.value;
  }

  /** Learn from an error the scorer judged clean. */
  observeClean(err: number): void {
    const b = binOf(err);
    this.counts[b] = (this.counts[b] as number) + 1;
    this.total++;
    if (this.total >= HALVE_AT) {
      let t = 0;
      for (let i = 0; i < HISTOGRAM_BINS; i++) {
        const c = (this.counts[i] as number) >>> 1;
        this.counts[i] = c;
        t += c;
      }
      this.total = t;
    }
    if (this.seen < 0x3fffffff) this.seen++;
    this.sinceAdapt++;
    if (this.seen >= this.options.minSamples && this.sinceAdapt >= this.options.every) {
      this.sinceAdapt = 0;
      this.adapt();
    }
  }

  /** The quantile of the clean errors held (upper bin edge), or null when empty. */
  localQuantile(): number | null {
    if (this.total === 0) return null;
    const need = Math.ceil((this.total * this.quantilePpm) / 1_000_000);
    let acc = 0;
    for (let i = 0; i < HISTOGRAM_BINS; i++) {
      acc += this.counts[i] as number;
      if (acc >= need) return binUpper(i);
    }
    return binUpper(HISTOGRAM_BINS - 1);
  }

  private adapt(): void {
    const q = this.localQuantile();
    if (q === null) return;
    let target = Math.ceil((q * this.marginPermille) / 1000);
    if (target < this.lower) target = this.lower;
    if (target > this.upper) target = this.upper;
    const diff = target - this.value;
    const step = diff >= 0 ? Math.ceil(diff / 8) : -Math.ceil(-diff / 8);
    this.value += step;
  }
}
