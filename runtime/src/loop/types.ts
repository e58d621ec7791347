/** The loop's vocabulary: incidents with evidence, planned actions, audit records. */
import type { RestartMethod } from './settings.js';


export type IncidentKind =
  | 'neighbor-lost'
  | 'link-degraded'
  | 'route-flapping'
  | 'link-flapping'
  | 'deaf-interface'
  | 'uplink-lost'
  | 'isolated-node'
  | 'link-anomaly'
  | 'node-anomaly';

export type Severity = 'info' | 'warning' | 'critical';

/** Named measurements that made a detector fire (or clear), plus one readable line. */
export interface Evidence {
  summary: string;
  values: Record<string, number | string | boolean | null>;
}

/** What a detector saw about one target in one cycle. */
export interface Observation {
  /** e.g. "link:wlan0/02:00:00:00:00:02", "if:wlan0", "node", "uplink". */
  target: string;
  /** The condition holds this cycle. */
  bad: boolean;
  severity: Severity;
  evidence: Evidence;
  /** Bad beyond doubt: opens the incident this cycle, without waiting for the hysteresis. */
  urgent?: boolean;
}

export interface Incident {
  id: string;
  kind: IncidentKind;
  target: string;
  severity: Severity;
  status: 'open' | 'resolved';
  /** Wall-clock ms (records), and monotonic ms (timing). */
  startedAtMs: number;
  startedMono: number;
  updatedAtMs: number;
  resolvedAtMs: number | null;
  /** Evidence when it opened, and the latest. */
  openedWith: Evidence;
  evidence: Evidence;
  resolveReason: string | null;
}

export type IncidentEventType = 'opened' | 'updated' | 'resolved';

export interface IncidentEvent {
  type: IncidentEventType;
  incident: Incident;
}

export type ActionKind = 'set-hop-penalty' | 'set-gateway-mode' | 'restart-interface' | 'run-hook' | 'alert';

export type ActionParams =
  | { kind: 'set-hop-penalty'; ifname: string; from: number; to: number }
  | { kind: 'set-gateway-mode'; mode: 'off' | 'server' | 'client'; bandwidthDownKbit?: number; bandwidthUpKbit?: number; previous: string }
  /** `attempt`: which of restart_max this is; 0 for a restart an operator asked for. */
  | { kind: 'restart-interface'; ifname: string; method: RestartMethod; attempt: number }
  | { kind: 'run-hook'; hook: string; command: string }
  | { kind: 'alert'; message: string };

/** A precondition the executor checks right before acting; `check` returns null when it holds. */
export interface Precondition {
  name: string;
  check(): string | null;
}

export interface PlannedAction {
  /** Policy that planned it. */
  policy: string;
  /** What it changes: "if:wlan0", "mesh:bat0/gw", "hook:isolated", "alert:if:wlan0". */
  target: string;
  params: ActionParams;
  /** The incident it remedies; null for an action an operator asked for by kind and target. */
  incident: Incident | null;
  reason: string;
  /** Higher wins when two actions want the same target in one cycle. */
  priority: number;
  preconditions: Precondition[];
  /** Restores the state before (a rollback candidate), if the action is reversible. */
  undo?: ActionParams;
  /** A restore/undo of an earlier action (bypasses cooldown, still counts in the budget). */
  restoring?: boolean;
  /** Alerts inform; they are not changes and do not spend the budget. */
  informational?: boolean;
}

export type ActionResult = 'done' | 'failed' | 'advised' | 'refused' | 'rolled-back';

/** Who wanted the action: the loop's own cycle, or an operator's heal request. */
export type ActionOrigin = 'loop' | 'operator';

export interface AuditRecord {
  id: string;
  atMs: number;
  mode: string;
  policy: string;
  /** Null for a manual action (no incident). */
  incidentId: string | null;
  incidentKind: IncidentKind | null;
  /** Absent in records written before heal requests existed: the loop. */
  origin?: ActionOrigin;
  target: string;
  evidence: Evidence;
  action: ActionParams;
  reason: string;
  result: ActionResult;
  detail: string;
  /** Undid one of our own changes (absent: a change, or a record from before this field). */
  restoring?: boolean;
}
