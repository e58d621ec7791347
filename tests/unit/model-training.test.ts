/**
 * The training pipeline's parts (model/lib), on small synthetic inputs (never used
 * for the shipped model): the labeller turns a lab timeline's faults into intervals
 * and labels recorded rows by them; ROC AUC and incident hysteresis; the autoencoder
 * trainer learns (loss falls) and is deterministic; the replay gives the router's
 * scorer the recorded vectors and matches scoring the live view.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LINK_FEATURES_V1, linkFeatures, log2p1, NODE_FEATURES_V1, nodeFeatures } from '../../runtime/src/model/features.js';
import type { MeshView } from '../../runtime/src/loop/monitor.js';
import { ModelScorer, SCORER_DEFAULTS } from '../../runtime/src/model/scorer.js';
import { initNetwork, rng, train } from '../../model/lib/autoencoder.js';
import { labelAt, labelNode, parseTimeline, type Row, withNodeProbeSummaries, withSilenceSeconds } from '../../model/lib/labels.js';
import { averagePathLength, forestScore, parseForest } from '../../model/lib/iforest.js';
import { atFalseAlarmRate, compareDelays, detectionDelays, falseAlarmCauses, incidentRows, liveModelDelay, prf, rocAuc, ruleIncidentsOutsideFaults, rulesDelay } from '../../model/lib/metrics.js';
import { earlyCycleTimes, incidentsByRun, replayFloat, replayInt8 } from '../../model/lib/replay.js';
import { f1At, HELD_OUT_KINDS, quantile, SELECTION_KINDS } from '../../model/lib/selection.js';
import { IF_NAME, meshSim, neighborMac, testModel } from '../support/model-fixture.js';

const t = suite('model: training pipeline');

const T0 = 5_000_000; // guest monotonic ms at setup
const rec = (o: Record<string, unknown>) => JSON.stringify(o);
const TIMELINE = [
  rec({ type: 'lab', t: 0, what: 'setup', guestT0: T0, topology: '/x/freifunk-test.json', nodes: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], links: [{ link: 'A~B', ifA: 'mesh0', ifB: 'mesh0' }, { link: 'B~C', ifA: 'mesh1', ifB: 'mesh0' }] }),
  rec({ type: 'fault', t: 10_000, tEnd: 10_000, fault: { do: 'mark', label: 'start' } }),
  rec({ type: 'fault', t: 100_000, tEnd: 100_500, fault: { do: 'flap', link: 'A~B', period: 120, duty: 0.5, count: 1, impair: { loss: 40 } }, detail: 'started' }),
  rec({ type: 'fault', t: 100_100, tEnd: 100_400, fault: { do: 'set_link', link: 'A~B', impair: { loss: 40 } }, detail: 'flap 1/1: impaired' }),
  rec({ type: 'fault', t: 160_100, tEnd: 160_400, fault: { do: 'set_link', link: 'A~B', impair: {} }, detail: 'flap 1/1: restored' }),
  rec({ type: 'agent', t: 108_000, node: 'A', stream: 'stderr', line: '2026-01-01T00:00:00Z notice incident i-1 opened: link-degraded link:mesh0/02:01:00:00:00:01: tq 100' }),
  rec({ type: 'agent', t: 2_000, node: 'B', stream: 'stderr', line: '2026-01-01T00:00:00Z notice model: /x/model/x0tta6bl4.model ("lab ulm-b (2)"), link threshold 6389, node threshold 13909; its incidents are advisory' }),
  rec({ type: 'fault', t: 300_000, tEnd: 300_900, fault: { do: 'node_crash', node: 'C' } }),
  rec({ type: 'fault', t: 360_000, tEnd: 360_900, fault: { do: 'node_restore', node: 'C' } }),
  rec({ type: 'fault', t: 400_000, tEnd: 400_200, fault: { do: 'deaf', node: 'A', link: 'A~B' } }),
  rec({ type: 'lab', t: 450_000, what: 'teardown' }),
].join('\n');

t("the early cycle an agent running the model would have run, placed in rows recorded without it", () => {
  // One link, one row a second; its probes stop at t = 9.3: 0.7 s silent at t = 10, 1.7 s at t = 11.
  const S = 0; // the probe silence's index in these rows
  const row = (t: number, silence: number, key = 'k'): Row => ({ run: 'r', topo: 'x', node: 'A', epoch: 0, target: 'link', key, link: 'A~B', t, c: t, y: 'normal', live: true, m: 1, f: [silence] });
  const place = (rows: Row[], urgentAt: number, passMs: number | null) =>
    earlyCycleTimes(
      rows,
      rows.map((r) => r.t === urgentAt),
      rows.map(() => passMs),
      S,
    );
  const dead = [row(9, 0.1), row(10, 0.7), row(11, 1.7)];
  // Out of range at 1.2 s of silence: the agent looked 1.2 s + 30 ms after the last probe.
  const at = place(dead, 11, 1200)[2] as number;
  assert.ok(Math.abs(at - (10 - 0.7 + 1.23)) < 1e-9, `placed at ${at}`);
  assert.equal(place(dead, 11, 1200).slice(0, 2), [null, null], 'only the row judged out of range');
  // No early cycle: its probes had not stopped at the cycle before (0.4 s < 2.5 intervals of 200 ms)...
  assert.is(place([row(9, 0.1), row(10, 0.4), row(11, 1.4)], 11, 1200)[2], null);
  // ...a probe arrived in between (the silence grew by less than the time that passed)...
  assert.is(place([row(9, 0.1), row(10, 0.7), row(11, 0.9)], 11, 800)[2], null);
  // ...the silence at the row had not reached the test (out of range by another feature)...
  assert.is(place(dead, 11, 1800)[2], null);
  // ...it was out of range at the cycle before already, or the link is not warm, or the row is that cycle.
  assert.is(place(dead, 11, 700)[2], null);
  assert.is(place(dead, 11, null)[2], null);
  assert.is(place(dead, 11, 1650)[2], null, 'within 0.1 s of the row');
  // Another link's rows in between do not count as this link's cycle before.
  assert.ok(typeof place([row(9, 0.1), row(10, 0.7), row(10, 0, 'j'), row(11, 1.7)], 11, 1200)[3] === 'number');
  // The detection delay takes the placed time, and never before the fault's start.
  const fault = [{ run: 'r', kind: 'dead-link', links: ['A~B'], start: 9.5, end: 20 }];
  const opened = new Set([2]);
  assert.equal(detectionDelays(dead, fault, opened, [null, null, at]).map((d) => d.delay), [1]);
  assert.equal(detectionDelays(dead, fault, opened).map((d) => d.delay), [1.5]);
  assert.equal(detectionDelays(dead, [{ ...fault[0]!, start: 10.95 }], opened, [null, null, at]).map((d) => d.delay), [0]);
});

t('the labeller: fault intervals from the timeline, labels by link and time', () => {
  const tl = parseTimeline(TIMELINE);
  assert.is(tl.start, 10);
  assert.equal(
    tl.faults.map((f) => [f.kind, f.links, f.start, f.end]),
    [
      ['loss', ['A~B'], 90, 150.1],
      ['node-crash', ['B~C'], 290, 350],
      ['deaf', ['A~B'], 390, 440],
    ],
  );
  assert.equal(tl.incidents, [{ node: 'A', t: 98, kind: 'link-degraded', target: 'link:mesh0/02:01:00:00:00:01' }]);
  assert.equal(tl.models, { B: 'lab ulm-b (2)' }, "the model B's agent said it loaded, A's none");
  assert.is(labelAt(tl.faults, ['A~B'], -1), 'setup');
  assert.is(labelAt(tl.faults, ['A~B'], 50), 'normal');
  assert.is(labelAt(tl.faults, ['A~B'], 100), 'loss');
  assert.is(labelAt(tl.faults, ['A~B'], 200), 'recovery');
  assert.is(labelAt(tl.faults, ['B~C'], 100), 'normal');
  assert.is(labelAt(tl.faults, ['A~B', 'B~C'], 300), 'node-crash');
  // A recording of node B: interface mesh0 faces A, mesh1 faces C; a restart starts a new epoch.
  const line = (tMs: number, c: number, v = 1) =>
    rec({ v, t: T0 + tMs, w: 0, c, node: [1, 2], links: [{ k: 'mesh0/x', if: 'mesh0', nb: 'x', live: true, m: 200, ...(v >= 4 && { up: false }), ...(v >= 5 && { dl: 312.5 }), f: [1] }, { k: 'mesh1/y', if: 'mesh1', nb: 'y', live: true, m: 180, ...(v >= 4 && { up: true }), ...(v >= 5 && { dl: null }), f: [2] }] });
  // Recording formats 1-5 are read (3: node features v2; 4: each link's interface state; 5: its probe delay), an unknown one is skipped.
  const text = `${line(110_000, 100)}\n${line(111_000, 101, 3)}\n${line(200_000, 102, 6)}\n${line(320_000, 3, 2)}\n${line(321_000, 4, 4)}\n${line(322_000, 5, 5)}\n{"v":1,"t":`;
  const { rows, skipped } = labelNode('run1', 'test', 'B', text, tl);
  assert.is(skipped, 2, 'the line of format 6 and the torn last line');
  assert.equal(
    rows.map((r) => [r.target, r.link, r.t, r.epoch, r.y, r.up, r.dl]),
    [
      ['link', 'A~B', 100, 0, 'loss', undefined, undefined],
      ['link', 'B~C', 100, 0, 'normal', undefined, undefined],
      ['node', null, 100, 0, 'loss', undefined, undefined],
      ['link', 'A~B', 101, 0, 'loss', undefined, undefined],
      ['link', 'B~C', 101, 0, 'normal', undefined, undefined],
      ['node', null, 101, 0, 'loss', undefined, undefined],
      ['link', 'A~B', 310, 1, 'normal', undefined, undefined],
      ['link', 'B~C', 310, 1, 'node-crash', undefined, undefined],
      ['node', null, 310, 1, 'node-crash', undefined, undefined],
      ['link', 'A~B', 311, 1, 'normal', false, undefined],
      ['link', 'B~C', 311, 1, 'node-crash', true, undefined],
      ['node', null, 311, 1, 'node-crash', undefined, undefined],
      ['link', 'A~B', 312, 1, 'normal', false, 312.5],
      ['link', 'B~C', 312, 1, 'node-crash', true, null],
      ['node', null, 312, 1, 'node-crash', undefined, undefined],
    ],
  );
});

t('node rows of recordings before node features v2 get the probe summaries of their cycle\'s link rows', () => {
  const probe = (heard: number, excessMax: number, lossy: number, silence: number) => [...new Array(16).fill(0), heard, 0.1, 0, excessMax, lossy, silence];
  const row = (target: 'link' | 'node', c: number, f: number[], node = 'A'): Row => ({ run: 'r', topo: 'x', node, epoch: 0, target, key: target === 'node' ? 'node' : `k${f[19]}`, link: null, t: c, c, y: 'normal', live: true, m: null, f });
  const v1 = new Array(15).fill(1);
  const rows = [
    row('link', 1, probe(1, 0.2, 0, 7.5)),
    row('link', 1, probe(1, 0.5, 2, 9)),
    row('link', 1, probe(0, 0, 0, 0)), // no probes from this neighbour: not counted
    row('link', 1, probe(1, 0.9, 3, 12), 'B'), // another node's link, same cycle
    row('node', 1, [...v1]),
    row('node', 2, [...v1]), // no link rows in cycle 2
    row('node', 3, new Array(19).fill(2)), // already v2 (format 3): left alone
  ];
  const out = withNodeProbeSummaries(rows);
  assert.equal(out[4]!.f.slice(15), [2, 0.5, 1, 9]);
  assert.equal(out[4]!.f.slice(0, 15), v1);
  assert.equal(out[5]!.f.slice(15), [0, 0, 0, 0]);
  assert.equal(out[6]!.f, new Array(19).fill(2));
});

t('rows as features v3: the recorded probe silence (log2 ms) becomes seconds, link and node; older rows stay', () => {
  const row = (target: 'link' | 'node', f: number[]): Row => ({ run: 'r', topo: 'x', node: 'A', epoch: 0, target, key: target, link: null, t: 1, c: 1, y: 'normal', live: true, m: null, f });
  const link = row('link', [...new Array(21).fill(3), log2p1(1500)]);
  const node = row('node', [...new Array(18).fill(4), log2p1(250)]);
  const old = row('link', new Array(16).fill(5)); // format 1: no probe features
  const out = withSilenceSeconds([link, node, old]);
  assert.equal(out[0]!.f.slice(0, 21), new Array(21).fill(3));
  assert.ok(Math.abs(out[0]!.f[21]! - 1.5) <= 0.002, `link ${out[0]!.f[21]}`);
  assert.ok(Math.abs(out[1]!.f[18]! - 0.25) <= 0.002, `node ${out[1]!.f[18]}`);
  assert.is(out[2], old);
  assert.is(link.f[21], log2p1(1500), 'the recorded rows are not changed');
});

t('a detector at a fixed false-alarm rate: the cut is set on the negatives, ties below it', () => {
  const neg = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  // 10 % of 10 negatives: one may alarm, so the cut is the second largest (8) and only 9 is above it.
  const at10 = atFalseAlarmRate([8.5, 9, 3, 20], neg, 0.1);
  assert.equal([at10.tp, at10.fp, at10.fn, at10.falseAlarmRate], [3, 1, 1, 0.1]);
  assert.is(at10.precision, 0.75);
  // 0 %: nothing above the largest negative alarms; a positive tied with it does not count.
  const at0 = atFalseAlarmRate([9, 10], neg, 0);
  assert.equal([at0.tp, at0.fp], [1, 0]);
  // Ties at the cut: with every negative equal no negative alarms, whatever the rate.
  assert.equal(atFalseAlarmRate([2], [1, 1, 1, 1], 0.5).fp, 0);
  // A rate of 1: every negative may alarm; no negatives: every positive alarms.
  assert.is(atFalseAlarmRate([5], neg, 1).fp, 10);
  assert.is(atFalseAlarmRate([5], [], 0.01).recall, 1);
});

t('timeline without a setup record: a clear error', () => {
  assert.throws(() => parseTimeline(rec({ type: 'fault', t: 1, tEnd: 1, fault: { do: 'mark' } })), /no setup record/);
});

t('ROC AUC, precision/recall/F1, incidents after consecutive alarms, detection delay', () => {
  assert.is(rocAuc([3, 4], [1, 2]), 1);
  assert.is(rocAuc([1, 2], [3, 4]), 0);
  assert.is(rocAuc([1, 1], [1, 1]), 0.5);
  assert.is(rocAuc([2, 0], [1]), 0.5);
  assert.ok(Number.isNaN(rocAuc([], [1])));
  assert.equal(prf(3, 1, 1), { tp: 3, fp: 1, fn: 1, precision: 0.75, recall: 0.75, f1: 0.75 });
  const row = (t: number, key: string): Row => ({ run: 'r', topo: 'x', node: 'A', epoch: 0, target: 'link', key, link: key === 'k1' ? 'A~B' : 'A~C', t, c: t, y: 'normal', live: true, m: 1, f: [] });
  const rows = [1, 2, 3, 4, 5, 6].flatMap((s) => [row(s, 'k1'), row(s, 'k2')]);
  // k1 alarms at t = 2..6 (an incident completes at t = 4 with 3 in a row); k2 alarms every other cycle.
  const alarm = rows.map((r) => (r.key === 'k1' ? r.t >= 2 : r.t % 2 === 0));
  const opened = incidentRows(rows, alarm, 3);
  assert.equal([...opened].map((i) => [rows[i]!.key, rows[i]!.t]), [['k1', 4]]);
  const d = detectionDelays(rows, [{ run: 'r', kind: 'loss', links: ['A~B'], start: 1.5, end: 6 }, { run: 'r', kind: 'flap', links: ['A~C'], start: 1, end: 6 }], opened);
  assert.equal(d.map((x) => x.delay), [2.5, null]);
  // An urgent alarm (the out-of-range test) opens at once, once per run of alarms: k2 at t = 2, k1 at t = 3.
  const urgent = rows.map((r) => (r.key === 'k1' ? r.t === 3 || r.t === 5 : r.t === 2));
  assert.equal(
    [...incidentRows(rows, alarm, 3, urgent)].map((i) => [rows[i]!.key, rows[i]!.t]),
    [
      ['k2', 2],
      ['k1', 3],
    ],
  );
});

t("the rules' delay and their incidents outside faults: by the interface each end names, model kinds never, skipped kinds not", () => {
  // A has mesh1 to B and mesh14 to C: an incident on mesh14 is not one on A~B.
  const run = {
    links: [
      { link: 'A~B', ifA: 'mesh1', ifB: 'mesh0' },
      { link: 'A~C', ifA: 'mesh14', ifB: 'mesh0' },
    ],
    faults: [{ kind: 'dead-link', links: ['A~B'], start: 100, end: 160 }],
    incidents: [
      { node: 'A', t: 101, kind: 'link-anomaly', target: 'link:mesh1/02:01' }, // the model's own: never a rule's
      { node: 'A', t: 101.5, kind: 'neighbor-lost', target: 'link:mesh14/02:03' }, // the other link
      { node: 'B', t: 102.3, kind: 'neighbor-lost', target: 'link:mesh0/02:00' },
      { node: 'A', t: 110, kind: 'link-degraded', target: 'link:mesh1/02:01' },
      { node: 'A', t: 200, kind: 'deaf-interface', target: 'if:mesh1' }, // in A~B's recovery (60 s)
      { node: 'A', t: 230, kind: 'neighbor-lost', target: 'link:mesh1/02:01' }, // after it
      { node: 'A', t: -5, kind: 'neighbor-lost', target: 'link:mesh1/02:01' }, // set-up
      { node: 'C', t: 50, kind: 'isolated-node', target: 'node' }, // no link
    ],
  };
  const f = run.faults[0]!;
  assert.is(rulesDelay(run, f), 2.3);
  assert.is(rulesDelay(run, f, new Set(['neighbor-lost'])), 10);
  assert.is(rulesDelay(run, f, new Set(['neighbor-lost', 'link-degraded'])), null);
  assert.is(liveModelDelay(run, f), 1, "the agents' own link-anomaly incident");
  assert.is(liveModelDelay({ ...run, incidents: run.incidents.filter((i) => i.kind !== 'link-anomaly') }, f), null);
  assert.equal(ruleIncidentsOutsideFaults(run, 60), { 'neighbor-lost': 2 });
  assert.equal(ruleIncidentsOutsideFaults(run, 100), { 'neighbor-lost': 1 });
});

t('two detectors compared fault by fault: a tenth of a second apart is as early, each median over its own detections', () => {
  const c = compareDelays([
    { a: 1.5, b: 1.4 }, // 0.1 apart in floating point is 0.10000000000000009: as early
    { a: 1.4, b: 1.5 },
    { a: 2.0, b: 3.2 }, // earlier
    { a: 7.6, b: 1.7 }, // later
    { a: 4.0, b: null }, // a alone
    { a: null, b: 2.6 }, // b alone
    { a: null, b: null },
  ]);
  assert.equal(
    { both: c.both, earlier: c.earlier, asEarly: c.asEarly, later: c.later, onlyA: c.onlyA, onlyB: c.onlyB, detectedA: c.detectedA, detectedB: c.detectedB, faults: c.faults },
    { both: 4, earlier: 1, asEarly: 2, later: 1, onlyA: 1, onlyB: 1, detectedA: 5, detectedB: 5, faults: 7 },
  );
  assert.is(c.medianA, 2.0);
  assert.is(c.medianB, 1.7);
  assert.is(c.medianDifference, 0);
  assert.equal(compareDelays([]), { faults: 0, detectedA: 0, detectedB: 0, medianA: null, medianB: null, both: 0, earlier: 0, asEarly: 0, later: 0, medianDifference: null, onlyA: 0, onlyB: 0 });
});

t('threshold selection: quantiles by nearest rank, F1 at a threshold; selection and held-out kinds do not overlap', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  assert.is(quantile(xs, 990_000), 990);
  assert.is(quantile(xs, 999_000), 999);
  assert.is(quantile([], 500_000), Number.POSITIVE_INFINITY);
  assert.is(f1At(5, [1, 2, 6], [5, 7, 1]), 2 / 3);
  assert.ok(SELECTION_KINDS.every((k) => !HELD_OUT_KINDS.includes(k)));
});

t('the autoencoder trainer: the loss falls, and the same seed gives the same weights, also with quantization noise', () => {
  const r = rng(1);
  // Inputs on a 2-D subspace of 16 dimensions: an autoencoder with a 4-unit code can learn them.
  const data = Array.from({ length: 400 }, () => {
    const a = r() * 2 - 1;
    const b = r() * 2 - 1;
    return Float64Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b) * (1 + i / 16));
  });
  const opts = { hidden: [8, 4, 8, 16], epochs: 30, batch: 32, learningRate: 0.01, weightDecay: 0, seed: 4 };
  const a = initNetwork(16, opts.hidden, rng(4));
  const losses = train(a, data, opts);
  assert.ok(losses[losses.length - 1]! < losses[0]! * 0.2, `${losses[0]} -> ${losses[losses.length - 1]}`);
  const b = initNetwork(16, opts.hidden, rng(4));
  train(b, data, opts);
  assert.equal(Array.from(a.layers[0]!.weights), Array.from(b.layers[0]!.weights));
  // With the int8 rounding simulated as noise on the hidden layers (what model:train does):
  // it still learns, it is as deterministic, and the noise does change what it learns.
  const noisy = { ...opts, quantizationNoise: true };
  const c = initNetwork(16, opts.hidden, rng(4));
  const noisyLosses = train(c, data, noisy);
  assert.ok(noisyLosses[noisyLosses.length - 1]! < noisyLosses[0]! * 0.2, `${noisyLosses[0]} -> ${noisyLosses[noisyLosses.length - 1]}`);
  const d = initNetwork(16, opts.hidden, rng(4));
  train(d, data, noisy);
  assert.equal(Array.from(c.layers[0]!.weights), Array.from(d.layers[0]!.weights));
  assert.not.equal(Array.from(c.layers[0]!.weights), Array.from(a.layers[0]!.weights));
});

/**
 * A live scorer over a simulated mesh whose neighbour 1 turns noisy after cycle 45, and
 * the rows an agent would have recorded: each link's features per cycle (t: the monitor's
 * time in s) beside the live scorer's error. `afterCycle` runs once each cycle has been scored.
 */
function liveRun(cycles: number, afterCycle?: (c: number, view: MeshView, live: ModelScorer) => void, withNode = false, options = SCORER_DEFAULTS) {
  const model = testModel(11).model;
  const live = ModelScorer.create(model, options);
  if (!live.ok) throw new Error(live.error);
  const sim = meshSim(8);
  const rows: Row[] = [];
  const liveScores: (number | null)[] = [];
  const f = new Float64Array(LINK_FEATURES_V1.features.length);
  const nf = new Float64Array(NODE_FEATURES_V1.features.length);
  for (let c = 0; c < cycles; c++) {
    const view = sim.step(c > 45 ? (n, b) => (n === 1 ? { ...b, tqNoise: 40 } : b) : undefined);
    for (const l of view.links.values()) {
      if (!linkFeatures(l, view, f)) continue;
      rows.push({ run: 'r', topo: 't', node: 'n', epoch: 0, target: 'link', key: l.key, link: null, t: view.nowMono / 1000, c: view.cycles, y: 'normal', live: l.live, m: l.metric.last(), f: Array.from(f) });
      const s = live.value.scoreLink(l, view);
      liveScores.push(s === null ? null : (live.value.lastLink(l.key)?.error ?? null));
    }
    // The node after its links, as the loop scores it and the recorder writes it.
    if (withNode && nodeFeatures(view, nf)) {
      rows.push({ run: 'r', topo: 't', node: 'n', epoch: 0, target: 'node', key: 'node', link: null, t: view.nowMono / 1000, c: view.cycles, y: 'normal', live: true, m: null, f: Array.from(nf) });
      const s = live.value.scoreNode(view);
      liveScores.push(s === null ? null : (live.value.lastNode()?.error ?? null));
    }
    afterCycle?.(c, view, live.value);
  }
  return { model, rows, liveScores };
}

t('the replay scores recorded vectors exactly as the scorer scores the live view', () => {
  const { model, rows, liveScores } = liveRun(60);
  const replayed = replayInt8(model, rows, 'link');
  assert.equal(replayed.error, liveScores);
  assert.ok(replayed.error.filter((e) => e !== null).length > 100);
  // Alarmed rows name their worst feature (the report's causes of false alarms); others none.
  const worst = replayed.worst ?? [];
  assert.ok(replayed.alarm.some((a) => a), 'no alarm to name');
  for (const [i, a] of replayed.alarm.entries()) assert.is(worst[i] !== null, a, `row ${i}`);
  assert.ok(worst.every((w) => w === null || LINK_FEATURES_V1.features.some((d) => d.name === w)));
});

t("the replay tells a run's rule incidents to the scorer as the loop does, and only the held link's scores change", () => {
  const held = `${IF_NAME}/${neighborMac(1)}`;
  let incident = { node: 'n', t: 0, kind: 'link-flapping', target: `link:${held}` };
  // A rule's incident on neighbour 1 opens in cycle 44, before its TQ turns noisy. The loop
  // tells it with its cycle's time; the lab logs it a few ms later.
  const { model, rows, liveScores } = liveRun(100, (c, view, live) => {
    if (c !== 44) return;
    incident = { ...incident, t: view.nowMono / 1000 + 0.004 };
    assert.ok(live.incidentOpened(incident.kind, incident.target, view.nowMono));
  });
  assert.ok(incident.t > 0);
  const told = replayInt8(model, rows, 'link', SCORER_DEFAULTS, incidentsByRun([{ run: 'r', incidents: [incident] }]));
  assert.equal(told.error, liveScores, 'the replay told the incident scores as the live scorer told it');
  const untold = replayInt8(model, rows, 'link');
  let changed = 0;
  for (const [i, r] of rows.entries()) {
    if (r.key !== held || r.t <= incident.t) assert.is(told.error[i], untold.error[i], `row ${i} (${r.key} at ${r.t} s)`);
    else if (told.error[i] !== untold.error[i]) changed++;
  }
  assert.ok(changed > 10, `${changed} rows of the held link changed`);
});

t("the replay holds the node by its links' alarms as the live scorer does", () => {
  const { model, rows, liveScores } = liveRun(120, undefined, true);
  const isNode = rows.map((r) => r.target === 'node');
  const replayed = replayInt8(model, rows, 'node');
  assert.equal(
    replayed.error.filter((_, i) => isNode[i]),
    liveScores.filter((_, i) => isNode[i]),
  );
  const links = replayInt8(model, rows, 'link');
  assert.ok(links.alarm.some((a, i) => a && (rows[i] as Row).c > 45), 'a link alarms once neighbour 1 turns noisy');
  // Without the hold (live and replayed alike), the node's scores after the first alarm differ.
  const off = { ...SCORER_DEFAULTS, linkAlarmHoldsNode: null };
  const unheld = liveRun(120, undefined, true, off);
  const replayedOff = replayInt8(model, rows, 'node', off);
  assert.equal(replayedOff.error.filter((_, i) => isNode[i]), unheld.liveScores.filter((_, i) => isNode[i]));
  assert.not.equal(replayedOff.error, replayed.error);
});

t("the node replayed with its own normaliser (the float network; the forest's shares the code): a cycle in which one of its links alarmed teaches the node nothing", () => {
  const { rows } = liveRun(90, undefined, true);
  const nodeFloat = testModel(11).nodeFloat;
  const nodeRows = rows.map((r, i) => [r, i] as const).filter(([r]) => r.target === 'node');
  const [, at] = nodeRows[60] as readonly [Row, number];
  const heldCycle = (rows[at] as Row).c;
  // A link alarm in that cycle only (the link rows come before the node row).
  const linkAlarm = rows.map((r) => r.target === 'link' && r.c === heldCycle);
  const held = replayFloat(nodeFloat, 1e9, rows, NODE_FEATURES_V1, 0, undefined, linkAlarm);
  const free = replayFloat(nodeFloat, 1e9, rows, NODE_FEATURES_V1);
  // Held, the row is judged but not learnt: the later rows score as if it had never been recorded.
  const without = rows.filter((_, i) => i !== at);
  const absent = replayFloat(nodeFloat, 1e9, without, NODE_FEATURES_V1);
  const after = (s: { error: (number | null)[] }, rs: readonly Row[]) => s.error.filter((_, i) => (rs[i] as Row).target === 'node' && (rs[i] as Row).c > heldCycle);
  assert.equal(after(held, rows), after(absent, without));
  assert.not.equal(after(held, rows), after(free, rows));
  assert.is(held.error[at], free.error[at], 'the held row itself is judged as usual');
});

t('the causes of false alarms: alarms on normal rows counted by worst feature, out-of-range ones apart, most frequent first', () => {
  const alarm = [true, true, false, true, true, true, true];
  const urgent = [false, false, false, true, false, false, false];
  const worst = ['probe_loss', 'if_drop_ratio', null, 'probe_silence_s', 'if_drop_ratio', 'probe_loss', 'if_drop_ratio'];
  // Row 6 is a fault row: not counted.
  assert.equal(falseAlarmCauses({ alarm, urgent, worst }, [0, 1, 2, 3, 4, 5]), [
    { cause: 'if_drop_ratio', alarms: 2 },
    { cause: 'probe_loss', alarms: 2 },
    { cause: 'out of range: probe_silence_s', alarms: 1 },
  ]);
});

// One tree: the root splits input column 1 (the tree's feature 0, through its feature
// list) at 0.1; left a leaf of 1 training sample, right a leaf of 3; 4 samples per tree.
const tinyTree = { features: [1, 0], left: [1, -1, -1], right: [2, -1, -1], feature: [0, -2, -2], threshold: [0.1, -2, -2], samples: [4, 1, 3] };

t('isolation forest: path lengths and scores as scikit-learn computes them', () => {
  // scikit-learn 1.2's _average_path_length([256, 4, 3]).
  assert.ok(Math.abs(averagePathLength(256) - 10.24477092) < 1e-8);
  assert.ok(Math.abs(averagePathLength(4) - 1.85165591) < 1e-8);
  assert.is(averagePathLength(2), 1);
  assert.is(averagePathLength(1), 0);
  const f = parseForest({ maxSamples: 4, trees: [tinyTree] }, 2);
  if (!f.ok) throw new Error(f.error);
  // Left leaf: depth 1 + c(1) = 1; right leaf: depth 1 + c(3).
  assert.ok(Math.abs(forestScore(f.value, [9, -5]) - 2 ** (-1 / averagePathLength(4))) < 1e-12);
  assert.ok(Math.abs(forestScore(f.value, [9, 5]) - 2 ** (-(1 + averagePathLength(3)) / averagePathLength(4))) < 1e-12);
  // The split compares the input as float32: 0.1 becomes 0.10000000149 and goes right, as in scikit-learn.
  assert.ok(forestScore(f.value, [0, 0.1]) < forestScore(f.value, [0, 0.09]));
  // Isolated sooner (shorter path) = more anomalous.
  assert.ok(forestScore(f.value, [0, -5]) > forestScore(f.value, [0, 5]));
});

t('isolation forest: a malformed forest file is refused, not walked', () => {
  const bad = (tree: Record<string, unknown>, dim = 2) => parseForest({ maxSamples: 4, trees: [{ ...tinyTree, ...tree }] }, dim);
  assert.ok(bad({}).ok);
  assert.match((bad({ left: [0, -1, -1] }) as { error: string }).error, /bad child/); // a loop back to the root
  assert.match((bad({ right: [-1, -1, -1] }) as { error: string }).error, /one child/);
  assert.not.ok(bad({ features: [2, 0] }).ok); // a column the input does not have
  assert.not.ok(bad({ threshold: [0.1, -2] }).ok);
  assert.not.ok(parseForest({ maxSamples: 0, trees: [tinyTree] }, 2).ok);
  assert.not.ok(parseForest({ maxSamples: 4, trees: [] }, 2).ok);
  assert.not.ok(parseForest('forest', 2).ok);
});

t.run();
