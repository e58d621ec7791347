/**
 * The statistical link scorer used until the anomaly model arrives: how far the
 * link's current metric (TQ or throughput) sits below its own EWMA baseline.
 * Score 1 means both thresholds are crossed: at least degraded_drop_percent below
 * the mean and more than degraded_deviations mean deviations below it.
 */
import type { LinkScorer } from '../detector.js';
import type { LinkSeries, MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';

export interface LinkJudgement {
  value: number;
  mean: number;
  deviation: number;
  dropPercent: number;
  deviations: number;
  score: number;
}

export class EwmaLinkScorer implements LinkScorer {
  readonly name = 'ewma';

  constructor(private readonly config: () => LoopConfig) {}

  judge(link: LinkSeries): LinkJudgement | null {
    const c = this.config();
    const value = link.metric.last();
    const b = link.baseline;
    if (!Number.isFinite(value) || b.samples < c.degradedWarmupSamples || b.mean <= 0) return null;
    const below = b.mean - value;
    const dropPercent = (below / b.mean) * 100;
    // A floor on the deviation: a perfectly steady link must not alarm on a 1-unit wobble.
    const deviation = Math.max(b.deviation, b.mean * 0.01);
    const deviations = below / deviation;
    const byDrop = dropPercent / c.degradedDropPercent;
    const byDev = deviations / c.degradedDeviations;
    const score = Math.max(0, Math.min(1, Math.min(byDrop, byDev)));
    return { value, mean: b.mean, deviation: b.deviation, dropPercent, deviations, score };
  }

  scoreLink(link: LinkSeries, _view: MeshView): number | null {
    return this.judge(link)?.score ?? null;
  }
}
