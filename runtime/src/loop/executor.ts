/**
 * Execute safely. In order, for the actions planned this cycle:
 * - mode: `off` plans nothing, `advise` records what it would do and touches nothing;
 * - one change per target per cycle (the highest priority wins);
 * - invariants: never act on an excluded interface, never restart the last mesh
 *   interface that still hears a neighbour, restart only hard interfaces of the mesh;
 * - the action's own preconditions, checked right before acting;
 * - a cooldown per target (restores of our own changes skip it);
 * - a global budget of new changes per 10 minutes (alerts and undos of our own
 *   changes do not spend it; an undo can only follow a counted change);
 * - after a reversible action, a verification after verify_ms: when the node
 *   reaches far fewer originators than before, the change is rolled back and the
 *   target is left alone for ten cooldowns.
 * Every action, advice, refusal and rollback becomes an audit record.
 */
import type { Actuator, ActOutcome } from './actuator.js';
import type { MeshView } from './monitor.js';
import { NumberRing } from './ring.js';
import type { LoopConfig } from './settings.js';
import type { ActionParams, ActionResult, AuditRecord, PlannedAction } from './types.js';

export const BUDGET_WINDOW_MS = 600_000;
/** Budget timestamps kept: the budget setting's upper bound. */
const BUDGET_RING = 1000;
const REFUSALS_KEPT = 256;

interface Verification {
  action: PlannedAction;
  undo: ActionParams;
  dueMono: number;
  originatorsBefore: number;
  neighborsBefore: number;
}

export interface ExecutorClock {
  wallMs(): number;
  monoMs(): number;
}

export interface Executed {
  action: PlannedAction;
  result: ActionResult;
  audit: AuditRecord;
}

export class Executor {
  private readonly spent = new NumberRing(BUDGET_RING);
  private readonly lastActionMono = new Map<string, number>();
  private readonly blockedUntilMono = new Map<string, number>();
  private readonly lastRefusal = new Map<string, string>();
  private readonly verifications: Verification[] = [];
  private counter = 0;

  constructor(
    private readonly config: () => LoopConfig,
    private readonly actuator: Actuator,
    private readonly clock: ExecutorClock,
  ) {}

  /** New changes made in the last 10 minutes. */
  budgetUsed(nowMono = this.clock.monoMs()): number {
    let n = 0;
    for (let i = this.spent.length - 1; i >= 0; i--) {
      if (this.spent.at(i) <= nowMono - BUDGET_WINDOW_MS) break;
      n++;
    }
    return n;
  }

  get pendingVerifications(): number {
    return this.verifications.length;
  }

  async execute(planned: readonly PlannedAction[], view: MeshView): Promise<Executed[]> {
    const c = this.config();
    const out: Executed[] = [];
    if (c.mode !== 'off') await this.verify(view, out);
    if (c.mode === 'off') return out;
    const chosen = new Map<string, PlannedAction>();
    for (const a of [...planned].sort((x, y) => y.priority - x.priority)) if (!chosen.has(a.target)) chosen.set(a.target, a);
    for (const action of chosen.values()) {
      const now = this.clock.monoMs();
      const refusal = this.refusal(action, view, c, now);
      if (refusal === 'wait') continue;
      if (refusal !== null) {
        const rec = this.refuse(action, refusal, c);
        if (rec) out.push(rec);
        continue;
      }
      this.lastRefusal.delete(action.target);
      if (c.mode === 'advise') {
        this.lastActionMono.set(action.target, now);
        if (!action.informational && !action.restoring) this.spent.push(now);
        out.push(this.record(action, action.params, 'advised', 'advise mode: not applied', c));
        continue;
      }
      const outcome = await this.apply(action.params, action);
      const after = this.clock.monoMs();
      this.lastActionMono.set(action.target, after);
      if (!action.informational && !action.restoring) this.spent.push(after);
      const result: ActionResult = outcome.ok ? 'done' : 'failed';
      out.push(this.record(action, action.params, result, outcome.ok ? outcome.detail : outcome.error, c));
      if (outcome.ok && action.undo) {
        this.verifications.push({
          action,
          undo: action.undo,
          dueMono: after + c.verifyMs,
          originatorsBefore: view.node.reachableOriginators,
          neighborsBefore: view.node.liveNeighbors,
        });
      }
    }
    return out;
  }

  /** null: go; 'wait': silently later (cooldown); otherwise the reason to refuse. */
  private refusal(action: PlannedAction, view: MeshView, c: LoopConfig, now: number): string | null | 'wait' {
    const ifname = paramsIfname(action.params);
    if (ifname !== null && c.excludeInterfaces.includes(ifname)) return `${ifname} is excluded by the config (exclude_interface)`;
    if (action.params.kind === 'restart-interface') {
      const target = action.params.ifname;
      if (!view.interfaces.has(target)) return `${target} is not a hard interface of ${view.meshIfname}`;
      const hearing = [...view.interfaces.values()].filter((i) => i.liveNeighbors > 0);
      if (hearing.length === 1 && hearing[0]?.ifname === target) return `${target} is the last mesh interface that hears a neighbour`;
    }
    for (const p of action.preconditions) {
      const why = p.check();
      if (why !== null) return `precondition '${p.name}' failed: ${why}`;
    }
    const blocked = this.blockedUntilMono.get(action.target);
    if (blocked !== undefined) {
      if (now < blocked) return 'wait';
      this.blockedUntilMono.delete(action.target);
    }
    const last = this.lastActionMono.get(action.target);
    if (!action.restoring && last !== undefined && now - last < c.cooldownMs) return 'wait';
    if (!action.informational && !action.restoring && this.budgetUsed(now) >= c.budgetPer10Min) {
      return `action budget spent (${c.budgetPer10Min} per 10 minutes)`;
    }
    return null;
  }

  private refuse(action: PlannedAction, reason: string, c: LoopConfig): Executed | null {
    // One record per target and reason, not one per cycle.
    if (this.lastRefusal.get(action.target) === reason) return null;
    if (!this.lastRefusal.has(action.target) && this.lastRefusal.size >= REFUSALS_KEPT) {
      const first = this.lastRefusal.keys().next();
      if (!first.done) this.lastRefusal.delete(first.value);
    }
    this.lastRefusal.set(action.target, reason);
    return this.record(action, action.params, 'refused', reason, c);
  }

  private async verify(view: MeshView, out: Executed[]): Promise<void> {
    const c = this.config();
    const now = this.clock.monoMs();
    for (let i = 0; i < this.verifications.length; ) {
      const v = this.verifications[i] as Verification;
      if (now < v.dueMono) {
        i++;
        continue;
      }
      this.verifications.splice(i, 1);
      const worse = isWorse(v, view, c.rollbackDropPercent);
      if (worse === null) continue;
      if (c.mode !== 'auto') continue;
      const outcome = await this.apply(v.undo, v.action);
      this.blockedUntilMono.set(v.action.target, this.clock.monoMs() + 10 * c.cooldownMs);
      const detail = `${worse}; ${outcome.ok ? `undone: ${outcome.detail}` : `undo failed: ${outcome.error}`}`;
      out.push(this.record(v.action, v.undo, outcome.ok ? 'rolled-back' : 'failed', detail, c));
    }
  }

  private async apply(p: ActionParams, action: PlannedAction): Promise<ActOutcome> {
    try {
      switch (p.kind) {
        case 'set-hop-penalty':
          return await this.actuator.setHopPenalty(p.ifname, p.to);
        case 'set-gateway-mode':
          if (p.mode === 'server') {
            return await this.actuator.setGatewayMode({
              mode: 'server',
              ...(p.bandwidthDownKbit !== undefined ? { bandwidthDownKbit: p.bandwidthDownKbit } : {}),
              ...(p.bandwidthUpKbit !== undefined ? { bandwidthUpKbit: p.bandwidthUpKbit } : {}),
            });
          }
          return await this.actuator.setGatewayMode({ mode: p.mode });
        case 'restart-interface':
          return await this.actuator.restartInterface(p.ifname, p.method);
        case 'run-hook':
          return await this.actuator.runHook(p.command, { X0_EVENT: p.hook, X0_INCIDENT: action.incident.id, X0_TARGET: action.incident.target });
        case 'alert': {
          const hook = this.config().alertHook;
          if (hook === '') return { ok: true, detail: 'alert logged (no alert_hook)' };
          return await this.actuator.runHook(hook, { X0_EVENT: 'alert', X0_ALERT: p.message, X0_INCIDENT: action.incident.id, X0_TARGET: action.incident.target });
        }
      }
    } catch (e) {
      return { ok: false, error: (e as Error).message ?? String(e) };
    }
  }

  private record(action: PlannedAction, params: ActionParams, result: ActionResult, detail: string, c: LoopConfig): Executed {
    this.counter = (this.counter + 1) % 1_000_000;
    const at = this.clock.wallMs();
    const audit: AuditRecord = {
      id: `act-${at.toString(36)}-${this.counter}`,
      atMs: at,
      mode: c.mode,
      policy: action.policy,
      incidentId: action.incident.id,
      incidentKind: action.incident.kind,
      target: action.target,
      evidence: action.incident.evidence,
      action: params,
      reason: action.reason,
      result,
      detail,
    };
    return { action, result, audit };
  }
}

function paramsIfname(p: ActionParams): string | null {
  return p.kind === 'set-hop-penalty' || p.kind === 'restart-interface' ? p.ifname : null;
}

/** Why the node is worse off than before the action, or null. */
function isWorse(v: Verification, view: MeshView, dropPercent: number): string | null {
  const before = v.originatorsBefore;
  const now = view.node.reachableOriginators;
  if (before > 0 && ((before - now) / before) * 100 >= dropPercent) {
    return `reachable originators fell from ${before} to ${now} after the change`;
  }
  if (v.neighborsBefore > 0 && view.node.liveNeighbors === 0) return `no live neighbour left after the change (had ${v.neighborsBefore})`;
  return null;
}
