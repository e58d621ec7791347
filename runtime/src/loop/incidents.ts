/**
 * Incident lifecycle: applies each detector's hysteresis to its observations and
 * opens, updates and resolves incidents with stable ids. Targets a detector stops
 * reporting count as good cycles, so every incident eventually resolves. Resolved
 * incidents are kept in a short bounded list for status output.
 */
import type { Detector } from './detector.js';
import type { Evidence, Incident, IncidentEvent, Observation } from './types.js';

interface Tracker {
  badStreak: number;
  goodStreak: number;
  incident: Incident | null;
}

export interface Clocks {
  wallMs: number;
  monoMs: number;
}

const RECENT_KEPT = 64;

export class IncidentBook {
  private readonly trackers = new Map<string, Tracker>();
  private readonly recentResolved: Incident[] = [];
  private counter = 0;

  constructor(private readonly idPrefix = 'inc') {}

  /** Apply one detector's observations of this cycle; returns what changed. */
  apply(detector: Detector, observations: readonly Observation[], at: Clocks): IncidentEvent[] {
    const events: IncidentEvent[] = [];
    const seen = new Set<string>();
    const { raiseAfter, clearAfter } = detector.hysteresis;
    for (const obs of observations) {
      const key = `${detector.kind}|${obs.target}`;
      seen.add(key);
      let t = this.trackers.get(key);
      if (!t) {
        if (!obs.bad) continue;
        t = { badStreak: 0, goodStreak: 0, incident: null };
        this.trackers.set(key, t);
      }
      if (obs.bad) {
        t.badStreak++;
        t.goodStreak = 0;
        if (t.incident) {
          const severityChanged = t.incident.severity !== obs.severity;
          t.incident.evidence = obs.evidence;
          t.incident.severity = obs.severity;
          t.incident.updatedAtMs = at.wallMs;
          if (severityChanged) events.push({ type: 'updated', incident: t.incident });
        } else if (t.badStreak >= raiseAfter || obs.urgent === true) {
          t.incident = this.open(detector, obs, at);
          events.push({ type: 'opened', incident: t.incident });
        }
      } else {
        this.good(key, t, obs.evidence, 'condition cleared', clearAfter, at, events);
      }
    }
    for (const [key, t] of this.trackers) {
      if (seen.has(key) || !key.startsWith(`${detector.kind}|`)) continue;
      this.good(key, t, null, 'target no longer observed', clearAfter, at, events);
    }
    return events;
  }

  private good(key: string, t: Tracker, evidence: Evidence | null, reason: string, clearAfter: number, at: Clocks, events: IncidentEvent[]): void {
    t.badStreak = 0;
    t.goodStreak++;
    if (!t.incident) {
      this.trackers.delete(key);
      return;
    }
    if (evidence) t.incident.evidence = evidence;
    if (t.goodStreak < clearAfter) return;
    const inc = t.incident;
    inc.status = 'resolved';
    inc.resolvedAtMs = at.wallMs;
    inc.updatedAtMs = at.wallMs;
    inc.resolveReason = reason;
    events.push({ type: 'resolved', incident: inc });
    this.recentResolved.push(inc);
    if (this.recentResolved.length > RECENT_KEPT) this.recentResolved.shift();
    this.trackers.delete(key);
  }

  private open(detector: Detector, obs: Observation, at: Clocks): Incident {
    this.counter = (this.counter + 1) % 1_000_000;
    return {
      id: `${this.idPrefix}-${at.wallMs.toString(36)}-${this.counter}`,
      kind: detector.kind,
      target: obs.target,
      severity: obs.severity,
      status: 'open',
      startedAtMs: at.wallMs,
      startedMono: at.monoMs,
      updatedAtMs: at.wallMs,
      resolvedAtMs: null,
      openedWith: obs.evidence,
      evidence: obs.evidence,
      resolveReason: null,
    };
  }

  private listOpen(): Incident[] {
    const out: Incident[] = [];
    for (const t of this.trackers.values()) if (t.incident) out.push(t.incident);
    return out;
  }

  /** Open incidents, oldest first. */
  openIncidents(): Incident[] {
    return this.listOpen().sort((a, b) => a.startedMono - b.startedMono);
  }

  recent(): readonly Incident[] {
    return this.recentResolved;
  }

  /** Trackers held (open incidents plus targets on their way to one): bounded by the targets. */
  get trackedCount(): number {
    return this.trackers.size;
  }
}
