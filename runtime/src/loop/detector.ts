/**
 * What every detector is: a pure judgement over the monitor's series that says,
 * per target, whether its condition holds this cycle and why. Hysteresis (how many
 * bad cycles open an incident, how many good ones resolve it) is declared here and
 * applied in one place, the IncidentBook.
 */
import type { MeshView } from './monitor.js';
import type { IncidentKind, Observation } from './types.js';

export interface Hysteresis {
  /** Consecutive bad cycles before an incident opens. */
  raiseAfter: number;
  /** Consecutive good (or unobserved) cycles before it resolves. */
  clearAfter: number;
}

export interface Detector {
  readonly kind: IncidentKind;
  readonly hysteresis: Hysteresis;
  /** Whether this detector runs at all (an operator can disable one by its threshold). */
  readonly enabled: boolean;
  observe(view: MeshView): Observation[];
}

/**
 * The seam for the anomaly model: a score per link and per node in 0..1
 * (1 = anomalous: at or above the model's threshold), or null when it has no opinion
 * yet. The EWMA rule judges degraded links; the model's score goes into that rule's
 * evidence and into its own advisory incidents (detectors/model-anomaly.ts).
 */
export interface ScoreExplanation {
  error: number;
  threshold: number;
  worstFeature: string;
  worstZ: number;
  /** A feature was out of the model's range (the incident opens at once). */
  outOfRange?: boolean;
  /** Out of range because the link's hard interface is down or has lost its carrier. */
  interfaceDown?: boolean;
  /** The link's probe delay (ms above its fastest) when it was judged; absent when not measured. */
  delayMs?: number;
}

export interface LinkScorer {
  readonly name: string;
  scoreLink(link: import('./monitor.js').LinkSeries, view: MeshView): number | null;
  /** Why the last score of a link was what it was (the model's error and worst feature). */
  lastLink?(key: string): ScoreExplanation | null;
  /** The loop opened an incident (any detector's) at the monitor's nowMono; the model lets a rule's incident hold that link's learning (model/rule-holds.ts). */
  incidentOpened?(kind: string, target: string, nowMono: number): boolean;
  /**
   * The monotonic ms at which a link's score will change without new data (a silence
   * passing a test), for the loop to run a cycle then; Infinity = nothing pending.
   * Asked after the cycle's links were scored.
   */
  nextVerdictMono?(view: MeshView, probeIntervalMs: number): number;
}

export interface NodeScorer {
  readonly name: string;
  scoreNode(view: MeshView): number | null;
  lastNode?(): ScoreExplanation | null;
}
