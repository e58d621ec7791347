/**
 * Deaf interface -> restart it (rtnetlink down/up, ubus network.interface.X
 * down/up, or wifi down/up, by restart_method). After restart_max attempts that
 * did not cure it, raise one alert instead and stop: the attempt count survives
 * the incident closing and reopening, and is forgotten only after the interface
 * has been healthy (a live neighbour) for restart_reset_ms. It never loops.
 */
import type { PlanContext, Policy } from '../policy.js';
import { incidentIfname } from '../policy.js';
import type { ActionResult, AuditRecord, Incident, PlannedAction } from '../types.js';

interface Attempts {
  restarts: number;
  alerted: boolean;
  healthySinceMono: number | null;
}

export class DeafRestartPolicy implements Policy {
  readonly name = 'deaf-restart';
  private readonly attempts = new Map<string, Attempts>();

  /**
   * After a restart of the agent: the restarts and alerts of the last `resetMs` in the
   * knowledge store count again, so that an agent that crashes and is respawned (procd
   * does) cannot restart a deaf radio restart_max times per life, over and over. Older
   * ones are taken as forgotten (the in-memory count forgets after resetMs of health;
   * health before the restart is unknown, and this bounds a loop to restart_max
   * restarts per resetMs at worst).
   */
  resume(records: readonly AuditRecord[], nowWallMs: number, resetMs: number): void {
    for (const r of records) {
      if (r.atMs < nowWallMs - resetMs || r.policy !== this.name) continue;
      const p = r.action;
      const ifname = p.kind === 'restart-interface' ? p.ifname : p.kind === 'alert' ? r.target.replace(/^alert:if:/, '') : null;
      // What executed() counts: anything but a refusal.
      if (ifname === null || r.result === 'refused') continue;
      const a = this.attempts.get(ifname) ?? { restarts: 0, alerted: false, healthySinceMono: null };
      if (p.kind === 'restart-interface') a.restarts++;
      else a.alerted = true;
      this.attempts.set(ifname, a);
    }
  }

  plan(ctx: PlanContext): PlannedAction[] {
    const { view, config, nowMono } = ctx;
    const out: PlannedAction[] = [];
    const deaf = new Map<string, Incident>();
    for (const inc of ctx.open) {
      if (inc.kind !== 'deaf-interface') continue;
      const ifname = incidentIfname(inc);
      if (ifname) deaf.set(ifname, inc);
    }
    for (const [ifname, a] of this.attempts) {
      if (deaf.has(ifname)) {
        a.healthySinceMono = null;
        continue;
      }
      const healthy = (view.interfaces.get(ifname)?.liveNeighbors ?? 0) > 0;
      if (!healthy) a.healthySinceMono = null;
      else if (a.healthySinceMono === null) a.healthySinceMono = nowMono;
      else if (nowMono - a.healthySinceMono >= config.restartResetMs) this.attempts.delete(ifname);
    }
    for (const [ifname, inc] of deaf) {
      const a = this.attempts.get(ifname) ?? { restarts: 0, alerted: false, healthySinceMono: null };
      if (a.restarts < config.restartMax) {
        out.push({
          policy: this.name,
          target: `if:${ifname}`,
          params: { kind: 'restart-interface', ifname, method: config.restartMethod, attempt: a.restarts + 1 },
          incident: inc,
          reason: `${ifname} is deaf: restart it (attempt ${a.restarts + 1} of ${config.restartMax})`,
          priority: 80,
          preconditions: [
            { name: 'still deaf', check: () => ((view.interfaces.get(ifname)?.liveNeighbors ?? 0) === 0 ? null : `${ifname} hears a neighbour again`) },
          ],
        });
      } else if (!a.alerted) {
        out.push({
          policy: this.name,
          target: `alert:if:${ifname}`,
          params: { kind: 'alert', message: `${ifname} is still deaf after ${a.restarts} restart(s); giving up, needs a person` },
          incident: inc,
          reason: `restart_max (${config.restartMax}) reached`,
          priority: 90,
          informational: true,
          preconditions: [],
        });
      }
    }
    return out;
  }

  executed(action: PlannedAction, result: ActionResult): void {
    if (result === 'refused') return;
    const p = action.params;
    const ifname = p.kind === 'restart-interface' ? p.ifname : p.kind === 'alert' ? action.target.replace(/^alert:if:/, '') : null;
    if (ifname === null) return;
    const a = this.attempts.get(ifname) ?? { restarts: 0, alerted: false, healthySinceMono: null };
    if (p.kind === 'restart-interface') a.restarts++;
    else a.alerted = true;
    this.attempts.set(ifname, a);
  }

  restartsOf(ifname: string): number {
    return this.attempts.get(ifname)?.restarts ?? 0;
  }
}
