/**
 * Isolated node -> run the operator's isolated_hook (e.g. rename the client SSID
 * to an "offline" one); when neighbours return -> run isolated_undo_hook. Without
 * a configured hook nothing is planned. The hook sees X0_EVENT and X0_INCIDENT.
 */
import type { PlanContext, Policy } from '../policy.js';
import type { ActionResult, Incident, PlannedAction } from '../types.js';

export class IsolatedHookPolicy implements Policy {
  readonly name = 'isolated-hook';
  private ranFor: Incident | null = null;

  plan(ctx: PlanContext): PlannedAction[] {
    const { config } = ctx;
    const isolated = ctx.open.find((i) => i.kind === 'isolated-node');
    if (isolated) {
      if (this.ranFor || config.isolatedHook === '') return [];
      return [
        {
          policy: this.name,
          target: 'hook:isolated',
          params: { kind: 'run-hook', hook: 'isolated', command: config.isolatedHook },
          incident: isolated,
          reason: 'no neighbours: run the isolated hook',
          priority: 60,
          preconditions: [],
        },
      ];
    }
    const ran = this.ranFor;
    if (!ran) return [];
    if (config.isolatedUndoHook === '') {
      this.ranFor = null;
      return [];
    }
    return [
      {
        policy: this.name,
        target: 'hook:isolated',
        params: { kind: 'run-hook', hook: 'isolated-undo', command: config.isolatedUndoHook },
        incident: ran,
        reason: 'neighbours are back: undo the isolated hook',
        priority: 60,
        restoring: true,
        preconditions: [],
      },
    ];
  }

  executed(action: PlannedAction, result: ActionResult): void {
    if (action.params.kind !== 'run-hook' || result === 'refused') return;
    this.ranFor = action.params.hook === 'isolated' ? action.incident : null;
  }
}
