/**
 * An exponentially weighted baseline of one metric: mean and mean absolute
 * deviation, updated with weight `alpha` per sample. The degraded-link detector
 * compares a link against its own baseline; the baseline is frozen while the link
 * is judged bad so that a degradation is not learnt as the new normal.
 */
export interface BaselineState {
  mean: number;
  deviation: number;
  samples: number;
}

export class EwmaBaseline implements BaselineState {
  mean = 0;
  deviation = 0;
  samples = 0;

  constructor(private alpha: number) {}

  static from(state: BaselineState, alpha: number): EwmaBaseline {
    const b = new EwmaBaseline(alpha);
    b.mean = state.mean;
    b.deviation = state.deviation;
    b.samples = state.samples;
    return b;
  }

  setAlpha(alpha: number): void {
    this.alpha = alpha;
  }

  update(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.samples === 0) {
      this.mean = value;
      this.deviation = 0;
    } else {
      const diff = value - this.mean;
      this.mean += this.alpha * diff;
      this.deviation += this.alpha * (Math.abs(diff) - this.deviation);
    }
    // Saturate: the count only gates warm-up, it must not grow without bound.
    if (this.samples < 1_000_000) this.samples++;
  }

  state(): BaselineState {
    return { mean: this.mean, deviation: this.deviation, samples: this.samples };
  }
}
