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
 * The seam for the anomaly model (a later issue): a score per link and per node in
 * 0..1 (1 = certainly anomalous), or null when it has no opinion yet. Until the
 * model exists, the EWMA baseline scorer is the real detector for degraded links.
 */
export interface LinkScorer {
  readonly name: string;
  scoreLink(link: import('./monitor.js').LinkSeries, view: MeshView): number | null;
}

export interface NodeScorer {
  readonly name: string;
  scoreNode(view: MeshView): number | null;
}
