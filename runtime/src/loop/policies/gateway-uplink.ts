/**
 * Gateway uplink lost -> gateway mode off (clients pick another gateway); when
 * the uplink is back (the detector's recovery hysteresis) -> server again with
 * the bandwidths it announced before. It acts only on a node that was a server,
 * and lets go if an operator changed the mode meanwhile.
 */
import type { PlanContext, Policy } from '../policy.js';
import type { ActionResult, Incident, PlannedAction } from '../types.js';

interface TurnedOff {
  bandwidthDownKbit: number | null;
  bandwidthUpKbit: number | null;
  incident: Incident | null;
  applied: boolean;
}

export class GatewayUplinkPolicy implements Policy {
  readonly name = 'gateway-uplink';
  private state: TurnedOff | null = null;

  plan(ctx: PlanContext): PlannedAction[] {
    const node = ctx.view.node;
    const lost = ctx.open.find((i) => i.kind === 'uplink-lost');
    const target = `mesh:${ctx.view.meshIfname}/gw`;
    if (lost) {
      if (node.gwMode !== 'server') return [];
      return [
        {
          policy: this.name,
          target,
          // The bandwidths announced now travel with the action, to be announced again later.
          params: {
            kind: 'set-gateway-mode',
            mode: 'off',
            previous: 'server',
            ...(node.gwBandwidthDownKbit !== null ? { bandwidthDownKbit: node.gwBandwidthDownKbit } : {}),
            ...(node.gwBandwidthUpKbit !== null ? { bandwidthUpKbit: node.gwBandwidthUpKbit } : {}),
          },
          incident: lost,
          reason: 'uplink lost: stop announcing this node as a gateway',
          priority: 70,
          preconditions: [{ name: 'still a gateway', check: () => (ctx.view.node.gwMode === 'server' ? null : `gw_mode is ${ctx.view.node.gwMode}`) }],
        },
      ];
    }
    const s = this.state;
    if (!s) return [];
    if (!s.applied || node.gwMode !== 'off') {
      // Advised only, or the operator changed the mode: nothing of ours to restore.
      this.state = null;
      return [];
    }
    return [
      {
        policy: this.name,
        target,
        params: {
          kind: 'set-gateway-mode',
          mode: 'server',
          previous: 'off',
          ...(s.bandwidthDownKbit !== null ? { bandwidthDownKbit: s.bandwidthDownKbit } : {}),
          ...(s.bandwidthUpKbit !== null ? { bandwidthUpKbit: s.bandwidthUpKbit } : {}),
        },
        incident: s.incident,
        reason: 'uplink back: announce this node as a gateway again',
        priority: 70,
        restoring: true,
        preconditions: [{ name: 'still off', check: () => (ctx.view.node.gwMode === 'off' ? null : `gw_mode is ${ctx.view.node.gwMode}`) }],
      },
    ];
  }

  executed(action: PlannedAction, result: ActionResult): void {
    const p = action.params;
    if (p.kind !== 'set-gateway-mode') return;
    if (p.mode === 'off' && (result === 'done' || result === 'advised')) {
      this.state = {
        bandwidthDownKbit: p.bandwidthDownKbit ?? null,
        bandwidthUpKbit: p.bandwidthUpKbit ?? null,
        incident: action.incident,
        applied: result === 'done',
      };
    } else if (p.mode === 'server' && result === 'done') {
      this.state = null;
    }
  }
}
