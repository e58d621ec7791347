/**
 * Flapping or degraded link -> raise that hard interface's hop penalty by
 * hop_penalty_step (never above hop_penalty_max), one step per cooldown while the
 * incident stays open; once no such incident has been open on the interface for
 * hop_penalty_stable_ms, restore the value it had before the first step. An
 * operator's manual raise (heal) is adopted the same way: restored once the
 * interface has been stable for hop_penalty_stable_ms after it.
 */

import { interfaceDrawdownPercent } from '../link-drawdown.js';
import { countSince, type MeshView } from '../monitor.js';
import type { PlanContext, Policy } from '../policy.js';
import { incidentIfname } from '../policy.js';
import type { ActionResult, AuditRecord, Incident, PlannedAction } from '../types.js';

interface Raised {
  original: number;
  lastUnstableMono: number;
  /** The incident of the latest raise; null after a manual one. */
  incident: Incident | null;
}

/** Best routes over the incident's link right now that could take another link; null when the target is no link we track. */
function movableRoutesVia(view: MeshView, inc: Incident): number | null {
  const m = /^link:(.+)$/.exec(inc.target);
  const link = m ? view.links.get(m[1] as string) : undefined;
  return link ? link.movableRoutes : null;
}

/** Whether an interface's links stopped losing within the window, and the evidence. */
function interfaceStability(view: MeshView, ifname: string, sinceMono: number, drawdownPercent: number): { stable: boolean; why: string } {
  let probed = 0;
  let lossy = 0;
  for (const p of view.probes.values()) {
    if (p.ifname !== ifname || !p.quality.warm) continue;
    probed++;
    lossy += countSince(p.quality.lossyBins, sinceMono);
  }
  const seconds = Math.round((view.nowMono - sinceMono) / 1000);
  if (probed > 0) return { stable: lossy === 0, why: `${lossy} lossy probe window(s) on its ${probed} probed link(s) in ${seconds} s` };
  const fell = interfaceDrawdownPercent(view, ifname, sinceMono);
  return { stable: fell < drawdownPercent, why: `its links' metric fell ${fell}% at most in ${seconds} s` };
}

export class HopPenaltyPolicy implements Policy {
  readonly name = 'hop-penalty';
  private readonly raised = new Map<string, Raised>();
  /** From the store after a restart: interface -> the value to restore and the value we left. */
  private resumed = new Map<string, { original: number; left: number }>();

  /**
   * After a restart: the raises recorded in the knowledge store that were not restored
   * yet. An interface whose penalty is still the value we left is adopted at the first
   * plan and restored once stable, as if the agent had never stopped (without this a
   * kill -9 left a raised penalty in place for good).
   */
  resume(records: readonly AuditRecord[]): void {
    const chains = new Map<string, { original: number; left: number } | null>();
    for (const r of [...records].sort((a, b) => a.atMs - b.atMs)) {
      if (r.result !== 'done' && r.result !== 'rolled-back') continue;
      if (r.action.kind !== 'set-hop-penalty' || (r.policy !== this.name && r.policy !== 'operator')) continue;
      const { ifname, from, to } = r.action;
      const chain = chains.get(ifname) ?? null;
      // A lower value is a restore (records from before the restoring flag have none).
      if (r.restoring || r.result === 'rolled-back' || to <= from) chains.set(ifname, null);
      else chains.set(ifname, { original: chain ? chain.original : from, left: to });
    }
    this.resumed = new Map([...chains].filter((e): e is [string, { original: number; left: number }] => e[1] !== null));
  }

  plan(ctx: PlanContext): PlannedAction[] {
    const { view, config, nowMono } = ctx;
    const out: PlannedAction[] = [];
    for (const [ifname, r] of this.resumed) {
      if (view.interfaces.get(ifname)?.hopPenalty === r.left && !this.raised.has(ifname)) this.raised.set(ifname, { original: r.original, lastUnstableMono: nowMono, incident: null });
    }
    this.resumed.clear();
    const unstable = new Map<string, Incident>();
    for (const inc of ctx.open) {
      if (inc.kind !== 'route-flapping' && inc.kind !== 'link-flapping' && inc.kind !== 'link-degraded') continue;
      const ifname = incidentIfname(inc);
      if (ifname && !unstable.has(ifname)) unstable.set(ifname, inc);
    }
    for (const [ifname, inc] of unstable) {
      const iface = view.interfaces.get(ifname);
      if (!iface || iface.hopPenalty === null) continue;
      const current = iface.hopPenalty;
      const state = this.raised.get(ifname);
      if (state) {
        state.lastUnstableMono = nowMono;
        state.incident = inc;
      }
      if (current >= config.hopPenaltyMax) continue;
      // A link that flaps, or stays degraded, keeps its incident open however high the
      // penalty: the penalty cannot mend the link, only move the routes off it. Once no
      // best route that has another way uses the link, that is done (or was never
      // possible), and another step would only push it further out of reach (in the lab
      // both ends stepped to 120 while the routes had long moved).
      if (inc.kind !== 'route-flapping' && movableRoutesVia(view, inc) === 0) continue;
      const to = Math.min(config.hopPenaltyMax, current + config.hopPenaltyStep);
      out.push({
        policy: this.name,
        target: `if:${ifname}`,
        params: { kind: 'set-hop-penalty', ifname, from: current, to },
        undo: { kind: 'set-hop-penalty', ifname, from: to, to: current },
        incident: inc,
        reason: `${inc.kind} on ${ifname}: make routes avoid it (hop penalty ${current} -> ${to})`,
        priority: 50,
        preconditions: [
          { name: 'interface in mesh', check: () => (view.interfaces.has(ifname) ? null : `${ifname} left the mesh`) },
          { name: 'penalty unchanged', check: () => (view.interfaces.get(ifname)?.hopPenalty === current ? null : `${ifname}'s hop penalty changed meanwhile`) },
        ],
      });
    }
    for (const [ifname, state] of this.raised) {
      if (unstable.has(ifname)) continue;
      const iface = view.interfaces.get(ifname);
      if (!iface || iface.hopPenalty === null) {
        this.raised.delete(ifname);
        continue;
      }
      if (iface.hopPenalty === state.original) {
        this.raised.delete(ifname);
        continue;
      }
      // The raise itself stops the route flapping (routes avoid the link), so the
      // incident closes while the link is as bad as ever: stable also means the link
      // stopped losing (the lab restored a penalty mid-flapping without this). With
      // probes, a lossy bin on any of its links says so; without, the links' own metric
      // falling (TQ wobbles by more than flap_drawdown_percent on a lossy link, which
      // kept penalties raised for good in the lab's chaos run: probes are preferred).
      const stability = interfaceStability(view, ifname, nowMono - config.flapWindowMs, config.flapDrawdownPercent);
      if (!stability.stable) state.lastUnstableMono = nowMono;
      if (nowMono - state.lastUnstableMono < config.hopPenaltyStableMs) continue;
      out.push({
        policy: this.name,
        target: `if:${ifname}`,
        params: { kind: 'set-hop-penalty', ifname, from: iface.hopPenalty, to: state.original },
        incident: state.incident,
        reason: `${ifname} stable for ${Math.round((nowMono - state.lastUnstableMono) / 1000)} s (no flapping or degraded incident; ${stability.why}): restore hop penalty ${state.original}`,
        priority: 40,
        restoring: true,
        preconditions: [],
      });
    }
    return out;
  }

  executed(action: PlannedAction, result: ActionResult, nowMono: number): void {
    if (action.params.kind !== 'set-hop-penalty') return;
    const { ifname, from } = action.params;
    if (action.restoring) {
      // Restored (by this policy or an operator): nothing of ours is left to restore.
      if (result === 'done') this.raised.delete(ifname);
      return;
    }
    if (result !== 'done' && result !== 'advised') return;
    // Stable is counted from the latest raise: a manual raise on a quiet interface is not undone at once.
    const state = this.raised.get(ifname);
    if (state) state.lastUnstableMono = Math.max(state.lastUnstableMono, nowMono);
    else this.raised.set(ifname, { original: from, lastUnstableMono: nowMono, incident: action.incident });
  }

  /** Interfaces whose penalty this policy raised, with the value to restore. */
  raisedPenalties(): Map<string, number> {
    return new Map([...this.raised].map(([k, v]) => [k, v.original]));
  }
}
