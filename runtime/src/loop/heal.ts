/**
 * Heal requests (the API's `heal`): an operator asks the loop to remedy one open
 * incident now, or to take one manual action on a target. Nothing here acts by
 * itself: an incident is planned for by the loop's own policies, exactly as in a
 * cycle, and a manual action by manual-actions.ts; either then goes through the
 * executor's `request`, with its checks (mode, invariants, preconditions, cooldown,
 * budget), rollback and audit record. A dry run plans and checks, and changes
 * nothing.
 */
import type { Executed, Executor } from './executor.js';
import { isManualActionKind, MANUAL_ACTION_KINDS, planManual } from './manual-actions.js';
import type { MeshView } from './monitor.js';
import type { Policy } from './policy.js';
import type { HealingMode, LoopConfig } from './settings.js';
import type { Incident, IncidentKind, PlannedAction } from './types.js';

export type HealRequest = ({ incident: string } | { action: string; target: string }) & { dryRun: boolean };

export interface HealReport {
  dryRun: boolean;
  /** The mode when the request was handled. */
  mode: HealingMode;
  /** The incident healed (null for a manual action). */
  incident: Incident | null;
  /** What was planned (and, unless a dry run, attempted); null when nothing could be. */
  action: PlannedAction | null;
  /** `planned`: a dry run the checks allow now. */
  result: 'planned' | 'done' | 'refused' | 'failed';
  /** What the action did, why it was (or would be) refused, or the error. */
  detail: string;
  /** The audit record: every request that got as far as an action and is not a dry run has one. */
  executed: Executed | null;
}

export type HealAnswer = { ok: true; report: HealReport } | { ok: false; error: 'invalid_argument' | 'not_found' | 'unavailable'; message: string };

export interface HealContext {
  view: MeshView;
  config: LoopConfig;
  /** Why the latest cycle has no usable snapshot (the last one failed), else null. */
  snapshotProblem: string | null;
  open: readonly Incident[];
  /** A resolved incident the loop still knows, by id. */
  findResolved(id: string): Incident | null;
  policies: readonly Policy[];
  hopOriginals: () => ReadonlyMap<string, number>;
  executor: Executor;
  nowMono: () => number;
}

/** Why each kind may have nothing planned, for the refusal. */
const NOTHING_PLANNED: Record<IncidentKind, string> = {
  'neighbor-lost': 'no policy acts on neighbor-lost: batman-adv reroutes by itself',
  'link-degraded': 'the hop penalty of its interface is unknown or already at hop_penalty_max',
  'route-flapping': 'the hop penalty of its interface is unknown or already at hop_penalty_max',
  'link-flapping': 'the hop penalty of its interface is unknown or already at hop_penalty_max',
  'deaf-interface': 'restart_max restarts were tried and the alert was raised',
  'uplink-lost': 'this node is not a gateway server',
  'isolated-node': 'no isolated_hook is configured, or it already ran for this incident',
  'link-anomaly': "no policy acts on the anomaly model's incidents alone: the rules decide actions",
  'node-anomaly': "no policy acts on the anomaly model's incidents alone: the rules decide actions",
};

export async function heal(req: HealRequest, ctx: HealContext): Promise<HealAnswer> {
  if ('incident' in req) return healIncident(req.incident, req.dryRun, ctx);
  if (!isManualActionKind(req.action)) {
    return { ok: false, error: 'invalid_argument', message: `heal: unknown action '${req.action}' (valid: ${MANUAL_ACTION_KINDS.join(', ')})` };
  }
  const unavailable = meshProblem(ctx);
  if (unavailable) return { ok: false, error: 'unavailable', message: `heal: ${unavailable}` };
  const plan = planManual(req.action, req.target, { view: ctx.view, config: ctx.config, hopOriginals: ctx.hopOriginals() });
  if (!plan.ok) {
    if (plan.invalid) return { ok: false, error: 'invalid_argument', message: `heal: ${plan.message}` };
    return { ok: true, report: nothingPlanned(req.dryRun, null, plan.message, ctx) };
  }
  return { ok: true, report: await run(plan.action, ctx.policies.find((p) => p.name === plan.owner) ?? null, null, req.dryRun, ctx) };
}

async function healIncident(id: string, dryRun: boolean, ctx: HealContext): Promise<HealAnswer> {
  const incident = ctx.open.find((i) => i.id === id);
  if (!incident) {
    const resolved = ctx.findResolved(id);
    if (resolved) return { ok: false, error: 'invalid_argument', message: `heal: incident ${id} is resolved (${resolved.resolveReason ?? 'no reason given'}): nothing to heal` };
    return { ok: false, error: 'not_found', message: `heal: no incident ${id} (open ones: x0tta6bl4 incidents --open)` };
  }
  const unavailable = meshProblem(ctx);
  if (unavailable) return { ok: false, error: 'unavailable', message: `heal: ${unavailable}` };
  // All policies plan with all open incidents, as in a cycle (their bookkeeping assumes
  // the whole picture); only what they plan for this incident is kept.
  const planned: PlannedAction[] = [];
  const pctx = { view: ctx.view, open: ctx.open, config: ctx.config, nowMono: ctx.view.nowMono };
  for (const p of ctx.policies) planned.push(...p.plan(pctx));
  const action = planned.filter((a) => a.incident?.id === id).sort((a, b) => b.priority - a.priority)[0];
  if (!action) return { ok: true, report: nothingPlanned(dryRun, incident, `no policy plans an action for ${incident.kind} ${incident.target} now: ${NOTHING_PLANNED[incident.kind]}`, ctx) };
  return { ok: true, report: await run(action, ctx.policies.find((p) => p.name === action.policy) ?? null, incident, dryRun, ctx) };
}

async function run(action: PlannedAction, owner: Policy | null, incident: Incident | null, dryRun: boolean, ctx: HealContext): Promise<HealReport> {
  const r = await ctx.executor.request(action, ctx.view, dryRun);
  // The policy hears of the outcome as it would in a cycle, so its state follows reality.
  if (r.executed) owner?.executed?.(action, r.executed.result, ctx.nowMono());
  return { dryRun, mode: ctx.config.mode, incident, action, result: r.result, detail: r.detail, executed: r.executed };
}

function nothingPlanned(dryRun: boolean, incident: Incident | null, why: string, ctx: HealContext): HealReport {
  return { dryRun, mode: ctx.config.mode, incident, action: null, result: 'refused', detail: why, executed: null };
}

/** Why the loop cannot plan against the mesh now, or null. */
function meshProblem(ctx: HealContext): string | null {
  if (ctx.snapshotProblem !== null) return `the latest mesh snapshot failed: ${ctx.snapshotProblem}`;
  if (ctx.view.cycles === 0) return 'no mesh snapshot yet';
  if (ctx.view.node.meshState !== 'up') return `batman-adv ${ctx.view.meshIfname} is ${ctx.view.node.meshState}`;
  return null;
}
