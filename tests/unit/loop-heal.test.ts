// Heal requests (the API's `heal`) against the whole loop: an incident healed through
// the policies and the executor, manual actions, dry runs, and what refuses them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHost } from '../../runtime/src/host/index.js';
import { KnowledgeStore } from '../../runtime/src/knowledge/store.js';
import type { HealAnswer, HealReport, HealRequest } from '../../runtime/src/loop/heal.js';
import type { Incident } from '../../runtime/src/loop/types.js';
import { removeTree, tempDir } from '../support/tmp.js';
import { flappingMesh, loopHarness, type SynthMesh } from './loop-fixtures.test.js';

const t = suite('loop: heal requests');
const A = 'aa:00:00:00:00:0a';

/** The shared flapping mesh; `flap()` switches the toggling on. */
const mesh = (flap: () => boolean = () => false) => flappingMesh(() => flap());

type Harness = ReturnType<typeof loopHarness>;

/** Run cycles until a route-flapping incident opens, stopping right after that cycle's analyze phase. */
async function untilFlapping(h: Harness): Promise<{ incident: Incident; rest: () => Promise<void> }> {
  for (let i = 0; i < 200; i++) {
    const rest = await h.startCycle('analyze');
    const incident = h.loop.status().open.find((x) => x.kind === 'route-flapping');
    if (incident) return { incident, rest };
    await rest();
  }
  throw new Error('no route-flapping incident opened');
}

function report(a: HealAnswer): HealReport {
  if (!a.ok) throw new Error(`heal answered ${a.error}: ${a.message}`);
  return a.report;
}

const manual = (action: string, target: string, dryRun = false): HealRequest => ({ action, target, dryRun });
const hops = (h: Harness) => h.actuator.calls.filter((c) => c.op === 'hop').map((c) => c.args);

t('an incident in auto mode: the policy plans, the executor acts at once, audited as the operator’s; the loop does not repeat it', async () => {
  const h = loopHarness({ cooldownMs: 30_000 }, mesh(() => true));
  const { incident, rest } = await untilFlapping(h);
  assert.is(h.actuator.calls.length, 0, 'the loop has not acted yet');
  const r = report(await h.loop.heal({ incident: incident.id, dryRun: false }));
  assert.is(r.result, 'done', r.detail);
  assert.is(r.incident?.id, incident.id);
  assert.is(r.action?.policy, 'hop-penalty');
  assert.equal(hops(h), [['eth1', 30]]);
  const audit = r.executed?.audit;
  assert.ok(audit);
  assert.is(audit.result, 'done');
  assert.is(audit.origin, 'operator');
  assert.is(audit.incidentId, incident.id);
  assert.is(audit.incidentKind, 'route-flapping');
  assert.is(h.audits.at(-1)?.id, audit.id, 'reported like the loop’s own actions (onAudit: the ubus event)');
  assert.ok(h.lines.some((l) => l.startsWith(`notice action ${audit.id} done: set-hop-penalty if:eth1 for route-flapping ${incident.id} (heal request)`)), h.lines.join('\n'));
  // The rest of this cycle plans the same step: the cooldown the heal started holds it.
  await rest();
  await h.cycles(5);
  assert.equal(hops(h), [['eth1', 30]], 'no second step within the cooldown');
  const again = report(await h.loop.heal({ incident: incident.id, dryRun: false }));
  assert.is(again.result, 'refused');
  assert.match(again.detail, /^cooldown: if:eth1 was changed \d+ s ago \(cooldown_ms 30000\)$/);
  assert.is(again.executed?.audit.result, 'refused', 'a refused request is audited too');
  assert.equal(hops(h), [['eth1', 30]]);
});

t('advise mode: the loop only advises, a heal request acts; advice does not hold it back', async () => {
  const h = loopHarness({ mode: 'advise' }, mesh(() => true));
  const { incident, rest } = await untilFlapping(h);
  await rest();
  assert.ok(h.audits.some((a) => a.result === 'advised'), 'the loop advised the step');
  assert.is(h.actuator.calls.length, 0);
  const r = report(await h.loop.heal({ incident: incident.id, dryRun: false }));
  assert.is(r.mode, 'advise');
  assert.is(r.result, 'done', r.detail);
  assert.equal(hops(h), [['eth1', 30]]);
  assert.is(r.executed?.audit.mode, 'advise');
  await h.cycles(60);
  assert.equal(hops(h), [['eth1', 30]], 'the loop went on only advising');
});

t('mode off: a heal is refused with the reason and audited; its dry run says the same', async () => {
  const h = loopHarness({ mode: 'off' }, mesh(() => true));
  const { incident, rest } = await untilFlapping(h);
  await rest();
  const dry = report(await h.loop.heal({ incident: incident.id, dryRun: true }));
  assert.is(dry.result, 'refused');
  assert.match(dry.detail, /^mode is off/);
  assert.is(dry.action?.params.kind, 'set-hop-penalty', 'the plan is still shown');
  assert.is(dry.executed, null);
  assert.is(h.audits.length, 0);
  const r = report(await h.loop.heal({ incident: incident.id, dryRun: false }));
  assert.is(r.result, 'refused');
  assert.is(r.executed?.audit.result, 'refused');
  assert.is(r.executed?.audit.mode, 'off');
  assert.is(h.actuator.calls.length, 0);
});

t('dry run: plans and checks, changes and records nothing, starts no cooldown', async () => {
  const h = loopHarness({}, mesh());
  await h.cycles(3);
  const dry = report(await h.loop.heal(manual('hop-penalty-raise', 'eth1', true)));
  assert.is(dry.result, 'planned');
  assert.is(dry.dryRun, true);
  assert.equal(dry.action?.params, { kind: 'set-hop-penalty', ifname: 'eth1', from: 0, to: 30 });
  assert.is(dry.executed, null);
  assert.is(h.actuator.calls.length, 0, 'the actuator was not called');
  assert.is(h.audits.length, 0, 'no audit record');
  assert.is(h.loop.status().budgetUsed, 0);
  const real = report(await h.loop.heal(manual('hop-penalty-raise', 'eth1')));
  assert.is(real.result, 'done', 'the dry run left no cooldown behind');
  const dryAgain = report(await h.loop.heal(manual('hop-penalty-raise', 'eth1', true)));
  assert.is(dryAgain.result, 'refused');
  assert.match(dryAgain.detail, /^cooldown: /, 'a dry run reports the checks that would refuse');
  assert.is(h.actuator.calls.length, 1);
});

t('manual hop penalty: raise, restore by hand; a raise left alone is restored once stable', async () => {
  const h = loopHarness({ hopPenaltyStep: 20, hopPenaltyStableMs: 30_000, cooldownMs: 5000 }, mesh());
  await h.cycles(3);
  const raise = report(await h.loop.heal(manual('hop-penalty-raise', 'if:eth1')));
  assert.is(raise.result, 'done', raise.detail);
  assert.is(raise.executed?.audit.incidentId, null);
  assert.is(raise.executed?.audit.policy, 'operator');
  assert.is(raise.executed?.audit.origin, 'operator');
  await h.cycles(10);
  assert.is(h.penalties.get('eth1'), 20, 'not undone by the next cycles');
  const restore = report(await h.loop.heal(manual('hop-penalty-restore', 'eth1')));
  assert.is(restore.result, 'done', restore.detail);
  assert.is(h.penalties.get('eth1'), 0);
  const nothing = report(await h.loop.heal(manual('hop-penalty-restore', 'eth1')));
  assert.is(nothing.result, 'refused');
  assert.is(nothing.action, null);
  assert.is(nothing.executed, null, 'nothing planned: no audit record');
  assert.match(nothing.detail, /nothing to restore/);
  // Raised and left: the hop-penalty policy restores it after hop_penalty_stable_ms.
  report(await h.loop.heal(manual('hop-penalty-raise', 'eth2')));
  assert.is(h.penalties.get('eth2'), 20);
  await h.cycles(20);
  assert.is(h.penalties.get('eth2'), 20);
  await h.cycles(20);
  assert.is(h.penalties.get('eth2'), 0);
  assert.equal(hops(h), [['eth1', 20], ['eth1', 0], ['eth2', 20], ['eth2', 0]]);
});

t('manual restart and gateway mode; the invariants refuse the last hearing interface and an excluded one', async () => {
  const lone = (): SynthMesh => ({
    interfaces: [{ ifname: 'wl0', ifindex: 3 }, { ifname: 'eth1', ifindex: 2 }, { ifname: 'eth9', ifindex: 9 }],
    neighbors: [{ ifname: 'wl0', mac: A }],
  });
  const h = loopHarness({ excludeInterfaces: ['eth9'], restartMethod: 'wifi' }, lone);
  await h.cycles(2);
  const last = report(await h.loop.heal(manual('restart-interface', 'wl0')));
  assert.is(last.result, 'refused');
  assert.is(last.detail, 'wl0 is the last mesh interface that hears a neighbour');
  assert.is(last.executed?.audit.result, 'refused');
  const excluded = report(await h.loop.heal(manual('hop-penalty-raise', 'eth9')));
  assert.is(excluded.result, 'refused');
  assert.match(excluded.detail, /excluded by the config/);
  const restart = report(await h.loop.heal(manual('restart-interface', 'eth1')));
  assert.is(restart.result, 'done', restart.detail);
  assert.equal(restart.action?.params, { kind: 'restart-interface', ifname: 'eth1', method: 'wifi', attempt: 0 });
  const off = report(await h.loop.heal(manual('gateway-off', 'bat0')));
  assert.is(off.result, 'done', off.detail);
  assert.is(h.gw, 'off');
  await h.cycles(40);
  assert.is(h.gw, 'off', 'the gateway policy does not turn a manual off back on');
  const on = report(await h.loop.heal(manual('gateway-server', 'mesh:bat0/gw')));
  assert.is(on.result, 'done', on.detail);
  assert.is(h.gw, 'server');
  assert.equal(
    h.actuator.calls.map((c) => [c.op, ...c.args]),
    [['restart', 'eth1', 'wifi'], ['gw', 'off'], ['gw', 'server']],
  );
});

t('a manual raise after which far fewer originators are reachable is rolled back, in advise mode too', async () => {
  let worse = false;
  const far = ['ff:00:00:00:00:01', 'ff:00:00:00:00:02', 'ff:00:00:00:00:03', 'ff:00:00:00:00:04'];
  const h = loopHarness({ mode: 'advise', verifyMs: 10_000 }, (cycle) => ({
    ...mesh()(cycle),
    routes: (worse ? far.slice(0, 1) : far).map((originator) => ({ originator, ifname: 'eth1', via: A })),
  }));
  await h.cycles(3);
  assert.is(report(await h.loop.heal(manual('hop-penalty-raise', 'eth1'))).result, 'done');
  worse = true;
  await h.cycles(12);
  assert.equal(hops(h), [['eth1', 30], ['eth1', 0]]);
  const rolled = h.audits.find((a) => a.result === 'rolled-back');
  assert.ok(rolled, h.audits.map((a) => a.result).join());
  assert.match(rolled.detail, /reachable originators fell from 7 to 4/);
});

t('the action budget and a failing actuator', async () => {
  const h = loopHarness({ budgetPer10Min: 1 }, mesh());
  await h.cycles(2);
  assert.is(report(await h.loop.heal(manual('hop-penalty-raise', 'eth1'))).result, 'done');
  const spent = report(await h.loop.heal(manual('hop-penalty-raise', 'eth2')));
  assert.is(spent.result, 'refused');
  assert.is(spent.detail, 'action budget spent (1 per 10 minutes)');
  assert.is(spent.executed?.audit.result, 'refused');
  assert.is(h.actuator.calls.length, 1);
  await h.cycles(1);
  const restore = report(await h.loop.heal(manual('hop-penalty-restore', 'eth1')));
  assert.is(restore.result, 'done', 'restoring our own change does not need the budget');
  const f = loopHarness({}, mesh());
  await f.cycles(2);
  f.actuator.fail = true;
  const failed = report(await f.loop.heal(manual('restart-interface', 'eth2')));
  assert.is(failed.result, 'failed');
  assert.is(failed.detail, 'restart refused by the test');
  assert.is(failed.executed?.audit.result, 'failed');
});

t('bad requests: unknown action, wrong target, unknown or resolved incident, no snapshot', async () => {
  let lost = false;
  let absent = false;
  const h = loopHarness({}, (cycle) => ({ ...mesh()(cycle), state: absent ? 'absent' : 'up', neighbors: [{ ifname: 'eth1', mac: A, lastSeenMs: lost ? 5000 : 100 }] }));
  const early = await h.loop.heal(manual('hop-penalty-raise', 'eth1'));
  assert.equal(early, { ok: false, error: 'unavailable', message: 'heal: no mesh snapshot yet' });
  await h.cycles(3);
  const kind = await h.loop.heal(manual('reboot', 'eth1'));
  assert.equal(kind, {
    ok: false,
    error: 'invalid_argument',
    message: "heal: unknown action 'reboot' (valid: hop-penalty-raise, hop-penalty-restore, restart-interface, gateway-off, gateway-server)",
  });
  const target = await h.loop.heal(manual('restart-interface', 'lan'));
  assert.equal(target, { ok: false, error: 'invalid_argument', message: "heal: 'lan' is not a hard interface of bat0 (its hard interfaces: eth1, eth2)" });
  const gw = await h.loop.heal(manual('gateway-off', 'eth1'));
  assert.is(gw.ok ? '' : gw.error, 'invalid_argument');
  const unknown = await h.loop.heal({ incident: 'inc-nope-1', dryRun: false });
  assert.is(unknown.ok ? '' : unknown.error, 'not_found');
  // A neighbour-lost incident: no policy acts on it; once resolved it cannot be healed.
  lost = true;
  await h.cycles(2);
  const incident = h.loop.status().open.find((i) => i.kind === 'neighbor-lost');
  assert.ok(incident);
  const none = report(await h.loop.heal({ incident: incident.id, dryRun: false }));
  assert.is(none.result, 'refused');
  assert.match(none.detail, /no policy acts on neighbor-lost/);
  assert.is(none.executed, null);
  lost = false;
  await h.cycles(12);
  const resolved = await h.loop.heal({ incident: incident.id, dryRun: false });
  assert.is(resolved.ok ? '' : resolved.error, 'invalid_argument');
  assert.match(resolved.ok ? '' : resolved.message, /is resolved \(condition cleared\)/);
  absent = true;
  await h.cycles(1);
  const down = await h.loop.heal(manual('hop-penalty-raise', 'eth1', true));
  assert.equal(down, { ok: false, error: 'unavailable', message: 'heal: batman-adv bat0 is absent' });
  assert.is(h.actuator.calls.length, 0);
  assert.is(h.audits.length, 0);
});

t('the audit record of a heal reaches the knowledge store and survives a restart', async () => {
  const dir = tempDir('heal-store');
  try {
    const opened = KnowledgeStore.open(getHost(), dir);
    assert.ok(opened.ok);
    const h = loopHarness({}, mesh(), undefined, opened.store);
    await h.cycles(2);
    const r = report(await h.loop.heal(manual('hop-penalty-raise', 'eth2')));
    const id = r.executed?.audit.id;
    assert.ok(id);
    assert.is(opened.store.audits().at(-1)?.id, id);
    const again = KnowledgeStore.open(getHost(), dir);
    assert.ok(again.ok);
    const stored = again.store.audits().find((a) => a.id === id);
    assert.is(stored?.origin, 'operator');
    assert.is(stored?.result, 'done');
  } finally {
    removeTree(dir);
  }
});

t('a heal waits for an execute phase in progress, then its cooldown refuses the same change', async () => {
  const h = loopHarness({}, mesh(() => true));
  const { rest } = await untilFlapping(h);
  // Hold the actuator: the loop's own step is in flight when the request comes.
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  const realHop = h.actuator.setHopPenalty.bind(h.actuator);
  h.actuator.setHopPenalty = async (ifname: string, value: number) => {
    await held;
    return realHop(ifname, value);
  };
  const cycle = rest();
  await new Promise<void>((r) => getHost().timers.setTimeout(r, 0));
  const pending = h.loop.heal(manual('hop-penalty-raise', 'eth1'));
  await new Promise<void>((r) => getHost().timers.setTimeout(r, 0));
  release();
  await cycle;
  const r = report(await pending);
  assert.is(r.result, 'refused', r.detail);
  assert.match(r.detail, /^cooldown: if:eth1 was changed 0 s ago/);
  assert.equal(hops(h), [['eth1', 30]], 'one change, not two');
});

t('a cycle whose snapshot was read while a heal acted plans nothing (the snapshot may not show the change)', async () => {
  const h = loopHarness({ hopPenaltyStableMs: 20_000 }, mesh());
  await h.cycles(2);
  const letGo = h.holdReads();
  const cycle = h.cycles(1);
  await new Promise<void>((r) => getHost().timers.setTimeout(r, 0));
  assert.is(report(await h.loop.heal(manual('hop-penalty-raise', 'eth1'))).result, 'done');
  letGo();
  await cycle;
  assert.is(h.penalties.get('eth1'), 30);
  // Had the policy planned from the old snapshot (penalty 0 = its original) it would have
  // forgotten the raise, and never restored it.
  await h.cycles(30);
  assert.is(h.penalties.get('eth1'), 0, 'restored after hop_penalty_stable_ms');
});

t.run();
