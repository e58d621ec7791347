/**
 * Deaf interface: a hard interface that is up with carrier and keeps transmitting,
 * yet has no live neighbour and receives nothing, for a whole deaf_window_ms, after
 * it had heard neighbours before. (A radio that is up but deaf; batman-adv cannot
 * tell, the counters can.) An interface that never heard anyone is not judged: a
 * dummy primary interface or an unplugged port looks exactly like a deaf radio.
 *
 * From this end alone a deaf radio and a dead link (every packet lost both ways, as
 * when a link fades away) look the same. The peers tell them apart: if some other
 * node's summary (alfred) says it heard this interface after it went silent, our radio
 * sends but does not receive: deaf, judged after deaf_window_ms. Without such an
 * account the link is most likely dead and batman-adv reroutes around it; the
 * interface is judged deaf only after deaf_unconfirmed_window_ms (a radio dead both
 * ways also looks like this, and a restart is still worth trying then).
 */
import type { Detector, Hysteresis } from '../detector.js';
import type { InterfaceSeries, MeshView } from '../monitor.js';
import type { LoopConfig } from '../settings.js';
import type { Observation } from '../types.js';

export interface DeafJudgement {
  bad: boolean;
  windowMs: number;
  /** How long it has been silent (no rx, no live neighbour, carrier up) up to now, in ms. */
  silentMs: number;
  txDelta: number;
  rxDelta: number;
  carrierThroughout: boolean;
  neighborsSeen: number;
}

/** Judge the samples of the last `windowMs`; null when the series does not cover it yet. */
export function judgeDeaf(s: InterfaceSeries, nowMono: number, windowMs: number): DeafJudgement | null {
  const n = s.times.length;
  if (n < 2) return null;
  const from = nowMono - windowMs;
  let first = -1;
  for (let i = n - 1; i >= 0; i--) {
    if (s.times.at(i) <= from) {
      first = i;
      break;
    }
  }
  if (first < 0) return null;
  let carrierThroughout = true;
  let neighborsSeen = 0;
  for (let i = first; i < n; i++) {
    if (s.carrierUp.at(i) !== 1) carrierThroughout = false;
    neighborsSeen = Math.max(neighborsSeen, s.neighbors.at(i));
  }
  const txDelta = s.txPackets.last() - s.txPackets.at(first);
  const rxDelta = s.rxPackets.last() - s.rxPackets.at(first);
  if (!Number.isFinite(txDelta) || !Number.isFinite(rxDelta)) return null;
  const bad = carrierThroughout && neighborsSeen === 0 && txDelta > 0 && rxDelta <= 0;
  // Back from the newest sample while nothing was received and nobody was live.
  let quiet = n - 1;
  while (quiet > 0 && s.carrierUp.at(quiet - 1) === 1 && s.neighbors.at(quiet - 1) === 0 && s.rxPackets.at(quiet - 1) === s.rxPackets.last()) quiet--;
  const silentMs = bad ? nowMono - s.times.at(quiet) : 0;
  return { bad, windowMs: nowMono - s.times.at(first), silentMs, txDelta, rxDelta, carrierThroughout, neighborsSeen };
}

export class DeafInterfaceDetector implements Detector {
  readonly kind = 'deaf-interface' as const;
  readonly enabled = true;
  readonly hysteresis: Hysteresis = { raiseAfter: 1, clearAfter: 3 };

  constructor(private readonly config: () => LoopConfig) {}

  observe(view: MeshView): Observation[] {
    const { deafWindowMs, deafUnconfirmedWindowMs } = this.config();
    const out: Observation[] = [];
    for (const s of view.interfaces.values()) {
      if (!s.heardBefore) continue;
      const j = judgeDeaf(s, view.nowMono, deafWindowMs);
      if (!j) continue;
      let bad = j.bad;
      let summary = `${s.ifname} hears (${j.rxDelta} packets received, ${j.neighborsSeen} live neighbours)`;
      // A peer heard us after we went silent (with a 2 s margin for clock skew). alfred
      // syncs every 10 s by default, so its account may be older than our window but
      // not older than the silence.
      const heard = s.address ? view.peers.heardAt(s.address) : null;
      const confirmed = heard !== null && heard.heardAtWallMs >= view.wallMs - j.silentMs + 2000;
      if (j.bad && confirmed) {
        summary = `${s.ifname} up with carrier, sent ${j.txDelta} packets, received ${j.rxDelta} and heard no neighbour in ${Math.round(j.windowMs / 1000)} s, while ${heard.peer} still hears it ${Math.max(0, Math.round((view.wallMs - heard.heardAtWallMs) / 1000))} s ago`;
      } else if (j.bad) {
        // No peer says it hears us: a dead link unless it lasts.
        const long = judgeDeaf(s, view.nowMono, deafUnconfirmedWindowMs);
        bad = long?.bad === true;
        summary = bad
          ? `${s.ifname} up with carrier, sent ${long?.txDelta} packets and heard nothing in ${Math.round((long?.windowMs ?? 0) / 1000)} s; no peer says it hears it either (dead both ways?)`
          : `${s.ifname} hears nothing, and no peer says it hears it: a dead link, batman-adv reroutes`;
      }
      out.push({
        target: `if:${s.ifname}`,
        bad,
        severity: 'critical',
        evidence: {
          summary,
          values: {
            ifname: s.ifname,
            windowMs: Math.round(j.windowMs),
            txPackets: j.txDelta,
            rxPackets: j.rxDelta,
            carrier: j.carrierThroughout,
            liveNeighbors: j.neighborsSeen,
            active: s.active,
            peerHears: confirmed ? heard.peer : null,
          },
        },
      });
    }
    return out;
  }
}
