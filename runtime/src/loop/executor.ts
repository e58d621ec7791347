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
 *   target is left alone for ten cooldowns (in advise mode only the changes an
 *   operator's request made are rolled back: the loop itself made none).
 * Every action, advice, refusal and rollback becomes an audit record. Advice keeps
 * its own cooldowns and budget count (so it comes as often as auto would act), apart
 * from real changes: advice never delays or spends the budget of a real change.
 *
 * `request` runs one action an operator asked for (the heal API) through the same
 * checks, with two differences a person asking explicitly makes: mode `advise` acts
 * (`off` still refuses), and a cooldown refuses with its reason instead of waiting.
 */
import type { ActOutcome, Actuator } from './actuator.js';
import { countSince, type MeshView } from './monitor.js';
import { NumberRing } from './ring.js';
import type { LoopConfig } from './settings.js';
import type { ActionOrigin, ActionParams, ActionResult, AuditRecord, PlannedAction } from './types.js';

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
  origin: ActionOrigin;
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

/** What became of an operator's request: `planned` only for a dry run the checks allow. */
export interface Requested {
  result: 'planned' | 'done' | 'refused' | 'failed';
  /** The actuator's detail, the refusal's reason or the error. */
  detail: string;
  /** The audit record (null for a dry run). */
  executed: Executed | null;
}

/** Why an action cannot go now; `wait`: the loop silently tries again later (cooldown). */
interface Verdict {
  reason: string;
  wait: boolean;
}

export class Executor {
  /** Changes made, and advice given in advise mode (kept apart: advice changes nothing). */
  private readonly spent = new NumberRing(BUDGET_RING);
  private readonly advised = new NumberRing(BUDGET_RING);
  private readonly lastActionMono = new Map<string, number>();
  private readonly lastAdviceMono = new Map<string, number>();
  private readonly blockedUntilMono = new Map<string, number>();
  private readonly lastRefusal = new Map<string, string>();
  private readonly verifications: Verification[] = [];
  private counter = 0;

  constructor(
    private readonly config: () => LoopConfig,
    private readonly actuator: Actuator,
    private readonly clock: ExecutorClock,
  ) {}

  /**
   * New changes made in the last 10 minutes; in advise mode also the advice given
   * (what auto would have spent).
   */
  budgetUsed(nowMono = this.clock.monoMs(), withAdvice = this.config().mode === 'advise'): number {
    const since = nowMono - BUDGET_WINDOW_MS;
    return countSince(this.spent, since) + (withAdvice ? countSince(this.advised, since) : 0);
  }

  /**
   * After a restart (a crash, kill -9, an upgrade): the changes of the last 10 minutes
   * recorded in the knowledge store count against the budget again, and their targets'
   * cooldowns go on, so a restarting agent cannot make more changes than the budget
   * allows. Returns how many changes now count. Call once, before the first cycle.
   */
  resume(records: readonly AuditRecord[]): number {
    const nowWall = this.clock.wallMs();
    const nowMono = this.clock.monoMs();
    const c = this.config();
    let counted = 0;
    const done = records.filter((r) => r.result === 'done' && r.atMs <= nowWall && nowWall - r.atMs < BUDGET_WINDOW_MS).sort((a, b) => a.atMs - b.atMs);
    for (const r of done) {
      const at = nowMono - (nowWall - r.atMs);
      if (nowWall - r.atMs < c.cooldownMs) this.lastActionMono.set(r.target, Math.max(this.lastActionMono.get(r.target) ?? Number.NEGATIVE_INFINITY, at));
      if (r.restoring || r.action.kind === 'alert') continue;
      this.spent.push(at);
      counted++;
    }
    return counted;
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
      const verdict = this.verdict(action, view, c, now, c.mode === 'advise');
      if (verdict?.wait) continue;
      if (verdict) {
        const rec = this.refuse(action, verdict.reason, c);
        if (rec) out.push(rec);
        continue;
      }
      this.lastRefusal.delete(action.target);
      if (c.mode === 'advise') {
        this.lastAdviceMono.set(action.target, now);
        if (!action.informational && !action.restoring) this.advised.push(now);
        out.push(this.record(action, action.params, 'advised', 'advise mode: not applied', c));
        continue;
      }
      out.push(await this.act(action, view, c, 'loop'));
    }
    return out;
  }

  /**
   * An operator's request for one action, checked like the loop's own. Mode `off`
   * refuses; `advise` acts (a person asked). A dry run changes nothing, records
   * nothing and tells whether the checks would let the action go now.
   */
  async request(action: PlannedAction, view: MeshView, dryRun: boolean): Promise<Requested> {
    const c = this.config();
    const now = this.clock.monoMs();
    const verdict: Verdict | null =
      c.mode === 'off' ? { reason: "mode is off: the agent changes nothing (set mode 'advise' to heal by hand)", wait: false } : this.verdict(action, view, c, now, false);
    if (dryRun) {
      if (verdict) return { result: 'refused', detail: verdict.reason, executed: null };
      return { result: 'planned', detail: `dry run: the checks allow it now${c.mode === 'advise' ? ' (advise mode: a heal request acts)' : ''}`, executed: null };
    }
    if (verdict) return { result: 'refused', detail: verdict.reason, executed: this.record(action, action.params, 'refused', verdict.reason, c, 'operator') };
    const x = await this.act(action, view, c, 'operator');
    return { result: x.result === 'done' ? 'done' : 'failed', detail: x.audit.detail, executed: x };
  }

  /** Apply an action that passed the checks: it spends the budget, starts its cooldown and, if reversible, its verification. */
  private async act(action: PlannedAction, view: MeshView, c: LoopConfig, origin: ActionOrigin): Promise<Executed> {
    const outcome = await this.apply(action.params, action);
    const after = this.clock.monoMs();
    this.lastActionMono.set(action.target, after);
    if (!action.informational && !action.restoring) this.spent.push(after);
    const result: ActionResult = outcome.ok ? 'done' : 'failed';
    if (outcome.ok && action.undo) {
      this.verifications.push({
        action,
        undo: action.undo,
        dueMono: after + c.verifyMs,
        originatorsBefore: view.node.reachableOriginators,
        neighborsBefore: view.node.liveNeighbors,
        origin,
      });
    }
    return this.record(action, action.params, result, outcome.ok ? outcome.detail : outcome.error, c, origin);
  }

  /**
   * null: go; otherwise why not, and whether the loop should just wait (cooldown).
   * `advice`: judging advice, whose cooldown and budget count earlier advice too (a
   * change, whether the loop's or an operator's, counts only real changes).
   */
  private verdict(action: PlannedAction, view: MeshView, c: LoopConfig, now: number, advice: boolean): Verdict | null {
    const refuse = (reason: string): Verdict => ({ reason, wait: false });
    const ifname = paramsIfname(action.params);
    if (ifname !== null && c.excludeInterfaces.includes(ifname)) return refuse(`${ifname} is excluded by the config (exclude_interface)`);
    if (action.params.kind === 'restart-interface') {
      const target = action.params.ifname;
      if (!view.interfaces.has(target)) return refuse(`${target} is not a hard interface of ${view.meshIfname}`);
      const hearing = [...view.interfaces.values()].filter((i) => i.liveNeighbors > 0);
      if (hearing.length === 1 && hearing[0]?.ifname === target) return refuse(`${target} is the last mesh interface that hears a neighbour`);
    }
    for (const p of action.preconditions) {
      const why = p.check();
      if (why !== null) return refuse(`precondition '${p.name}' failed: ${why}`);
    }
    const blocked = this.blockedUntilMono.get(action.target);
    if (blocked !== undefined) {
      if (now < blocked) return { reason: `${action.target} is left alone after a rollback for ${seconds(blocked - now)} s more`, wait: true };
      this.blockedUntilMono.delete(action.target);
    }
    const changed = this.lastActionMono.get(action.target);
    const advisedAt = advice ? this.lastAdviceMono.get(action.target) : undefined;
    const last = Math.max(changed ?? Number.NEGATIVE_INFINITY, advisedAt ?? Number.NEGATIVE_INFINITY);
    if (!action.restoring && now - last < c.cooldownMs) {
      const what = last === changed ? 'changed' : 'advised';
      return { reason: `cooldown: ${action.target} was ${what} ${seconds(now - last)} s ago (cooldown_ms ${c.cooldownMs})`, wait: true };
    }
    if (!action.informational && !action.restoring && this.budgetUsed(now, advice) >= c.budgetPer10Min) {
      return refuse(`action budget spent (${c.budgetPer10Min} per 10 minutes)`);
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
      // Advise mode rolls back only what an operator's request changed in it.
      if (c.mode !== 'auto' && !(c.mode === 'advise' && v.origin === 'operator')) continue;
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
          return await this.actuator.runHook(p.command, { X0_EVENT: p.hook, ...incidentEnv(action) });
        case 'alert': {
          const hook = this.config().alertHook;
          if (hook === '') return { ok: true, detail: 'alert logged (no alert_hook)' };
          return await this.actuator.runHook(hook, { X0_EVENT: 'alert', X0_ALERT: p.message, ...incidentEnv(action) });
        }
      }
    } catch (e) {
      return { ok: false, error: (e as Error).message ?? String(e) };
    }
  }

  private record(action: PlannedAction, params: ActionParams, result: ActionResult, detail: string, c: LoopConfig, origin: ActionOrigin = 'loop'): Executed {
    this.counter = (this.counter + 1) % 1_000_000;
    const at = this.clock.wallMs();
    const audit: AuditRecord = {
      id: `act-${at.toString(36)}-${this.counter}`,
      atMs: at,
      mode: c.mode,
      policy: action.policy,
      incidentId: action.incident?.id ?? null,
      incidentKind: action.incident?.kind ?? null,
      origin,
      target: action.target,
      evidence: action.incident?.evidence ?? { summary: `requested by an operator: ${action.reason}`, values: {} },
      action: params,
      reason: action.reason,
      result,
      detail,
      ...(action.restoring || params !== action.params ? { restoring: true } : {}),
    };
    return { action, result, audit };
  }
}

function incidentEnv(action: PlannedAction): Record<string, string> {
  return action.incident ? { X0_INCIDENT: action.incident.id, X0_TARGET: action.incident.target } : { X0_TARGET: action.target };
}

function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
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
