/**
 * Route flapping: best-next-hop changes of originators whose route left or joined
 * a link, counted over a sliding window (flap_window_ms). At flap_changes or more
 * the link flaps; the count decays by itself as the window slides.
 */
import type { Detector, Hysteresis } from '../detector.js';
import { countSince, type MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

export class RouteFlappingDetector implements Detector {
  readonly kind = 'route-flapping' as const;
  readonly enabled = true;
  readonly hysteresis: Hysteresis = { raiseAfter: 1, clearAfter: 10 };

  constructor(private readonly config: () => LoopConfig) {}

  observe(view: MeshView): Observation[] {
    const c = this.config();
    const out: Observation[] = [];
    const since = view.nowMono - c.flapWindowMs;
    const perMinute = 60_000 / c.flapWindowMs;
    for (const link of view.links.values()) {
      const changes = countSince(link.routeChanges, since);
      if (changes === 0) continue;
      out.push({
        target: `link:${link.key}`,
        bad: changes >= c.flapChangesPerWindow,
        severity: changes >= 2 * c.flapChangesPerWindow ? 'critical' : 'warning',
        evidence: {
          summary: `${changes} best-next-hop changes through ${link.ifname} to ${link.neighbor} in ${c.flapWindowMs / 1000} s (threshold ${c.flapChangesPerWindow})`,
          values: {
            ifname: link.ifname,
            neighbor: link.neighbor,
            changes,
            windowMs: c.flapWindowMs,
            changesPerMinute: Math.round(changes * perMinute * 10) / 10,
            threshold: c.flapChangesPerWindow,
            linkLive: link.live,
          },
        },
      });
    }
    return out;
  }
}
