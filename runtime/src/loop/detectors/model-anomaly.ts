/**
 * The anomaly model's detectors: a link (or the node) whose model score reached 1
 * (reconstruction error at or above the node's adaptive threshold) for
 * degraded_cycles cycles opens a `link-anomaly` (`node-anomaly`) incident; a sample with
 * a feature out of the model's range (ModelScorer's out-of-range test: a dead link's
 * probe silence after about a second, the link's interface down or without carrier, or
 * its probes arriving far later than the link's normal) opens it at once.
 *
 * These incidents are advisory: no policy acts on them, so the model alone never
 * changes the mesh. When the rules see the same fault (link-degraded, route-flapping,
 * deaf-interface...), their own incident is what a policy acts on; the model's score
 * is in the rule's evidence too (docs/model.md, "In the loop").
 */
import { PROBE_DELAY } from '../../model/features.js';
import type { Detector, Hysteresis, LinkScorer, NodeScorer, ScoreExplanation } from '../detector.js';
import type { MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Evidence, Observation } from '../types.js';

function evidence(what: string, score: number, j: ScoreExplanation | null): Evidence {
  return {
    summary: j
      ? j.interfaceDown
        ? `${what}: its interface is down or has lost its carrier (out of the model's range: never so in normal operation)`
        : j.outOfRange && j.worstFeature === PROBE_DELAY.name && j.delayMs !== undefined
        ? `${what}: its probes arrive ${Math.round(j.delayMs)} ms later than the link's fastest, ${j.worstZ.toFixed(1)} standard deviations above its normal (out of the model's range)`
        : j.outOfRange
        ? `${what}: ${j.worstFeature} ${j.worstZ.toFixed(1)} standard deviations from its normal (out of the model's range)`
        : `${what}: reconstruction error ${j.error} against threshold ${j.threshold}, worst feature ${j.worstFeature} (z ${j.worstZ.toFixed(1)})`
      : `${what}: anomaly score ${score}`,
    values: {
      modelScore: Math.round(score * 1000) / 1000,
      error: j?.error ?? null,
      threshold: j?.threshold ?? null,
      worstFeature: j?.worstFeature ?? null,
      worstZ: j ? Math.round(j.worstZ * 100) / 100 : null,
      outOfRange: j?.outOfRange ?? false,
      interfaceDown: j?.interfaceDown ?? false,
      probeDelayMs: j?.delayMs === undefined ? null : Math.round(j.delayMs * 10) / 10,
    },
  };
}

export class LinkAnomalyDetector implements Detector {
  readonly kind = 'link-anomaly' as const;
  readonly enabled = true;

  constructor(
    private readonly config: () => LoopConfig,
    private readonly scorer: LinkScorer,
  ) {}

  get hysteresis(): Hysteresis {
    const n = this.config().degradedCycles;
    return { raiseAfter: n, clearAfter: n * 2 };
  }

  observe(view: MeshView): Observation[] {
    const out: Observation[] = [];
    for (const link of view.links.values()) {
      const score = this.scorer.scoreLink(link, view);
      if (score === null) continue;
      const j = this.scorer.lastLink?.(link.key) ?? null;
      out.push({ target: `link:${link.key}`, bad: score >= 1, urgent: j?.outOfRange === true, severity: 'warning', evidence: evidence(`model on ${link.ifname} to ${link.neighbor}`, score, j) });
    }
    return out;
  }
}

export class NodeAnomalyDetector implements Detector {
  readonly kind = 'node-anomaly' as const;
  readonly enabled = true;

  constructor(
    private readonly config: () => LoopConfig,
    private readonly scorer: NodeScorer,
  ) {}

  get hysteresis(): Hysteresis {
    const n = this.config().degradedCycles;
    return { raiseAfter: n, clearAfter: n * 2 };
  }

  observe(view: MeshView): Observation[] {
    const score = this.scorer.scoreNode(view);
    if (score === null) return [];
    const j = this.scorer.lastNode?.() ?? null;
    return [{ target: 'node', bad: score >= 1, urgent: j?.outOfRange === true, severity: 'warning', evidence: evidence('model on the node', score, j) }];
  }
}
