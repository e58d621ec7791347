/**
 * What every policy is: it maps open incidents (and the current view) to planned
 * actions with preconditions, and hears back what the executor did with them so
 * that its own state (steps taken, restarts tried, what to restore) follows reality.
 */
import type { MeshView } from './monitor.js';
import type { LoopConfig } from './settings.js';
import type { ActionResult, Incident, PlannedAction } from './types.js';

export interface PlanContext {
  view: MeshView;
  /** Open incidents, oldest first. */
  open: readonly Incident[];
  config: LoopConfig;
  nowMono: number;
}

export interface Policy {
  readonly name: string;
  plan(ctx: PlanContext): PlannedAction[];
  /**
   * The executor's verdict on one of this policy's actions, or on an operator's manual
   * action of the kind this policy owns (its `incident` is then null).
   */
  executed?(action: PlannedAction, result: ActionResult, nowMono: number): void;
}

/** The hard interface an incident is about: "link:IF/MAC" or "if:IF". */
export function incidentIfname(incident: Incident): string | null {
  const v = incident.evidence.values.ifname;
  if (typeof v === 'string') return v;
  const m = /^(?:link|if):([^/]+)/.exec(incident.target);
  return m ? (m[1] as string) : null;
}
