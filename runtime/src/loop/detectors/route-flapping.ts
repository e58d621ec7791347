/**
 * Route flapping: the best next hop of an originator behind a link leaves and joins
 * that link again and again. Counted per originator over a sliding window
 * (flap_window_ms): when one originator changed flap_changes times or more through the
 * link, it flaps; the count decays by itself as the window slides. Per originator, not
 * summed: a link that fails once and comes back moves every originator behind it away
 * and back (two changes each), which the sum over 3 originators took for flapping in the
 * lab (a single dead link then got its hop penalty raised).
 *
 * Changes in the first half window after the agent's first snapshot are not counted: an
 * agent that starts with its router (or with the lab's mesh) watches the mesh converge,
 * and convergence moves routes about as much as flapping does (the lab opened
 * route-flapping 20 s after start, before any fault).
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
    const since = Math.max(view.nowMono - c.flapWindowMs, view.firstMono + c.flapWindowMs / 2);
    const perMinute = 60_000 / c.flapWindowMs;
    for (const link of view.links.values()) {
      const changes = countSince(link.routeChanges, since);
      if (changes === 0) continue;
      let worst = 0;
      let worstOriginator = '';
      let moved = 0;
      for (const [originator, ring] of link.originatorChanges) {
        const n = countSince(ring, since);
        if (n > 0) moved++;
        if (n > worst) [worst, worstOriginator] = [n, originator];
      }
      out.push({
        target: `link:${link.key}`,
        bad: worst >= c.flapChangesPerWindow,
        severity: worst >= 2 * c.flapChangesPerWindow ? 'critical' : 'warning',
        evidence: {
          summary: `${worstOriginator} changed its best next hop through ${link.ifname} to ${link.neighbor} ${worst} times in ${c.flapWindowMs / 1000} s (threshold ${c.flapChangesPerWindow}); ${changes} changes of ${moved} originator(s) in all`,
          values: {
            ifname: link.ifname,
            neighbor: link.neighbor,
            changes: worst,
            originator: worstOriginator,
            originatorsMoved: moved,
            totalChanges: changes,
            windowMs: c.flapWindowMs,
            changesPerMinute: Math.round(worst * perMinute * 10) / 10,
            threshold: c.flapChangesPerWindow,
            linkLive: link.live,
          },
        },
      });
    }
    return out;
  }
}
