/**
 * Link flapping: the link's own probes (runtime/src/linkprobe/) show loss episodes again
 * and again — a clean stretch, then significantly more loss than the link's normal, then
 * clean, then lossy — flap_episodes of them within flap_window_ms. That is a link whose
 * quality toggles, seen within seconds of each toggle; batman-adv's own TQ averages over
 * 64 OGMs and needs about a minute to show it, and its route changes follow even later
 * (docs/healing.md). A link that always loses 20 % is its own normal and has no episodes;
 * one that fails once has one.
 *
 * Only the receiving end judges, per direction: each agent counts its neighbours' probes.
 * A link that loses both ways is seen by both ends.
 */
import type { Detector, Hysteresis } from '../detector.js';
import { countSince, type MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

export class LinkFlappingDetector implements Detector {
  readonly kind = 'link-flapping' as const;
  readonly hysteresis: Hysteresis = { raiseAfter: 1, clearAfter: 10 };

  constructor(private readonly config: () => LoopConfig) {}

  get enabled(): boolean {
    return this.config().probeIntervalMs > 0;
  }

  observe(view: MeshView): Observation[] {
    const c = this.config();
    const out: Observation[] = [];
    const since = view.nowMono - c.flapWindowMs;
    for (const p of view.probes.values()) {
      const q = p.quality;
      if (!q.warm) continue;
      const episodes = countSince(q.episodes, since);
      const lossyBins = countSince(q.lossyBins, since);
      const bad = episodes >= c.flapEpisodes;
      const bins = q.recent.slice(-8).map((b) => `${b.lossPercent}%${b.verdict === 'lossy' ? '!' : ''}`);
      out.push({
        target: `link:${p.key}`,
        bad,
        severity: episodes >= 2 * c.flapEpisodes ? 'critical' : 'warning',
        evidence: {
          summary: `${p.neighbor}'s probes on ${p.ifname}: ${episodes} loss episode(s) in ${c.flapWindowMs / 1000} s (threshold ${c.flapEpisodes}), ${lossyBins} lossy window(s) of ${c.probeWindowMs / 1000} s; normal loss ${Math.round(q.normalLoss * 1000) / 10}%; latest bins ${bins.join(' ')}`,
          values: {
            ifname: p.ifname,
            neighbor: p.neighbor,
            episodes,
            threshold: c.flapEpisodes,
            lossyBins,
            windowMs: c.flapWindowMs,
            probeWindowMs: c.probeWindowMs,
            normalLossPercent: Math.round(q.normalLoss * 1000) / 10,
            recentLossPercent: q.recent.slice(-8).map((b) => b.lossPercent).join(' '),
          },
        },
      });
    }
    return out;
  }
}
