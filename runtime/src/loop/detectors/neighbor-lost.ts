/**
 * Neighbour lost: a neighbour we have heard stops being heard for longer than
 * neighbor_lost_ms (its batman-adv last-seen age grows, or it leaves the table).
 * batman-adv reroutes around it on its own; this detector records it so that both
 * ends of a dead link say so within seconds. No policy acts on it. Where the neighbour
 * sends link probes, a neighbour whose probes still arrive is not lost.
 */
import { PROBES_STOPPED_INTERVALS } from '../../linkprobe/reception.js';
import type { Detector, Hysteresis } from '../detector.js';
import { type MeshView, warmProbe } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

export class NeighborLostDetector implements Detector {
  readonly kind = 'neighbor-lost' as const;
  readonly enabled = true;
  // Clears only after 10 good cycles: on a lossy radio link (10% loss in the lab) a few
  // missed OGMs in a row are common, and each must not open a new incident.
  readonly hysteresis: Hysteresis = { raiseAfter: 1, clearAfter: 10 };

  constructor(private readonly config: () => LoopConfig) {}

  observe(view: MeshView): Observation[] {
    const out: Observation[] = [];
    const threshold = this.config().neighborLostMs;
    for (const link of view.links.values()) {
      if (!link.everLive) continue;
      const silentMs = link.present && link.lastSeenMs !== null ? link.lastSeenMs : view.nowMono - link.lastLiveMono + threshold;
      const iface = view.interfaces.get(link.ifname);
      // The neighbour's own link probes (5 a second against batman-adv's one OGM) still
      // arriving: it is heard, only its OGMs were lost a few times in a row, as on every
      // lossy link (the lab's fault-free Leipzig run opened 125 such incidents in 12 min).
      const probe = warmProbe(view, link.key);
      const probeAgeMs = probe ? Math.max(0, view.nowMono - probe.reception.lastHeardMono) : null;
      // Half the threshold: five probes missed in a row is as telling as two OGMs, and a
      // dead link must still be reported when batman-adv's age passes the threshold.
      const heardByProbe = !link.live && probeAgeMs !== null && probeAgeMs <= threshold / 2;
      out.push({
        target: `link:${link.key}`,
        bad: !link.live && !heardByProbe,
        severity: view.node.liveNeighbors === 0 ? 'critical' : 'warning',
        evidence: {
          summary: link.live
            ? `${link.neighbor} on ${link.ifname} heard ${link.lastSeenMs} ms ago`
            : heardByProbe
              ? `${link.neighbor} on ${link.ifname}: no OGM for ${Math.round(silentMs)} ms, but its link probes arrive (${Math.round(probeAgeMs ?? 0)} ms ago)`
            : `${link.neighbor} on ${link.ifname} not heard for ${Math.round(silentMs)} ms (threshold ${threshold} ms)${link.present ? '' : ', gone from the neighbour table'}`,
          values: {
            ifname: link.ifname,
            neighbor: link.neighbor,
            lastSeenMs: link.lastSeenMs,
            inTable: link.present,
            thresholdMs: threshold,
            probeAgeMs,
            carrier: iface?.carrier ?? null,
            liveNeighborsOnNode: view.node.liveNeighbors,
          },
        },
      });
    }
    return out;
  }
}

/**
 * When to look again, so that a neighbour going quiet is judged as it passes the
 * threshold rather than up to a cycle later: for each neighbour whose link probes have
 * stopped (PROBES_STOPPED_INTERVALS of silence, where a lossy link seldom goes) but
 * which is not lost yet, the monotonic ms at which both its OGM age and its probe silence
 * will have passed what the detector asks; Infinity when no neighbour is going. With a 1 s
 * cycle the lab's dead links were judged 1.8–3.1 s after the fault, the cycle's phase
 * adding up to a second to the 2 s threshold. Without probes batman-adv's one OGM a
 * second gives no earlier hint, and nothing changes.
 */
export function nextVerdictMono(view: MeshView, thresholdMs: number, probeIntervalMs: number): number {
  const marginMs = 30;
  let next = Number.POSITIVE_INFINITY;
  for (const link of view.links.values()) {
    if (!link.everLive || !link.present || link.lastSeenMs === null) continue;
    const probe = warmProbe(view, link.key);
    if (!probe) continue;
    const probeAgeMs = Math.max(0, view.nowMono - probe.reception.lastHeardMono);
    if (probeAgeMs < PROBES_STOPPED_INTERVALS * probeIntervalMs) continue;
    const waitMs = Math.max(thresholdMs - link.lastSeenMs, thresholdMs / 2 - probeAgeMs);
    if (waitMs > 0) next = Math.min(next, view.nowMono + waitMs + marginMs);
  }
  return next;
}
