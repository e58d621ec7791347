/**
 * Link degraded: a live link's metric (BATMAN_IV TQ, BATMAN_V throughput) falls
 * well below the link's own baseline for degraded_cycles cycles. The baseline
 * learns only from cycles judged good, so a lasting degradation stays visible.
 * An extra LinkScorer (the anomaly model, later) can raise the alarm on its own
 * when its score reaches 1; the EWMA judgement stays the evidence.
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
      const bad = (j !== null && j.score >= 1) || (extra !== null && extra >= 1);
      if (!bad) link.baseline.update(link.metric.last());
      if (j === null && extra === null) continue;
      const unit = link.metricName === 'tq' ? 'TQ' : 'kbit/s';
      out.push({
        target: `link:${link.key}`,
        bad,
        severity: j !== null && j.dropPercent >= 80 ? 'critical' : 'warning',
        evidence: {
          summary: j
            ? `${link.metricName} ${Math.round(j.value)} ${unit} on ${link.ifname} to ${link.neighbor}: ${Math.round(j.dropPercent)}% below its baseline ${Math.round(j.mean)} (${j.deviations.toFixed(1)} deviations)`
            : `anomaly score ${extra} on ${link.key}`,
          values: {
            ifname: link.ifname,
            neighbor: link.neighbor,
            metric: link.metricName,
            value: j?.value ?? null,
            baselineMean: j ? Math.round(j.mean * 100) / 100 : null,
            baselineDeviation: j ? Math.round(j.deviation * 100) / 100 : null,
            dropPercent: j ? Math.round(j.dropPercent * 10) / 10 : null,
            score: j ? Math.round(j.score * 1000) / 1000 : null,
            modelScore: extra,
          },
        },
      });
    }
    return out;
  }
}
