/**
 * Manual actions: what an operator may ask for by kind and target (`heal` with
 * {action, target}), each planned the way the policy that owns such changes plans
 * it, so the executor checks it like any other: the same targets (cooldowns shared
 * with the loop), preconditions, undo and restore rules.
 *
 *   hop-penalty-raise IF    one hop_penalty_step up, never above hop_penalty_max;
 *                           reversible (verified, rolled back when worse) and, like
 *                           the policy's raises, restored after hop_penalty_stable_ms
 *   hop-penalty-restore IF  back to the value before the agent first raised it
 *   restart-interface IF    down and up by restart_method (not one of restart_max)
 *   gateway-off MESH        gw_mode off;  gateway-server MESH: gw_mode server
 *
 * IF must be a hard interface of the mesh in the latest snapshot, MESH the mesh
 * interface itself ("if:IF" and "mesh:MESH/gw", the audit records' spelling, work too).
 */
import type { MeshView } from './monitor.js';
import type { LoopConfig } from './settings.js';
import type { PlannedAction } from './types.js';

export const MANUAL_ACTION_KINDS = ['hop-penalty-raise', 'hop-penalty-restore', 'restart-interface', 'gateway-off', 'gateway-server'] as const;
export type ManualActionKind = (typeof MANUAL_ACTION_KINDS)[number];

/** The policy name audit records carry for manual actions. */
export const MANUAL_POLICY = 'operator';

export function isManualActionKind(kind: string): kind is ManualActionKind {
  return (MANUAL_ACTION_KINDS as readonly string[]).includes(kind);
}

export type ManualPlan =
  /** `owner`: the policy told of the outcome, as if it had planned the action (null: none). */
  | { ok: true; action: PlannedAction; owner: string | null }
  /** The target does not fit the kind. */
  | { ok: false; invalid: true; message: string }
  /** Valid, but there is nothing to do now (already at the maximum, nothing to restore...). */
  | { ok: false; invalid: false; message: string };

export interface ManualContext {
  view: MeshView;
  config: LoopConfig;
  /** Interfaces whose hop penalty the agent raised, with the value before the first raise. */
  hopOriginals: ReadonlyMap<string, number>;
}

const nothing = (message: string): ManualPlan => ({ ok: false, invalid: false, message });
const invalid = (message: string): ManualPlan => ({ ok: false, invalid: true, message });

export function planManual(kind: ManualActionKind, target: string, ctx: ManualContext): ManualPlan {
  const { view } = ctx;
  if (kind === 'gateway-off' || kind === 'gateway-server') {
    const mesh = target.startsWith('mesh:') ? target.slice(5).replace(/\/gw$/, '') : target;
    if (mesh !== view.meshIfname) return invalid(`${kind} applies to the mesh interface ${view.meshIfname}, not '${target}'`);
    return planGateway(kind === 'gateway-off' ? 'off' : 'server', view);
  }
  const ifname = target.startsWith('if:') ? target.slice(3) : target;
  if (!view.interfaces.has(ifname)) {
    const known = [...view.interfaces.keys()];
    return invalid(`'${target}' is not a hard interface of ${view.meshIfname} (${known.length ? `its hard interfaces: ${known.join(', ')}` : 'it has none'})`);
  }
  switch (kind) {
    case 'hop-penalty-raise':
      return planRaise(ifname, ctx);
    case 'hop-penalty-restore':
      return planRestore(ifname, ctx);
    case 'restart-interface': {
      const method = ctx.config.restartMethod;
      return {
        ok: true,
        owner: null,
        action: {
          policy: MANUAL_POLICY,
          target: `if:${ifname}`,
          params: { kind: 'restart-interface', ifname, method, attempt: 0 },
          incident: null,
          reason: `operator: restart ${ifname} (restart_method ${method})`,
          priority: 80,
          preconditions: [],
        },
      };
    }
  }
}

function planRaise(ifname: string, ctx: ManualContext): ManualPlan {
  const { view, config } = ctx;
  const current = view.interfaces.get(ifname)?.hopPenalty ?? null;
  if (current === null) return nothing(`batman-adv did not report the hop penalty of ${ifname}`);
  if (current >= config.hopPenaltyMax) return nothing(`the hop penalty of ${ifname} is ${current}, already at hop_penalty_max (${config.hopPenaltyMax})`);
  const to = Math.min(config.hopPenaltyMax, current + config.hopPenaltyStep);
  return penaltyPlan(view, ifname, current, to, {
    undo: { kind: 'set-hop-penalty', ifname, from: to, to: current },
    reason: `operator: make routes avoid ${ifname} (hop penalty ${current} -> ${to})`,
    priority: 50,
  });
}

/** A manual hop-penalty change of `ifname` from `from` to `to`, owned by the hop-penalty policy. */
function penaltyPlan(view: MeshView, ifname: string, from: number, to: number, extra: Pick<PlannedAction, 'reason' | 'priority'> & Partial<PlannedAction>): ManualPlan {
  return {
    ok: true,
    owner: 'hop-penalty',
    action: {
      policy: MANUAL_POLICY,
      target: `if:${ifname}`,
      params: { kind: 'set-hop-penalty', ifname, from, to },
      incident: null,
      preconditions: penaltyUnchanged(view, ifname, from),
      ...extra,
    },
  };
}

function planRestore(ifname: string, ctx: ManualContext): ManualPlan {
  const { view } = ctx;
  const current = view.interfaces.get(ifname)?.hopPenalty ?? null;
  const original = ctx.hopOriginals.get(ifname);
  if (original === undefined) return nothing(`the agent has not raised the hop penalty of ${ifname} (or it was restored already): nothing to restore`);
  if (current === null) return nothing(`batman-adv did not report the hop penalty of ${ifname}`);
  if (current === original) return nothing(`the hop penalty of ${ifname} is already ${original}`);
  return penaltyPlan(view, ifname, current, original, {
    reason: `operator: restore the hop penalty of ${ifname} to ${original}, its value before the agent raised it`,
    priority: 40,
    restoring: true,
  });
}

function penaltyUnchanged(view: MeshView, ifname: string, current: number): PlannedAction['preconditions'] {
  return [
    { name: 'interface in mesh', check: () => (view.interfaces.has(ifname) ? null : `${ifname} left the mesh`) },
    { name: 'penalty unchanged', check: () => (view.interfaces.get(ifname)?.hopPenalty === current ? null : `${ifname}'s hop penalty changed meanwhile`) },
  ];
}

function planGateway(mode: 'off' | 'server', view: MeshView): ManualPlan {
  const now = view.node.gwMode;
  if (now === null) return nothing(`batman-adv did not report the gateway mode of ${view.meshIfname}`);
  if (now === mode) return nothing(`gw_mode of ${view.meshIfname} is already ${mode}`);
  return {
    ok: true,
    // Not the gateway policy's: it would turn a manual "off" back on at its next cycle.
    owner: null,
    action: {
      policy: MANUAL_POLICY,
      target: `mesh:${view.meshIfname}/gw`,
      params: { kind: 'set-gateway-mode', mode, previous: now },
      incident: null,
      reason: `operator: gw_mode of ${view.meshIfname} ${now} -> ${mode}`,
      priority: 70,
      preconditions: [{ name: 'gw_mode unchanged', check: () => (view.node.gwMode === now ? null : `gw_mode is ${view.node.gwMode} now`) }],
    },
  };
}
