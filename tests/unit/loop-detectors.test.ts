import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { macHex, type NodeSummary } from '../../runtime/src/alfred/summary.js';
import type { Detector } from '../../runtime/src/loop/detector.js';
import { DeafInterfaceDetector } from '../../runtime/src/loop/detectors/deaf-interface.js';
import { IsolatedNodeDetector } from '../../runtime/src/loop/detectors/isolated-node.js';
import { LinkDegradedDetector } from '../../runtime/src/loop/detectors/link-degraded.js';
import { NeighborLostDetector } from '../../runtime/src/loop/detectors/neighbor-lost.js';
import { RouteFlappingDetector } from '../../runtime/src/loop/detectors/route-flapping.js';
import { UplinkLostDetector } from '../../runtime/src/loop/detectors/uplink-lost.js';
import { IncidentBook } from '../../runtime/src/loop/incidents.js';
import { MONITOR_LIMITS, Monitor } from '../../runtime/src/loop/monitor.js';
import { UplinkProbe } from '../../runtime/src/loop/probe.js';
import type { LoopConfig } from '../../runtime/src/loop/settings.js';
import type { IncidentEvent } from '../../runtime/src/loop/types.js';
import type { MeshSnapshot } from '../../runtime/src/mesh/snapshot.js';
import { config, type SynthMesh, snapshot } from './loop-fixtures.test.js';

const t = suite('loop: detectors');
const A = 'aa:00:00:00:00:0a';
const B = 'aa:00:00:00:00:0b';
const FAR = 'aa:00:00:00:00:99';

/** A monitor, an incident book and one detector, stepped one 1 s cycle at a time. */
function rig(make: (c: () => LoopConfig) => Detector, over: Partial<LoopConfig> = {}) {
  const cfg = config(over);
  const detector = make(() => cfg);
  const monitor = new Monitor('bat0', { ...MONITOR_LIMITS, neighborLostMs: cfg.neighborLostMs, seriesLength: cfg.seriesLength });
  const book = new IncidentBook();
  let now = 10_000;
  const all: IncidentEvent[] = [];
  return {
    book,
    monitor,
    all,
    get now() {
      return now;
    },
    step(m: SynthMesh | MeshSnapshot): IncidentEvent[] {
      now += 1000;
      const view = monitor.observe('meshIfname' in m ? m : snapshot({ wallMs: now, ...m }), now);
      const ev = book.apply(detector, detector.observe(view), { wallMs: now, monoMs: now });
      all.push(...ev);
      return ev;
    },
    opened: () => all.filter((e) => e.type === 'opened'),
    resolved: () => all.filter((e) => e.type === 'resolved'),
  };
}

const twoNeighbours = (lastSeenA = 200, tqA = 240): SynthMesh => ({
  interfaces: [{ ifname: 'eth1', ifindex: 2, rx: 0, tx: 0 }],
  neighbors: [
    { ifname: 'eth1', mac: A, lastSeenMs: lastSeenA, tq: tqA },
    { ifname: 'eth1', mac: B, lastSeenMs: 300, tq: 230 },
  ],
});

t('neighbour lost: opens in the first cycle past neighbor_lost_ms, with evidence, and resolves when heard again', () => {
  const r = rig((c) => new NeighborLostDetector(c));
  for (let i = 0; i < 5; i++) assert.equal(r.step(twoNeighbours()), []);
  const ev = r.step(twoNeighbours(2600));
  assert.is(ev.length, 1);
  assert.is(ev[0]?.type, 'opened');
  const inc = ev[0]!.incident;
  assert.is(inc.kind, 'neighbor-lost');
  assert.is(inc.target, `link:eth1/${A}`);
  assert.is(inc.evidence.values.lastSeenMs, 2600);
  assert.is(inc.evidence.values.thresholdMs, 2000);
  assert.match(inc.evidence.summary, /not heard for 2600 ms/);
  r.step(twoNeighbours(3600));
  for (let i = 0; i < 9; i++) r.step(twoNeighbours(200));
  assert.is(r.resolved().length, 0, 'nine good cycles are not enough (clearAfter 10: a lossy link wobbles)');
  r.step(twoNeighbours(200));
  assert.is(r.resolved().length, 1);
  assert.is(r.resolved()[0]?.incident.id, inc.id);
});

t('neighbour lost: a neighbour that leaves the table counts too', () => {
  const r = rig((c) => new NeighborLostDetector(c));
  r.step(twoNeighbours());
  r.step(twoNeighbours());
  const gone: SynthMesh = { interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: [{ ifname: 'eth1', mac: B }] };
  const ev = r.step(gone);
  assert.is(ev[0]?.incident.evidence.values.inTable, false);
});

t('neighbour lost: hysteresis keeps one incident while a link wobbles every cycle', () => {
  const r = rig((c) => new NeighborLostDetector(c));
  r.step(twoNeighbours());
  for (let i = 0; i < 20; i++) r.step(twoNeighbours(i % 2 === 0 ? 2500 : 200));
  assert.is(r.opened().length, 1);
  assert.is(r.resolved().length, 0);
});

t('link degraded: fires after degraded_cycles below the baseline, not during warm-up or on noise; baseline frozen meanwhile', () => {
  const r = rig((c) => new LinkDegradedDetector(c));
  for (let i = 0; i < 40; i++) assert.equal(r.step(twoNeighbours(200, 238 + (i % 5))), []);
  const before = r.monitor.view.links.get(`eth1/${A}`)!.baseline.mean;
  for (let i = 0; i < 4; i++) assert.equal(r.step(twoNeighbours(200, 100)), [], `cycle ${i + 1} of 5`);
  const ev = r.step(twoNeighbours(200, 100));
  assert.is(ev[0]?.type, 'opened');
  const e = ev[0]!.incident.evidence.values;
  assert.is(e.value, 100);
  assert.ok((e.dropPercent as number) > 50, String(e.dropPercent));
  assert.is(ev[0]!.incident.target, `link:eth1/${A}`);
  assert.ok(Math.abs(r.monitor.view.links.get(`eth1/${A}`)!.baseline.mean - before) < 0.001, 'baseline did not learn the bad samples');
  for (let i = 0; i < 10; i++) r.step(twoNeighbours(200, 240));
  assert.is(r.resolved().length, 1);
});

t('link degraded: no opinion before the warm-up, and a link that was always poor is its own normal', () => {
  const r = rig((c) => new LinkDegradedDetector(c));
  for (let i = 0; i < 10; i++) r.step(twoNeighbours(200, 240));
  for (let i = 0; i < 10; i++) r.step(twoNeighbours(200, 60));
  assert.is(r.opened().length, 0, 'warm-up (30 samples) not reached');
  for (let i = 0; i < 100; i++) r.step(twoNeighbours(200, 60));
  assert.is(r.opened().length, 0);
});

t('link degraded: BATMAN_V throughput is the metric', () => {
  const r = rig((c) => new LinkDegradedDetector(c), { degradedWarmupSamples: 5, degradedCycles: 2 });
  const v = (kbit: number): SynthMesh => ({ algo: 'BATMAN_V', interfaces: [{ ifname: 'wl0', ifindex: 3 }], neighbors: [{ ifname: 'wl0', mac: A, throughputKbit: kbit }] });
  for (let i = 0; i < 10; i++) r.step(v(50_000));
  r.step(v(5_000));
  const ev = r.step(v(5_000));
  assert.is(ev[0]?.incident.evidence.values.metric, 'throughput');
});

/** FAR's route via A or B; the link to A has a lower TQ while the route avoids it (A's link flaps). */
function flapping(via: string, tqAWhenAway = 180): SynthMesh {
  return {
    interfaces: [{ ifname: 'eth1', ifindex: 2 }],
    neighbors: [
      { ifname: 'eth1', mac: A, tq: via === A ? 250 : tqAWhenAway },
      { ifname: 'eth1', mac: B, tq: 250 },
    ],
    routes: [{ originator: FAR, ifname: 'eth1', via }],
  };
}

t('route flapping: best next hop toggling every 4 s is detected within 30 s, stable routes are not', () => {
  const stable = rig((c) => new RouteFlappingDetector(c));
  for (let i = 0; i < 90; i++) stable.step(flapping(A));
  assert.is(stable.opened().length, 0);

  const r = rig((c) => new RouteFlappingDetector(c));
  for (let i = 0; i < 40; i++) r.step(flapping(A)); // past the warm-up (half a window after the first snapshot)
  let openedAt = -1;
  for (let i = 0; i < 60 && openedAt < 0; i++) {
    const ev = r.step(flapping(Math.floor(i / 4) % 2 === 0 ? A : B));
    if (ev.some((e) => e.type === 'opened')) openedAt = i;
  }
  assert.ok(openedAt >= 0 && openedAt <= 30, `opened at ${openedAt} s after the toggling began`);
  const inc = r.opened()[0]!.incident;
  assert.ok((inc.evidence.values.changes as number) >= 4);
  assert.is(inc.evidence.values.ifname, 'eth1');
  // Only the link whose TQ fell is blamed, not the one the route fled to.
  assert.equal(
    r.opened().map((e) => e.incident.target),
    [`link:eth1/${A}`],
  );
  assert.ok((inc.evidence.values.metricDrawdownPercent as number) >= 25, JSON.stringify(inc.evidence.values));
  assert.is(inc.evidence.values.otherLinksDrawdownPercent, 0);
  // Stable again: the window slides, the incident resolves.
  for (let i = 0; i < 80; i++) r.step(flapping(A));
  assert.ok(r.resolved().length >= 1);
});

const WL0 = '02:00:00:00:03:03';
/** alfred sources: our mesh interface's MAC (the synthetic snapshot's) and B's. */
const A_SRC = '02:00:00:00:00:01';
const B_SRC = '02:00:00:00:00:0b';

function deaf(i: number, rxMoving = false, carrier = true): SynthMesh {
  return { interfaces: [{ ifname: 'wl0', ifindex: 3, mac: WL0, carrier, tx: 1000 + i * 10, rx: rxMoving ? 500 + i * 3 : 500 }], neighbors: [] };
}

/** The radio works (a neighbour, packets in) for the first 3 s, then goes deaf. */
function goesDeaf(i: number): SynthMesh {
  if (i >= 3) return deaf(i);
  return { interfaces: [{ ifname: 'wl0', ifindex: 3, mac: WL0, carrier: true, tx: 1000 + i * 10, rx: 400 + i * 50 }], neighbors: [{ ifname: 'wl0', mac: A }] };
}

/** Node B's summary, made at `madeAt` (wall ms), saying it heard `mac` `ageMs` before. */
function heardBy(madeAt: number, mac = WL0, ageMs = 300): NodeSummary {
  return { v: 1, name: 'B', agent: '0.1.0', batman: '2022.3', algo: 'BATMAN_IV', mode: 'auto', health: 'ok', open: 0, kinds: [], neighbors: 1, originators: 1, gw: null, actions: 0, t: Math.floor(madeAt / 1000), ms: madeAt, heard: [[macHex(mac), ageMs]] };
}

t('deaf interface: heard before, then up, carrier, transmitting, nothing received for the whole window while a peer still hears it opens it; not before', () => {
  const r = rig((c) => new DeafInterfaceDetector(c));
  let openedAt = -1;
  for (let i = 0; i < 30 && openedAt < 0; i++) {
    // B keeps hearing wl0 (its summary arrives each cycle): our radio sends but does not receive.
    r.monitor.view.peers.update([{ source: B_SRC, summary: heardBy(r.now) }], A_SRC, r.now);
    if (r.step(goesDeaf(i)).length > 0) openedAt = i;
  }
  // Deaf from i = 3 (the neighbour stays live until neighbor_lost_ms); the 10 s window
  // must then hold only deaf samples.
  assert.ok(openedAt >= 13 && openedAt <= 16, `opened at ${openedAt} s`);
  const e = r.opened()[0]!.incident.evidence.values;
  assert.is(e.rxPackets, 0);
  assert.ok((e.txPackets as number) > 0);
  assert.is(e.carrier, true);
  assert.is(r.opened()[0]!.incident.target, 'if:wl0');
});

t('deaf interface: silent with no peer saying it hears us is a dead link: not deaf at 10 s, deaf after deaf_unconfirmed_window_ms', () => {
  const r = rig((c) => new DeafInterfaceDetector(c));
  let openedAt = -1;
  for (let i = 0; i < 90 && openedAt < 0; i++) {
    // B's summaries arrive, but B no longer hears wl0 (it hears someone else).
    r.monitor.view.peers.update([{ source: B_SRC, summary: heardBy(r.now, 'aa:00:00:00:00:0a') }], A_SRC, r.now);
    if (r.step(goesDeaf(i)).length > 0) openedAt = i;
  }
  assert.ok(openedAt >= 63 && openedAt <= 66, `opened at ${openedAt} s (deaf from 3 s, unconfirmed window 60 s)`);
  assert.match(r.opened()[0]!.incident.evidence.summary, /no peer says it hears it either/);
});

t('deaf interface: accounts from before the silence, from a clock 30 s off, or from ourselves confirm nothing', () => {
  for (const account of [
    (now: number, i: number) => ({ source: B_SRC, summary: heardBy(now, WL0, Math.max(0, i - 3) * 1000 + 5000) }), // B last heard wl0 5 s before it went silent
    (now: number) => ({ source: B_SRC, summary: heardBy(now + 45_000) }), // B's clock is 45 s ahead of ours
    (now: number) => ({ source: A_SRC.toUpperCase(), summary: heardBy(now) }), // our own data (alfred source = our mesh MAC)
  ]) {
    const r = rig((c) => new DeafInterfaceDetector(c));
    for (let i = 0; i < 40; i++) {
      r.monitor.view.peers.update([account(r.now, i)], A_SRC, r.now);
      r.step(goesDeaf(i));
    }
    assert.is(r.opened().length, 0, JSON.stringify(account(0, 0)));
  }
  // An account that reaches us late (alfred syncs every 10 s) but tells of a time after
  // the silence began still confirms: B heard wl0 15 s ago, the silence is 25 s old.
  const r = rig((c) => new DeafInterfaceDetector(c));
  for (let i = 0; i < 30; i++) {
    r.monitor.view.peers.update(i >= 3 + 15 ? [{ source: B_SRC, summary: heardBy(r.now, WL0, 15_000) }] : [], A_SRC, r.now);
    r.step(goesDeaf(i));
  }
  assert.is(r.opened().length, 1, 'a late account from after the silence began confirms');
});

t('deaf interface: one that never heard anyone (a dummy primary0, an unplugged port) is not deaf', () => {
  const r = rig((c) => new DeafInterfaceDetector(c));
  for (let i = 0; i < 60; i++) r.step(deaf(i));
  assert.is(r.opened().length, 0);
});

t('deaf interface: receiving, carrier down, or a live neighbour is not deaf', () => {
  for (const make of [(i: number) => (i < 3 ? goesDeaf(i) : deaf(i, true)), (i: number) => (i < 3 ? goesDeaf(i) : deaf(i, false, false))]) {
    const r = rig((c) => new DeafInterfaceDetector(c));
    for (let i = 0; i < 30; i++) r.step(make(i));
    assert.is(r.opened().length, 0);
  }
  const r = rig((c) => new DeafInterfaceDetector(c));
  for (let i = 0; i < 30; i++) r.step({ ...deaf(i), neighbors: [{ ifname: 'wl0', mac: A }] });
  assert.is(r.opened().length, 0);
});

t('uplink lost: N failures open it; it resolves only after uplink_recoveries successes', () => {
  const probe = new UplinkProbe(() => Promise.resolve({ ok: true, rttMs: 1 }));
  const r = rig((c) => new UplinkLostDetector(c, () => probe.record), { uplinkProbe: 'tcp', uplinkTarget: '192.0.2.1:53' });
  const mesh: SynthMesh = { interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: [{ ifname: 'eth1', mac: A }], gwMode: 'server' };
  probe.note({ ok: true, rttMs: 2 });
  r.step(mesh);
  for (let i = 0; i < 2; i++) {
    probe.note({ ok: false, error: 'ECONNREFUSED' });
    assert.equal(r.step(mesh), []);
  }
  probe.note({ ok: false, error: 'ECONNREFUSED' });
  const ev = r.step(mesh);
  assert.is(ev[0]?.type, 'opened');
  assert.is(ev[0]?.incident.evidence.values.consecutiveFailures, 3);
  assert.is(ev[0]?.incident.evidence.values.lastError, 'ECONNREFUSED');
  for (let i = 0; i < 4; i++) {
    probe.note({ ok: true, rttMs: 3 });
    assert.equal(r.step(mesh), [], `success ${i + 1} of 5`);
  }
  probe.note({ ok: true, rttMs: 3 });
  assert.is(r.step(mesh)[0]?.type, 'resolved');
});

t('uplink lost: disabled without a probe', () => {
  const probe = new UplinkProbe(() => Promise.resolve({ ok: true, rttMs: 1 }));
  const d = new UplinkLostDetector(() => config(), () => probe.record);
  assert.is(d.enabled, false);
});

t('isolated node: no live neighbour for isolated_cycles opens it; neighbours back resolve it', () => {
  const r = rig((c) => new IsolatedNodeDetector(c));
  const alone: SynthMesh = { interfaces: [{ ifname: 'eth1', ifindex: 2 }], neighbors: [] };
  r.step(twoNeighbours());
  for (let i = 0; i < 4; i++) assert.equal(r.step(alone), []);
  assert.is(r.step(alone)[0]?.type, 'opened');
  assert.is(r.opened()[0]?.incident.evidence.values.liveNeighbors, 0);
  for (let i = 0; i < 3; i++) r.step(twoNeighbours());
  assert.is(r.resolved().length, 1);
});

t('isolated node: an absent mesh is not judged', () => {
  const r = rig((c) => new IsolatedNodeDetector(c));
  for (let i = 0; i < 10; i++) r.step({ state: 'absent', interfaces: [] });
  assert.is(r.opened().length, 0);
});

t('monitor: memory is bounded however many neighbours and originators come and go', () => {
  const monitor = new Monitor('bat0', { ...MONITOR_LIMITS, retentionMs: 5000, maxLinks: 64, maxOriginators: 128, seriesLength: 16 });
  let now = 0;
  for (let i = 0; i < 2000; i++) {
    now += 1000;
    const mac = `aa:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    monitor.observe(
      snapshot({ interfaces: [{ ifname: 'eth1', ifindex: 2, tx: i, rx: i }], neighbors: [{ ifname: 'eth1', mac }], routes: [{ originator: `${mac}x`, ifname: 'eth1', via: mac }] }),
      now,
    );
  }
  assert.ok(monitor.view.links.size <= 64, String(monitor.view.links.size));
  assert.ok(monitor.originatorCount <= 128, String(monitor.originatorCount));
  assert.is(monitor.view.interfaces.get('eth1')?.times.length, 16);
});

t('route flapping: routes moving in the first 30 s after the agent starts (the mesh converging) are not flapping', () => {
  const r = rig((c) => new RouteFlappingDetector(c));
  // Toggling every 2 s from the first snapshot on, for 28 s: 14 changes, none counted.
  for (let i = 0; i < 28; i++) r.step(flapping(Math.floor(i / 2) % 2 === 0 ? A : B));
  for (let i = 0; i < 60; i++) r.step(flapping(A));
  assert.is(r.opened().length, 0, JSON.stringify(r.all.map((e) => e.incident.evidence.summary)));
});

t('route flapping: one failure and recovery moving three originators away and back is not flapping; each one toggling is', () => {
  const far = ['aa:00:00:00:00:f1', 'aa:00:00:00:00:f2', 'aa:00:00:00:00:f3'];
  const mesh = (via: (o: number) => string): SynthMesh => ({
    interfaces: [{ ifname: 'eth1', ifindex: 2 }],
    neighbors: [
      { ifname: 'eth1', mac: A, tq: via(0) === A ? 250 : 150 },
      { ifname: 'eth1', mac: B },
    ],
    routes: far.map((originator, o) => ({ originator, ifname: 'eth1', via: via(o) })),
  });
  // The link to A dies for 12 s: all three move to B, then back (6 changes on eth1/A in all).
  const once = rig((c) => new RouteFlappingDetector(c));
  for (let i = 0; i < 100; i++) once.step(mesh(() => (i >= 40 && i < 52 ? B : A)));
  assert.is(once.opened().length, 0, JSON.stringify(once.all.map((e) => e.incident.evidence.summary)));
  // The same three originators toggling every 4 s: flapping, reported for one of them.
  const r = rig((c) => new RouteFlappingDetector(c));
  for (let i = 0; i < 80; i++) r.step(mesh(() => (i >= 30 && Math.floor(i / 4) % 2 === 0 ? B : A)));
  assert.ok(r.opened().length >= 1);
  const v = r.opened()[0]!.incident.evidence.values;
  assert.ok((v.changes as number) >= 6 && far.includes(v.originator as string) && v.originatorsMoved === 3, JSON.stringify(v));
});

t('route flapping: a route alternating between two steady links (equal paths) is not a link fault', () => {
  // FAR toggles between A and B every 4 s, but neither link's TQ moves: what batman-adv
  // does between two paths of equal quality (the lab's square, B to C via A or D).
  const r = rig((c) => new RouteFlappingDetector(c));
  for (let i = 0; i < 120; i++) r.step(flapping(i >= 30 && Math.floor(i / 4) % 2 === 0 ? B : A, 250));
  assert.is(r.opened().length, 0, JSON.stringify(r.all.map((e) => e.incident.evidence.summary)));
});

t('route flapping: a link whose TQ dips only a little (under flap_drawdown_percent) is not blamed', () => {
  const r = rig((c) => new RouteFlappingDetector(c));
  for (let i = 0; i < 120; i++) r.step(flapping(i >= 30 && Math.floor(i / 4) % 2 === 0 ? B : A, 245));
  assert.is(r.opened().length, 0, 'a 2% dip');
  const low = rig((c) => new RouteFlappingDetector(c), { flapDrawdownPercent: 1 });
  for (let i = 0; i < 120; i++) low.step(flapping(i >= 30 && Math.floor(i / 4) % 2 === 0 ? B : A, 245));
  assert.equal(
    low.opened().map((e) => e.incident.target),
    [`link:eth1/${A}`],
  );
});

t('route flapping: a neighbour that goes unheard is a fall to 0 (the link, not the route it moved to)', () => {
  const r = rig((c) => new RouteFlappingDetector(c));
  const mesh = (i: number): SynthMesh => {
    const away = i >= 30 && Math.floor(i / 4) % 2 === 0;
    return {
      interfaces: [{ ifname: 'eth1', ifindex: 2 }],
      neighbors: [
        { ifname: 'eth1', mac: A, lastSeenMs: away ? 3000 : 200 },
        { ifname: 'eth1', mac: B },
      ],
      routes: [{ originator: FAR, ifname: 'eth1', via: away ? B : A }],
    };
  };
  for (let i = 0; i < 80; i++) r.step(mesh(i));
  assert.equal(
    r.opened().map((e) => e.incident.target),
    [`link:eth1/${A}`],
  );
  assert.is(r.opened()[0]?.incident.evidence.values.metricDrawdownPercent, 100);
});

t('monitor: best-next-hop changes are counted on both links', () => {
  const monitor = new Monitor('bat0');
  monitor.observe(snapshot(flapping(A)), 1000);
  monitor.observe(snapshot(flapping(B)), 2000);
  monitor.observe(snapshot(flapping(A)), 3000);
  assert.is(monitor.view.links.get(`eth1/${A}`)?.routeChanges.length, 2);
  assert.is(monitor.view.links.get(`eth1/${B}`)?.routeChanges.length, 2);
  assert.is(monitor.view.node.routeChanges.length, 2);
});

t.run();
