import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { macHex, type NodeSummary } from '../../runtime/src/alfred/summary.js';
import { getHost } from '../../runtime/src/host/index.js';
import { KnowledgeStore } from '../../runtime/src/knowledge/store.js';
import { Executor } from '../../runtime/src/loop/executor.js';
import { Monitor } from '../../runtime/src/loop/monitor.js';
import type { LoopConfig } from '../../runtime/src/loop/settings.js';
import type { Incident, PlannedAction } from '../../runtime/src/loop/types.js';
import { removeTree, tempDir } from '../support/tmp.js';
import { config, flappingMesh, loopHarness, RecordingActuator, type SynthInterface, type SynthMesh, snapshot } from './loop-fixtures.test.js';

const t = suite('loop: policies and the safe executor');
const A = 'aa:00:00:00:00:0a';
const B = 'aa:00:00:00:00:0b';

t('flapping link: hop penalty raised in steps (one per cooldown, capped), restored after stable; every action audited', async () => {
  let flap = true;
  const h = loopHarness({ hopPenaltyStep: 30, hopPenaltyMax: 60, cooldownMs: 20_000, hopPenaltyStableMs: 30_000 }, flappingMesh(() => flap));
  await h.cycles(120);
  const hops = h.actuator.calls.filter((c) => c.op === 'hop');
  assert.equal(hops.map((c) => c.args), [['eth1', 30], ['eth1', 60]], 'two steps, capped at 60');
  assert.is(h.penalties.get('eth1'), 60);
  flap = false;
  await h.cycles(150);
  assert.equal(h.actuator.calls.filter((c) => c.op === 'hop').at(-1)?.args, ['eth1', 0], 'restored to the original 0');
  const hopAudits = h.audits.filter((a) => a.action.kind === 'set-hop-penalty');
  assert.is(hopAudits.length, 3);
  for (const a of hopAudits) {
    assert.is(a.result, 'done');
    assert.ok(a.incidentId?.startsWith('inc-'));
    assert.ok(a.evidence.summary.length > 0);
  }
  assert.is(hopAudits[0]?.incidentKind, 'route-flapping');
});

t("a raised hop penalty is kept while the link's own TQ still wobbles, though the routes no longer flap", async () => {
  // Phase 1 (cycles < 60): the link to ..:0a flaps and the route with it. Phase 2 (< 240):
  // the route stays on ..:0b (what the raise achieves) but ..:0a's TQ still toggles.
  // Phase 3: ..:0a is steady again.
  const flap = flappingMesh(() => true);
  const mesh = (cycle: number): SynthMesh => {
    if (cycle < 60) return flap(cycle);
    const m = flap(cycle);
    const wobble = cycle < 240 && Math.floor(cycle / 4) % 2 === 1;
    return {
      ...m,
      neighbors: (m.neighbors ?? []).map((n) => (n.mac === 'aa:00:00:00:00:0a' ? { ...n, tq: wobble ? 180 : 250 } : n)),
      routes: [{ originator: 'aa:00:00:00:00:99', ifname: 'eth1', via: 'aa:00:00:00:00:0b' }],
    };
  };
  const h = loopHarness({ hopPenaltyStep: 30, hopPenaltyMax: 60, cooldownMs: 20_000, hopPenaltyStableMs: 30_000 }, mesh);
  await h.cycles(240);
  assert.is(h.penalties.get('eth1'), 60, 'raised, and still raised after 180 s without route changes');
  await h.cycles(120);
  assert.is(h.penalties.get('eth1'), 0, 'restored once the TQ stopped falling (window 60 s + stable 30 s)');
  const restore = h.audits.filter((a) => a.action.kind === 'set-hop-penalty').at(-1);
  assert.match(restore?.reason ?? '', /metric fell 0% at most/);
});

t('a hop penalty raised before a kill -9 is restored by the next run once the link is stable', async () => {
  const dir = tempDir('hop-resume');
  try {
    const cfg = { hopPenaltyStep: 30, hopPenaltyMax: 60, cooldownMs: 20_000, hopPenaltyStableMs: 30_000 };
    const first = KnowledgeStore.open(getHost(), dir);
    assert.ok(first.ok);
    const h1 = loopHarness(cfg, flappingMesh(() => true), undefined, first.store);
    await h1.cycles(120);
    assert.is(h1.penalties.get('eth1'), 60);
    // Killed here; the kernel keeps 60. The next run reads the store.
    const again = KnowledgeStore.open(getHost(), dir);
    assert.ok(again.ok);
    const quiet = flappingMesh(() => false);
    const h2 = loopHarness(cfg, (c) => ({ ...quiet(c), interfaces: quiet(c).interfaces.map((i) => (i.ifname === 'eth1' ? { ...i, hopPenalty: 60 } : i)) }), undefined, again.store);
    await h2.cycles(25);
    assert.is(h2.actuator.calls.length, 0, 'not before hop_penalty_stable_ms');
    await h2.cycles(15);
    assert.equal(
      h2.actuator.calls.map((c) => [c.op, ...c.args]),
      [['hop', 'eth1', 0]],
    );
    assert.is(h2.audits.at(-1)?.restoring, true);
    // Restored and recorded: a further restart has nothing to adopt, whatever the value now.
    const third = KnowledgeStore.open(getHost(), dir);
    assert.ok(third.ok);
    const h3 = loopHarness(cfg, (c) => ({ ...quiet(c), interfaces: quiet(c).interfaces.map((i) => (i.ifname === 'eth1' ? { ...i, hopPenalty: 45 } : i)) }), undefined, third.store);
    await h3.cycles(60);
    assert.is(h3.actuator.calls.length, 0, 'restored already (the store says so)');
  } finally {
    removeTree(dir);
  }
});

/** wl0 hears B for the first 3 cycles, then goes deaf until `healAfterRestarts` restarts. */
const WL0 = '02:00:00:00:03:03';

/** Another node's summary (alfred) saying it heard `mac` `ageMs` ago, made at `wallMs`. */
function peerSummary(name: string, mac: string, wallMs: number, ageMs = 300): NodeSummary {
  return { v: 1, name, agent: '0.1.0', batman: '2022.3', algo: 'BATMAN_IV', mode: 'auto', health: 'ok', open: 0, kinds: [], neighbors: 1, originators: 1, gw: null, actions: 0, t: Math.floor(wallMs / 1000), ms: wallMs, heard: [[macHex(mac), ageMs]] };
}
/** Peers that still hear our wl0: its radio sends, so it is our receiver that is deaf. */
const wl0StillHeard = (wallMs: number) => [{ source: '02:00:00:00:00:02', summary: peerSummary('node2', WL0, wallMs) }];

function deafMesh(healAfterRestarts: number | null, actuator: () => RecordingActuator) {
  return (cycle: number): SynthMesh => {
    const restarts = actuator().calls.filter((c) => c.op === 'restart').length;
    const healed = cycle < 3 || (healAfterRestarts !== null && restarts >= healAfterRestarts);
    return {
      interfaces: [
        { ifname: 'wl0', ifindex: 3, mac: WL0, tx: cycle * 20, rx: healed ? cycle * 20 : 7 },
        { ifname: 'eth1', ifindex: 2, tx: cycle * 5, rx: cycle * 5 },
      ],
      neighbors: [{ ifname: 'eth1', mac: A }, ...(healed ? [{ ifname: 'wl0', mac: B }] : [])],
    };
  };
}

t('deaf interface that a restart fixes: one restart, then quiet', async () => {
  let act: RecordingActuator | null = null;
  const h = loopHarness({}, deafMesh(1, () => act!), undefined, null, wl0StillHeard);
  act = h.actuator;
  await h.cycles(60);
  const restarts = h.actuator.calls.filter((c) => c.op === 'restart');
  assert.equal(restarts.map((c) => c.args), [['wl0', 'link']]);
  const first = h.audits.find((a) => a.action.kind === 'restart-interface');
  assert.is(first?.result, 'done');
  assert.is(h.loop.status().open.filter((i) => i.kind === 'deaf-interface').length, 0);
});

t('dead link (nobody hears wl0 either): no restart while batman-adv reroutes; one only after deaf_unconfirmed_window_ms', async () => {
  let act: RecordingActuator | null = null;
  // The peers' summaries arrive but none names wl0 (they no longer hear it).
  const h = loopHarness({}, deafMesh(1, () => act!), undefined, null, (wallMs) => [{ source: '02:00:00:00:00:02', summary: peerSummary('node2', 'aa:00:00:00:00:0a', wallMs) }]);
  act = h.actuator;
  await h.cycles(45);
  assert.equal(h.actuator.calls.filter((c) => c.op === 'restart'), [], 'restarted a dead link within 45 s');
  await h.cycles(30);
  const restarts = h.actuator.calls.filter((c) => c.op === 'restart');
  assert.equal(restarts.map((c) => c.args), [['wl0', 'link']], 'a radio silent both ways for a minute is still worth one restart');
});

t('deaf interface that a restart does not fix: restart_max restarts, one alert, then nothing more', async () => {
  let act: RecordingActuator | null = null;
  const h = loopHarness({ restartMax: 2, restartMethod: 'ubus', cooldownMs: 15_000 }, deafMesh(null, () => act!));
  act = h.actuator;
  await h.cycles(400);
  const restarts = h.actuator.calls.filter((c) => c.op === 'restart');
  assert.equal(restarts.map((c) => c.args), [['wl0', 'ubus'], ['wl0', 'ubus']]);
  const alerts = h.audits.filter((a) => a.action.kind === 'alert');
  assert.is(alerts.length, 1);
  assert.ok(h.lines.some((l) => l.startsWith('err ALERT wl0 is still deaf after 2 restart(s)')), h.lines.join('\n'));
});

t('deaf restarts survive a kill -9 of the agent: no new round of restart_max restarts, no second alert', async () => {
  const dir = tempDir('deaf-resume');
  const restarts = (h: { actuator: RecordingActuator }) => h.actuator.calls.filter((c) => c.op === 'restart').map((c) => c.args);
  try {
    const cfg = { restartMax: 2, restartMethod: 'ubus' as const, cooldownMs: 15_000 };
    const first = KnowledgeStore.open(getHost(), dir);
    assert.ok(first.ok);
    let act1: RecordingActuator | null = null;
    const h1 = loopHarness(cfg, deafMesh(null, () => act1!), undefined, first.store);
    act1 = h1.actuator;
    for (let i = 0; i < 300 && restarts(h1).length < 1; i++) await h1.cycles(1);
    assert.equal(restarts(h1), [['wl0', 'ubus']]);
    // Killed after one restart; respawned with the same store and the radio still deaf.
    const again = KnowledgeStore.open(getHost(), dir);
    assert.ok(again.ok);
    let act2: RecordingActuator | null = null;
    const h2 = loopHarness(cfg, deafMesh(null, () => act2!), undefined, again.store);
    act2 = h2.actuator;
    await h2.cycles(400);
    assert.equal(restarts(h2), [['wl0', 'ubus']], 'one more restart (2 of restart_max 2), not a new round');
    assert.is(h2.audits.filter((a) => a.action.kind === 'alert').length, 1);
    // And once more: everything is spent, nothing at all happens.
    const third = KnowledgeStore.open(getHost(), dir);
    assert.ok(third.ok);
    let act3: RecordingActuator | null = null;
    const h3 = loopHarness(cfg, deafMesh(null, () => act3!), undefined, third.store);
    act3 = h3.actuator;
    await h3.cycles(400);
    assert.is(h3.actuator.calls.length, 0);
    assert.is(h3.audits.filter((a) => a.action.kind === 'alert').length, 0, 'alerted already (the store says so)');
  } finally {
    removeTree(dir);
  }
});

t('gateway uplink lost: gateway mode off, then server again with its bandwidths once the uplink is back', async () => {
  let up = true;
  const mesh = (): SynthMesh => ({ interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: [{ ifname: 'eth1', mac: A }] });
  const h = loopHarness({ uplinkProbe: 'tcp', uplinkTarget: '192.0.2.1:80', uplinkIntervalMs: 1000, uplinkFailures: 3, uplinkRecoveries: 3 }, mesh, () => up);
  for (let i = 0; i < 5; i++) {
    await h.cycles(1);
    await h.settle();
  }
  assert.is(h.gw, 'server');
  up = false;
  let offAfter = -1;
  for (let i = 0; i < 15 && offAfter < 0; i++) {
    await h.cycles(1);
    await h.settle();
    if (h.gw === 'off') offAfter = i + 1;
  }
  assert.ok(offAfter > 0 && offAfter <= 10, `gateway off after ${offAfter} s`);
  up = true;
  for (let i = 0; i < 15; i++) {
    await h.cycles(1);
    await h.settle();
  }
  assert.is(h.gw, 'server');
  const gwAudits = h.audits.filter((a) => a.action.kind === 'set-gateway-mode');
  assert.equal(gwAudits.map((a) => (a.action.kind === 'set-gateway-mode' ? a.action.mode : '')), ['off', 'server']);
  const restore = gwAudits[1]?.action;
  assert.ok(restore?.kind === 'set-gateway-mode' && restore.bandwidthDownKbit === 50_000 && restore.bandwidthUpKbit === 10_000);
});

t('isolated node: the hook runs once and is undone when neighbours return', async () => {
  let alone = false;
  const mesh = (): SynthMesh => ({ interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: alone ? [] : [{ ifname: 'eth1', mac: A }] });
  const h = loopHarness({ isolatedHook: 'ssid offline', isolatedUndoHook: 'ssid online' }, mesh);
  await h.cycles(5);
  alone = true;
  await h.cycles(30);
  alone = false;
  await h.cycles(10);
  assert.equal(
    h.actuator.calls.filter((c) => c.op === 'hook').map((c) => c.args),
    [['ssid offline', 'isolated'], ['ssid online', 'isolated-undo']],
  );
});

t('no faults: zero actions', async () => {
  const h = loopHarness({ isolatedHook: 'x' }, flappingMesh(() => false));
  await h.cycles(300);
  assert.is(h.actuator.calls.length, 0);
  assert.is(h.audits.length, 0);
  assert.is(h.loop.status().open.length, 0);
});

t('advise mode plans and records but acts on nothing; off mode does not even plan', async () => {
  const advise = loopHarness({ mode: 'advise' }, flappingMesh(() => true));
  await advise.cycles(120);
  assert.is(advise.actuator.calls.length, 0);
  assert.ok(advise.audits.length > 0);
  assert.ok(advise.audits.every((a) => a.result === 'advised' && a.mode === 'advise'));
  const off = loopHarness({ mode: 'off' }, flappingMesh(() => true));
  await off.cycles(120);
  assert.is(off.actuator.calls.length, 0);
  assert.is(off.audits.length, 0);
  assert.ok(off.loop.status().open.length > 0, 'incidents are still detected');
});

t('excluded interfaces are never acted on; the refusal is recorded once', async () => {
  const h = loopHarness({ excludeInterfaces: ['eth1'] }, flappingMesh(() => true));
  await h.cycles(200);
  assert.is(h.actuator.calls.length, 0);
  const refused = h.audits.filter((a) => a.result === 'refused');
  assert.is(refused.length, 1);
  assert.match(refused[0]!.detail, /excluded/);
});

t('budget holds under a storm: twenty flapping interfaces, at most action_budget changes per 10 minutes', async () => {
  const n = 20;
  const mesh = (cycle: number): SynthMesh => {
    const interfaces: SynthInterface[] = [];
    const neighbors = [];
    const routes = [];
    for (let i = 0; i < n; i++) {
      const ifname = `m${i}`;
      const a = `aa:00:00:00:${i.toString(16).padStart(2, '0')}:0a`;
      const b = `aa:00:00:00:${i.toString(16).padStart(2, '0')}:0b`;
      interfaces.push({ ifname, ifindex: 10 + i, rx: cycle, tx: cycle });
      // b's link goes bad and good again every 3 s: the route leaves it and comes back.
      const bBad = Math.floor(cycle / 3) % 2 === 1;
      neighbors.push({ ifname, mac: a }, { ifname, mac: b, tq: bBad ? 170 : 250 });
      routes.push({ originator: `ff:00:00:00:${i.toString(16).padStart(2, '0')}:99`, ifname, via: bBad ? a : b });
    }
    return { interfaces, neighbors, routes };
  };
  const h = loopHarness({ budgetPer10Min: 5, cooldownMs: 1000, hopPenaltyMax: 255, hopPenaltyStep: 1 }, mesh);
  await h.cycles(600);
  assert.is(h.actuator.calls.length, 5);
  await h.cycles(600);
  assert.is(h.actuator.calls.length, 10, 'the next window allows the next five');
  const done = h.audits.filter((a) => a.result === 'done');
  assert.is(done.length, h.actuator.calls.length, 'an audit record for every action');
  const refused = h.audits.filter((a) => a.result === 'refused');
  assert.ok(refused.length <= 2 * n, `refusals are recorded once per target and reason, got ${refused.length}`);
});

t('a failed action is audited as failed', async () => {
  let act: RecordingActuator | null = null;
  const h = loopHarness({}, deafMesh(null, () => act!), undefined, null, wl0StillHeard);
  act = h.actuator;
  h.actuator.fail = true;
  await h.cycles(20);
  const a = h.audits.find((x) => x.action.kind === 'restart-interface');
  assert.is(a?.result, 'failed');
  assert.match(a?.detail ?? '', /refused by the test/);
});

function incident(kind: Incident['kind'], target: string): Incident {
  const evidence = { summary: 'test', values: {} };
  return { id: 'inc-test-1', kind, target, severity: 'warning', status: 'open', startedAtMs: 0, startedMono: 0, updatedAtMs: 0, resolvedAtMs: null, openedWith: evidence, evidence, resolveReason: null };
}

function executorRig(over: Partial<LoopConfig> = {}) {
  let now = 0;
  const actuator = new RecordingActuator();
  const cfg = config(over);
  const executor = new Executor(() => cfg, actuator, { wallMs: () => now, monoMs: () => now });
  const monitor = new Monitor('bat0');
  const observe = (m: SynthMesh) => monitor.observe(snapshot(m), now);
  return {
    executor,
    actuator,
    observe,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

t('after a restart the changes of the last 10 minutes from the store count against the budget, and cooldowns go on', async () => {
  // The first run: five hop-penalty changes on five interfaces, one undo, one alert.
  const first = executorRig({ budgetPer10Min: 6, cooldownMs: 30_000 });
  const ifs = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'];
  const view1 = first.observe({ interfaces: ifs.map((ifname, i) => ({ ifname, ifindex: 10 + i })), neighbors: [{ ifname: 'm0', mac: A }] });
  const hop = (ifname: string, restoring = false): PlannedAction => ({
    policy: 'test',
    target: `if:${ifname}`,
    params: { kind: 'set-hop-penalty', ifname, from: 0, to: 30 },
    incident: incident('route-flapping', `link:${ifname}/x`),
    reason: 'test',
    priority: 50,
    preconditions: [],
    ...(restoring ? { restoring: true } : {}),
  });
  const records = [];
  for (const ifname of ifs.slice(0, 5)) {
    first.advance(60_000);
    records.push(...(await first.executor.execute([hop(ifname)], view1)).map((x) => x.audit));
  }
  first.advance(1000);
  records.push(...(await first.executor.execute([hop('m0', true)], view1)).map((x) => x.audit));
  assert.equal(
    records.map((r) => [r.result, r.restoring === true]),
    [...Array(5).fill(['done', false]), ['done', true]],
  );
  // The agent is killed and starts again 5 s later: same wall clock, a new monotonic one.
  const second = executorRig({ budgetPer10Min: 6, cooldownMs: 30_000 });
  second.advance(records.at(-1)!.atMs + 5000);
  assert.is(second.executor.resume(records), 5, 'five changes count, the undo does not');
  const view2 = second.observe({ interfaces: ifs.map((ifname, i) => ({ ifname, ifindex: 10 + i })), neighbors: [{ ifname: 'm0', mac: A }] });
  const cooled = await second.executor.execute([hop('m4')], view2);
  assert.is(cooled.length, 0, 'm4 changed 6 s ago: its cooldown goes on (waits silently)');
  const sixth = await second.executor.execute([hop('m5')], view2);
  assert.is(sixth[0]?.result, 'done');
  const seventh = await second.executor.execute([hop('m6')], view2);
  assert.is(seventh[0]?.result, 'refused');
  assert.match(seventh[0]!.audit.detail, /budget spent/);
  // Ten minutes after the first change, it no longer counts.
  const later = executorRig({ budgetPer10Min: 6 });
  later.advance(records[0]!.atMs + 600_001);
  assert.is(later.executor.resume(records), 4);
});

t('never restarts the last mesh interface that hears a neighbour', async () => {
  const r = executorRig();
  const view = r.observe({ interfaces: [{ ifname: 'wl0', ifindex: 3 }, { ifname: 'wl1', ifindex: 4 }], neighbors: [{ ifname: 'wl0', mac: A }] });
  const action: PlannedAction = {
    policy: 'test',
    target: 'if:wl0',
    params: { kind: 'restart-interface', ifname: 'wl0', method: 'link', attempt: 1 },
    incident: incident('deaf-interface', 'if:wl0'),
    reason: 'test',
    priority: 1,
    preconditions: [],
  };
  const out = await r.executor.execute([action], view);
  assert.is(r.actuator.calls.length, 0);
  assert.is(out[0]?.result, 'refused');
  assert.match(out[0]!.audit.detail, /last mesh interface/);
  const notMesh = await r.executor.execute([{ ...action, target: 'if:lan', params: { kind: 'restart-interface', ifname: 'lan', method: 'link', attempt: 1 } }], view);
  assert.match(notMesh[0]!.audit.detail, /not a hard interface/);
});

t('one change per target per cycle (highest priority), a cooldown per target, preconditions checked', async () => {
  const r = executorRig({ cooldownMs: 10_000 });
  const view = r.observe({ interfaces: [{ ifname: 'eth1', ifindex: 2 }, { ifname: 'eth2', ifindex: 3 }], neighbors: [{ ifname: 'eth2', mac: A }] });
  const hop = (to: number, priority: number): PlannedAction => ({
    policy: 'test',
    target: 'if:eth1',
    params: { kind: 'set-hop-penalty', ifname: 'eth1', from: 0, to },
    incident: incident('route-flapping', 'link:eth1/x'),
    reason: 'test',
    priority,
    preconditions: [],
  });
  await r.executor.execute([hop(10, 1), hop(20, 5)], view);
  assert.equal(r.actuator.calls.map((c) => c.args), [['eth1', 20]]);
  r.advance(5000);
  assert.equal(await r.executor.execute([hop(30, 1)], view), [], 'cooling down: silently later');
  r.advance(5000);
  await r.executor.execute([hop(30, 1)], view);
  assert.is(r.actuator.calls.length, 2);
  r.advance(20_000);
  const pre = await r.executor.execute([{ ...hop(40, 1), preconditions: [{ name: 'penalty unchanged', check: () => 'changed meanwhile' }] }], view);
  assert.is(pre[0]?.result, 'refused');
  assert.match(pre[0]!.audit.detail, /precondition 'penalty unchanged' failed/);
  assert.is(r.actuator.calls.length, 2);
});

t('rollback: a change after which far fewer originators are reachable is undone and the target left alone', async () => {
  const r = executorRig({ verifyMs: 20_000, rollbackDropPercent: 30, cooldownMs: 1000 });
  const many = { interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: [{ ifname: 'eth1', mac: A }], routes: [1, 2, 3, 4, 5].map((i) => ({ originator: `ff:00:00:00:00:0${i}`, ifname: 'eth1', via: A })) };
  const few = { ...many, routes: many.routes.slice(0, 2) };
  const action: PlannedAction = {
    policy: 'test',
    target: 'if:eth1',
    params: { kind: 'set-hop-penalty', ifname: 'eth1', from: 0, to: 30 },
    undo: { kind: 'set-hop-penalty', ifname: 'eth1', from: 30, to: 0 },
    incident: incident('link-degraded', 'link:eth1/x'),
    reason: 'test',
    priority: 1,
    preconditions: [],
  };
  await r.executor.execute([action], r.observe(many));
  assert.is(r.executor.pendingVerifications, 1);
  r.advance(10_000);
  assert.equal(await r.executor.execute([], r.observe(few)), [], 'not judged before verify_ms');
  r.advance(10_000);
  const out = await r.executor.execute([], r.observe(few));
  assert.is(out[0]?.result, 'rolled-back');
  assert.match(out[0]!.audit.detail, /reachable originators fell from 6 to 3/);
  assert.equal(r.actuator.calls.map((c) => c.args), [['eth1', 30], ['eth1', 0]]);
  r.advance(2000);
  assert.equal(await r.executor.execute([action], r.observe(many)), [], 'the target is left alone after a rollback');
  assert.is(r.actuator.calls.length, 2);
});

t('a change that did no harm is kept', async () => {
  const r = executorRig({ verifyMs: 1000 });
  const m = { interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: [{ ifname: 'eth1', mac: A }] };
  const action: PlannedAction = {
    policy: 'test',
    target: 'if:eth1',
    params: { kind: 'set-hop-penalty', ifname: 'eth1', from: 0, to: 30 },
    undo: { kind: 'set-hop-penalty', ifname: 'eth1', from: 30, to: 0 },
    incident: incident('link-degraded', 'link:eth1/x'),
    reason: 'test',
    priority: 1,
    preconditions: [],
  };
  await r.executor.execute([action], r.observe(m));
  r.advance(2000);
  assert.equal(await r.executor.execute([], r.observe(m)), []);
  assert.is(r.executor.pendingVerifications, 0);
  assert.is(r.actuator.calls.length, 1);
});

t('the node summary reflects open incidents', async () => {
  // 6 per window: 7 changes in the 30 s counted so far are a warning, not critical (12).
  const h = loopHarness({ flapChangesPerWindow: 6 }, flappingMesh(() => true));
  await h.cycles(60); // the first 30 s are the flapping detector's warm-up
  const s = h.loop.summary();
  assert.is(s.health, 'degraded');
  assert.ok(s.kinds.includes('route-flapping'));
  assert.is(s.name, 'node1');
  assert.is(s.batman, '2022.3');
});

t.run();
