/**
 * Route flapping: the best next hop of an originator behind a link leaves and joins
 * that link again and again. Counted per originator over a sliding window
 * (flap_window_ms): when one originator changed flap_changes times or more through the
 * link, it flaps; the count decays by itself as the window slides. Per originator, not
 * summed: a link that fails once and comes back moves every originator behind it away
 * and back (two changes each), which the sum over 3 originators took for flapping in the
 * lab (a single dead link then got its hop penalty raised).
 *
 * Which link flaps: a route that moves back and forth leaves one link and joins another
 * every time, so both links count the same changes. The link to blame is the one whose
 * own metric (one-hop TQ, or ELP throughput) fell within the window: the largest fall
 * below its running maximum ("drawdown"; a neighbour not heard is a fall to 0), at least
 * flap_drawdown_percent, and no smaller than that of any other link the originator
 * moved between. Blaming both made the hop-penalty policy raise both interfaces, which
 * changes nothing; and a route that alternates between two steady links (two paths of
 * equal quality, as the lab's square showed while its TQ windows filled) is not a link
 * fault, and no hop penalty is the cure.
 *
 * Changes in the first half window after the agent's first snapshot are not counted: an
 * agent that starts with its router (or with the lab's mesh) watches the mesh converge,
 * and convergence moves routes about as much as flapping does (the lab opened
 * route-flapping 20 s after start, before any fault).
 */
import type { ProbeLink } from '../../linkprobe/prober.js';
import type { Detector, Hysteresis } from '../detector.js';
import { metricDrawdownPercent } from '../link-drawdown.js';
import { countSince, type LinkSeries, type MeshView, warmProbe } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

function probeExcessLossPercent(p: ProbeLink, view: MeshView, sinceMono: number, c: LoopConfig): number {
  // A link that is silent now, or went dead once and came back (one loss episode with a
  // silent window), has failed, not flapped: the route changes around it are batman-adv
  // moving away and back, its own job, and neighbor-lost reports the outage. In the lab's
  // dead-link trials one 20 s outage moved an originator 4 times within a minute, and
  // changes between two equal paths before an outage counted with its first lossy window:
  // both got the link's hop penalty raised. A link that only grew lossy stays blamable
  // after one episode: its probes may not separate the toggles (docs/healing.md).
  if (view.nowMono - p.reception.lastHeardMono >= 2.5 * c.probeIntervalMs) return 0;
  if (p.quality.lastDeadMono > sinceMono && countSince(p.quality.episodes, sinceMono) < c.flapEpisodes) return 0;
  let worst = 0;
  for (const b of p.quality.recent) if (b.endMono > sinceMono && b.verdict === 'lossy') worst = Math.max(worst, b.lossPercent - p.quality.normalLoss * 100);
  return Math.round(worst * 10) / 10;
}

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
    const drawdowns = new Map<string, number>();
    // How badly a link fell within the window, in percent. With probes: the largest
    // loss of a lossy bin above the link's normal (a lossy link's TQ wobbles by more than
    // flap_drawdown_percent all the time: on the lab's fault-free Freifunk subgraph that
    // was blamed three times in 5 minutes); 0 when no bin was lossy, or when the link died
    // once and came back (fewer than flap_episodes episodes). Without probes (the
    // neighbour runs no agent): the fall of batman-adv's metric below its running peak.
    const drawdown = (l: LinkSeries): number => {
      let d = drawdowns.get(l.key);
      if (d === undefined) {
        const p = warmProbe(view, l.key);
        d = p ? probeExcessLossPercent(p, view, since, c) : metricDrawdownPercent(view, l, since);
        drawdowns.set(l.key, d);
      }
      return d;
    };
    for (const link of view.links.values()) {
      const changes = countSince(link.routeChanges, since);
      if (changes === 0) continue;
      let worst = 0;
      let worstOriginator = '';
      let moved = 0;
      let blamed = 0;
      let blamedOriginator = '';
      let otherDrawdown = 0;
      for (const [originator, ring] of link.originatorChanges) {
        const n = countSince(ring, since);
        if (n > 0) moved++;
        if (n > worst) [worst, worstOriginator] = [n, originator];
        if (n < c.flapChangesPerWindow || n <= blamed) continue;
        // The other links this originator moved between, and how much their metric fell.
        let others = 0;
        for (const other of view.links.values()) {
          if (other === link) continue;
          const r = other.originatorChanges.get(originator);
          if (r && countSince(r, since) > 0) others = Math.max(others, drawdown(other));
        }
        const mine = drawdown(link);
        if (mine >= c.flapDrawdownPercent && mine >= others) [blamed, blamedOriginator, otherDrawdown] = [n, originator, others];
      }
      const bad = blamed >= c.flapChangesPerWindow;
      const shown = bad ? blamed : worst;
      const who = bad ? blamedOriginator : worstOriginator;
      const fell = drawdown(link);
      const probe = warmProbe(view, link.key);
      const measure = probe ? `probe loss above normal (${countSince(probe.quality.episodes, since)} loss episode(s); a link silent now or dead once counts 0)` : `fall of the ${link.metricName}`;
      const verdict = bad
        ? `; ${measure} of this link ${fell}% within the window (the other links it moved to: ${otherDrawdown}%)`
        : worst >= c.flapChangesPerWindow
          ? `; not this link's fault: ${measure} only ${fell}% within the window (flapping needs ${c.flapDrawdownPercent}% and the most of the links the route moved between)`
          : '';
      out.push({
        target: `link:${link.key}`,
        bad,
        severity: shown >= 2 * c.flapChangesPerWindow ? 'critical' : 'warning',
        evidence: {
          summary: `${who} changed its best next hop through ${link.ifname} to ${link.neighbor} ${shown} times in ${c.flapWindowMs / 1000} s (threshold ${c.flapChangesPerWindow}); ${changes} changes of ${moved} originator(s) in all${verdict}`,
          values: {
            ifname: link.ifname,
            neighbor: link.neighbor,
            changes: shown,
            originator: who,
            originatorsMoved: moved,
            totalChanges: changes,
            windowMs: c.flapWindowMs,
            changesPerMinute: Math.round(shown * perMinute * 10) / 10,
            threshold: c.flapChangesPerWindow,
            metricDrawdownPercent: fell,
            otherLinksDrawdownPercent: otherDrawdown,
            drawdownThreshold: c.flapDrawdownPercent,
            linkLive: link.live,
          },
        },
      });
    }
    return out;
  }
}
