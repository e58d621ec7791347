/**
 * Link degraded: a live link's metric (BATMAN_IV TQ, BATMAN_V throughput) falls
 * well below the link's own baseline for degraded_cycles cycles. The baseline
 * learns only from cycles judged good, so a lasting degradation stays visible.
 * An extra LinkScorer (the anomaly model) adds its score to the evidence but does
 * not make a cycle bad: this incident leads to actions (hop penalty), and the model
 * alone must not (its own advisory incident is detectors/model-anomaly.ts).
 */
import type { Detector, Hysteresis, LinkScorer } from '../detector.js';
import type { MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';
import { EwmaLinkScorer } from './ewma-scorer.js';

export class LinkDegradedDetector implements Detector {
  readonly kind = 'link-degraded' as const;
  readonly enabled = true;
  private readonly ewma: EwmaLinkScorer;

  constructor(
    private readonly config: () => LoopConfig,
    private readonly extraScorer: LinkScorer | null = null,
  ) {
    this.ewma = new EwmaLinkScorer(config);
  }

  get hysteresis(): Hysteresis {
    const n = this.config().degradedCycles;
    return { raiseAfter: n, clearAfter: n * 2 };
  }

  observe(view: MeshView): Observation[] {
    const out: Observation[] = [];
    for (const link of view.links.values()) {
      if (!link.live) continue;
      const j = this.ewma.judge(link);
      const extra = this.extraScorer?.scoreLink(link, view) ?? null;
      const bad = j !== null && j.score >= 1;
      if (!bad) link.baseline.update(link.metric.last());
      if (j === null) continue;
      const unit = link.metricName === 'tq' ? 'TQ' : 'kbit/s';
      out.push({
        target: `link:${link.key}`,
        bad,
        severity: j.dropPercent >= 80 ? 'critical' : 'warning',
        evidence: {
          summary: `${link.metricName} ${Math.round(j.value)} ${unit} on ${link.ifname} to ${link.neighbor}: ${Math.round(j.dropPercent)}% below its baseline ${Math.round(j.mean)} (${j.deviations.toFixed(1)} deviations)${extra !== null && extra >= 1 ? '; the anomaly model agrees' : ''}`,
          values: {
            ifname: link.ifname,
            neighbor: link.neighbor,
            metric: link.metricName,
            value: j.value,
            baselineMean: Math.round(j.mean * 100) / 100,
            baselineDeviation: Math.round(j.deviation * 100) / 100,
            dropPercent: Math.round(j.dropPercent * 10) / 10,
            score: Math.round(j.score * 1000) / 1000,
            modelScore: extra === null ? null : Math.round(extra * 1000) / 1000,
          },
        },
      });
    }
    return out;
  }
}
