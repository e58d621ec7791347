/**
 * The model's features and their online normalisation: deterministic (the same
 * series give the same bits), in the fixed v1 order, reacting to what a user would
 * call a bad link (TQ falling, a neighbour not heard, routes moving, errors), and
 * normalised by a decayed mean and variance that follow the stated recurrence.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FEATURE_SETS, featureSet, LINK_FEATURES_V1, LINK_FEATURES_V2, LINK_FEATURES_V3, linkFeatures, log2p1, metricUnits, NODE_FEATURES_V1, NODE_FEATURES_V2, NODE_FEATURES_V3, NodeProbeSummary, nodeFeatures, PROBE_SILENCE_CAP_MS, silenceSecondsFromLog,
} from '../../runtime/src/model/features.js';
import { Normalizer, STANDARD_INPUT_SCALE, Z_CLIP } from '../../runtime/src/model/normalizer.js';
import { OUT_OF_RANGE_Z } from '../../runtime/src/model/scorer.js';
import { IF_NAME, meshSim, neighborMac, probedLink } from '../support/model-fixture.js';

const t = suite('model: features');
const linkKey = (i: number) => `${IF_NAME}/${neighborMac(i)}`;

function linkVector(sim: ReturnType<typeof meshSim>, i: number): Float64Array {
  const view = sim.monitor.view;
  const out = new Float64Array(LINK_FEATURES_V1.features.length);
  const link = view.links.get(linkKey(i));
  if (!link || !linkFeatures(link, view, out)) throw new Error('no link features');
  return out;
}

t('the feature sets are fixed and versioned: names, order and sizes', () => {
  assert.equal(
    LINK_FEATURES_V1.features.map((f) => f.name),
    ['metric_last', 'metric_mean', 'metric_trend', 'metric_std', 'metric_drawdown', 'missing_fraction', 'last_seen_log', 'route_changes',
      'originators_moved', 'if_rx_rate_log', 'if_tx_rate_log', 'if_error_ratio', 'if_drop_ratio', 'if_neighbors', 'if_neighbor_change', 'node_route_changes'],
  );
  assert.is(NODE_FEATURES_V1.features.length, 15);
  assert.is(featureSet('link', 1), LINK_FEATURES_V1);
  assert.is(featureSet('node', 1), NODE_FEATURES_V1);
  assert.is(featureSet('link', 2), LINK_FEATURES_V2);
  assert.is(featureSet('link', 4), null);
  assert.is(featureSet('node', 4), null);
  assert.is(featureSet('node', 2), NODE_FEATURES_V2);
  assert.equal(NODE_FEATURES_V2.features.slice(0, 15), NODE_FEATURES_V1.features, 'node v2 starts with v1, unchanged');
  assert.equal(
    NODE_FEATURES_V2.features.slice(15).map((f) => f.name),
    ['probe_links', 'probe_excess_max', 'probe_lossy_links', 'probe_silence_max_log'],
  );
  assert.equal(LINK_FEATURES_V2.features.slice(0, 16), LINK_FEATURES_V1.features, 'v2 starts with v1, unchanged');
  assert.equal(
    LINK_FEATURES_V2.features.slice(16).map((f) => f.name),
    ['probe_heard', 'probe_loss', 'probe_excess', 'probe_excess_max', 'probe_lossy_windows', 'probe_silence_log'],
  );
  for (const s of FEATURE_SETS) for (const f of s.features) assert.ok(f.floor > 0, `${f.name} has a positive floor`);
});

t('deterministic: two monitors fed the same mesh give bit-identical vectors', () => {
  const a = meshSim(42);
  const b = meshSim(42);
  for (let c = 0; c < 80; c++) {
    const cond = (n: number, base: { tq: number; tqNoise: number; lastSeenMs: number }) => (n === 1 && c > 50 ? { ...base, tq: 120 } : base);
    a.step(cond);
    b.step(cond);
    if (c < 2) continue;
    for (let i = 0; i < 4; i++) assert.equal(Array.from(linkVector(a, i)), Array.from(linkVector(b, i)));
    const na = new Float64Array(15);
    const nb = new Float64Array(15);
    assert.ok(nodeFeatures(a.monitor.view, na) && nodeFeatures(b.monitor.view, nb));
    assert.equal(Array.from(na), Array.from(nb));
    for (const v of na) assert.ok(Number.isFinite(v));
  }
});

t('a link whose TQ falls shows it in level, trend, drawdown; its neighbour not heard shows in gaps', () => {
  const sim = meshSim(7);
  for (let c = 0; c < 40; c++) sim.step();
  const before = linkVector(sim, 0);
  assert.ok(Math.abs(before[0]! - 220) < 15 && Math.abs(before[1]! - 220) < 5, `TQ ${before[0]} mean ${before[1]}`);
  assert.ok(before[3]! < 6 && before[5] === 0 && before[7] === 0);
  for (let c = 0; c < 10; c++) sim.step((n, base) => (n === 0 ? { ...base, tq: 100, lastSeenMs: 1500 } : base));
  const after = linkVector(sim, 0);
  assert.ok(after[0]! < 120, `metric_last ${after[0]}`);
  assert.ok(after[2]! < -50, `metric_trend ${after[2]}`);
  assert.ok(after[4]! > 90, `metric_drawdown ${after[4]}`);
  assert.ok(after[6]! > before[6]! + 1, `last_seen_log ${before[6]} → ${after[6]}`);
  const other = linkVector(sim, 2);
  assert.ok(other[4]! < 20, 'the other links are unaffected');
  // Lost for good (last-seen beyond neighbor_lost_ms): its metric goes missing.
  for (let c = 0; c < 6; c++) sim.step((n, base) => (n === 0 ? { ...base, lastSeenMs: 8000 } : base));
  const link = sim.monitor.view.links.get(linkKey(0))!;
  const gone = new Float64Array(16);
  assert.ok(linkFeatures(link, sim.monitor.view, gone));
  assert.ok(gone[5]! >= 5 / 30 - 1e-9, `missing_fraction ${gone[5]}`);
});

t('best-route churn: a far originator moving between two links counts on both, and on the node', () => {
  const sim = meshSim(5);
  for (let c = 0; c < 40; c++) sim.step(undefined, 0);
  assert.is(linkVector(sim, 0)[7], 0, 'a steady route is no churn');
  // It moves 0 → 1 → 0 → 1 → 0: four changes, each leaving one link and joining the other.
  for (const via of [1, 0, 1, 0]) for (let c = 0; c < 3; c++) sim.step(undefined, via);
  for (const i of [0, 1]) {
    const v = linkVector(sim, i);
    assert.is(v[7], 4, `route_changes on link ${i}`);
    assert.is(v[8], 1, 'one originator moved');
    assert.is(v[15], 4, 'node_route_changes');
  }
  assert.is(linkVector(sim, 2)[7], 0, 'an uninvolved link has none');
  const node = new Float64Array(15);
  assert.ok(nodeFeatures(sim.monitor.view, node));
  assert.is(node[5], 4);
  // A minute later the changes have left the 60 s window.
  for (let c = 0; c < 61; c++) sim.step(undefined, 0);
  assert.is(linkVector(sim, 0)[7], 0);
});

t('interface traffic: packet rates per second and the error ratio', () => {
  const sim = meshSim(3);
  for (let c = 0; c < 40; c++) sim.step();
  const v = linkVector(sim, 0);
  // The synthetic interface receives 200..240 packets/s and sends 190..230.
  assert.ok(v[9]! > log2p1(190) && v[9]! < log2p1(250), `rx ${v[9]}`);
  assert.ok(v[10]! > log2p1(180) && v[10]! < log2p1(240), `tx ${v[10]}`);
  assert.ok(v[11]! >= 0 && v[11]! < 0.01, `error ratio ${v[11]}`);
  assert.is(v[12], 0);
  assert.is(v[13], 4, 'four live neighbours on eth1');
});

t('log2p1 is exact at powers of two, monotone, and total', () => {
  assert.is(log2p1(0), 0);
  assert.is(log2p1(1), 1);
  assert.is(log2p1(3), 2);
  assert.is(log2p1(1023), 10);
  assert.is(log2p1(-5), 0);
  assert.is(log2p1(Number.NaN), 0);
  assert.is(log2p1(1e12), log2p1(0x7ffffffe), 'saturates at 2^31');
  assert.ok(log2p1(1e12) < 31);
  let prev = -1;
  for (let x = 0; x < 5000; x += 7) {
    const v = log2p1(x);
    assert.ok(v >= prev && Math.abs(v - Math.log2(1 + x)) < 0.09);
    prev = v;
  }
  assert.is(metricUnits(200, 'tq'), 200);
  assert.is(metricUnits(1023, 'throughput'), 10);
});

t('normaliser: the first sample is the mean, the first 1/α samples their plain mean and variance, then the decayed recurrence, floors and clipping', () => {
  const defs = [
    { name: 'a', floor: 1 },
    { name: 'b', floor: 0.01 },
  ];
  const alpha = 0.1;
  const n = new Normalizer(defs, alpha);
  const z = new Float64Array(2);
  n.update(Float64Array.of(10, 5));
  assert.equal(Array.from(n.mean), [10, 5]);
  assert.equal(Array.from(n.variance), [0, 0]);
  // Constant input: z = 0 (the floor keeps 0/0 away).
  n.zScores(Float64Array.of(10, 5), z);
  assert.equal(Array.from(z), [0, 0]);
  // The first 1/α samples (10) give their plain mean and (population) variance.
  const first = [5, 6, 4, 7, 5, 5, 9, 3, 5, 6];
  for (const x of first.slice(1)) n.update(Float64Array.of(10, x));
  const plainMean = first.reduce((a, b) => a + b, 0) / first.length;
  const plainVariance = first.reduce((a, b) => a + (b - plainMean) ** 2, 0) / first.length;
  assert.ok(Math.abs(n.mean[1]! - plainMean) < 1e-12, `mean ${n.mean[1]} after 10 samples, plain ${plainMean}`);
  assert.ok(Math.abs(n.variance[1]! - plainVariance) < 1e-12, `variance ${n.variance[1]} after 10 samples, plain ${plainVariance}`);
  // Then the decayed recurrence with weight α (Finch 2009), written out.
  let mean = plainMean;
  let variance = plainVariance;
  for (const x of [4, 8]) {
    n.update(Float64Array.of(10, x));
    const d = x - mean;
    mean += alpha * d;
    variance = (1 - alpha) * (variance + alpha * d * d);
  }
  assert.ok(Math.abs(n.mean[1]! - mean) < 1e-12 && Math.abs(n.variance[1]! - variance) < 1e-12);
  n.zScores(Float64Array.of(12, mean + Math.sqrt(variance)), z);
  assert.ok(Math.abs(z[0]! - 2) < 1e-12, 'a below its floor: divided by the floor (1)');
  assert.ok(Math.abs(z[1]! - 1) < 1e-9, 'one standard deviation above the mean');
  n.zScores(Float64Array.of(1e9, Number.NaN), z);
  assert.equal(Array.from(z), [Z_CLIP, 0], 'clipped; a missing value is normal');
  const q = new Int8Array(2);
  n.quantize(Float64Array.of(Z_CLIP, -Z_CLIP / 2), STANDARD_INPUT_SCALE, 0, q);
  assert.equal(Array.from(q), [127, -64]);
  n.update(Float64Array.of(Number.NaN, Number.POSITIVE_INFINITY));
  assert.ok(Number.isFinite(n.mean[0]!) && Number.isFinite(n.mean[1]!), 'non-finite samples teach nothing');
  assert.is(n.state().samples, 13);
});

t('normaliser: a silence learnt only within 4 σ (learnWithin) reaches the out-of-range distance while it grows; learnt in full it never does', () => {
  // A lossy link's probe silence: 0 to 0.8 s, then the probes stop and it grows by a
  // second a cycle. Each cycle is judged, then learnt as a normal sample would be
  // (what the scorer does while the network's error stays below the threshold).
  const grow = (learnWithin?: number) => {
    const n = new Normalizer([{ name: 'probe_silence_s', floor: 0.1, learnWithin }], 0.01);
    const z = new Float64Array(1);
    for (let i = 0; i < 600; i++) n.update(Float64Array.of(((i * 7) % 9) / 10));
    const far: number[] = [];
    for (let k = 1; k <= 8; k++) {
      const x = Float64Array.of(0.2 + k);
      n.zScores(x, z);
      far.push(n.farthestZ);
      n.update(x);
    }
    return far;
  };
  const bounded = grow(4);
  const full = grow(undefined);
  const at = bounded.findIndex((z) => z >= OUT_OF_RANGE_Z.link) + 1;
  assert.ok(at >= 1 && at <= 4, `within 4 σ: ${OUT_OF_RANGE_Z.link} σ at cycle ${at} of the silence (${bounded.map((z) => z.toFixed(1)).join(' ')})`);
  assert.ok(
    full.every((z) => z < OUT_OF_RANGE_Z.link),
    `in full: ${full.map((z) => z.toFixed(1)).join(' ')}`,
  );
  assert.ok(full[7]! < full[3]!, 'learnt in full, the distance falls while the silence grows');
});

t('normaliser: a long-run mean and variance converge to those of the data', () => {
  const n = new Normalizer([{ name: 'x', floor: 0.001 }], 0.01);
  // A deterministic sequence with mean 3 and variance 4: 3 ± 2 alternating.
  for (let i = 0; i < 3000; i++) n.update(Float64Array.of(i % 2 ? 5 : 1));
  assert.ok(Math.abs(n.mean[0]! - 3) < 0.02, `mean ${n.mean[0]}`);
  assert.ok(Math.abs(n.variance[0]! - 4) < 0.1, `variance ${n.variance[0]}`);
});

function linkVectorV2(sim: ReturnType<typeof meshSim>, i: number): Float64Array {
  const view = sim.monitor.view;
  const out = new Float64Array(LINK_FEATURES_V2.features.length);
  const link = view.links.get(linkKey(i));
  if (!link || !linkFeatures(link, view, out, LINK_FEATURES_V2)) throw new Error('no link features');
  return out;
}

t('probe features (v2): a probed link shows its loss against its own normal, and silence; others have zeros', () => {
  const sim = meshSim(11);
  for (let c = 0; c < 5; c++) sim.step();
  const p = probedLink(sim, 0);
  // 60 s with one probe in ten lost (10 %): the link's normal.
  for (let c = 0; c < 60; c++) p.step((k) => k === 0 && c % 2 === 0);
  const clean = linkVectorV2(sim, 0);
  assert.equal(Array.from(clean.subarray(0, 16)), Array.from(linkVector(sim, 0)), 'the first 16 are v1');
  assert.is(clean[16], 1, 'probe_heard');
  assert.ok(clean[17]! >= 0 && clean[17]! <= 0.2, `probe_loss ${clean[17]}`);
  assert.ok(Math.abs(clean[18]!) < 0.1, `probe_excess ${clean[18]}`);
  assert.ok(clean[19]! < 0.15, `probe_excess_max ${clean[19]}`);
  assert.is(clean[20], 0, 'no lossy window');
  assert.ok(clean[21]! < log2p1(1500), `probe_silence_log ${clean[21]}`);
  const other = linkVectorV2(sim, 1);
  assert.equal(Array.from(other.subarray(16)), [0, 0, 0, 0, 0, 0], 'a link without probes');
  // 8 s of 60 % loss: lossy windows, a large excess.
  for (let c = 0; c < 8; c++) p.step((k) => k < 3);
  const lossy = linkVectorV2(sim, 0);
  assert.ok(lossy[17]! >= 0.5, `probe_loss ${lossy[17]}`);
  assert.ok(lossy[18]! >= 0.4 && lossy[19]! >= lossy[18]!, `excess ${lossy[18]} max ${lossy[19]}`);
  assert.ok(lossy[20]! >= 3, `probe_lossy_windows ${lossy[20]}`);
  // Clean again: the loss goes back, the window still remembers the excess.
  for (let c = 0; c < 10; c++) p.step();
  const after = linkVectorV2(sim, 0);
  assert.ok(after[17]! < 0.1 && after[19]! >= 0.4 && after[20]! >= 3, `loss ${after[17]} max ${after[19]} lossy ${after[20]}`);
  // Silence: nothing arrives for 6 s.
  for (let c = 0; c < 6; c++) p.step(() => true);
  const silent = linkVectorV2(sim, 0);
  assert.ok(silent[21]! > log2p1(5000), `probe_silence_log ${silent[21]}`);
  assert.ok(silent[17]! > 0.9, `the silent seconds count as lost once held: ${silent[17]}`);
  // Deterministic: the same mesh and probes give the same bits.
  const again = meshSim(11);
  for (let c = 0; c < 5; c++) again.step();
  const q = probedLink(again, 0);
  for (let c = 0; c < 60; c++) q.step((k) => k === 0 && c % 2 === 0);
  for (let c = 0; c < 8; c++) q.step((k) => k < 3);
  for (let c = 0; c < 10; c++) q.step();
  for (let c = 0; c < 6; c++) q.step(() => true);
  assert.equal(Array.from(linkVectorV2(again, 0)), Array.from(silent));
});

t('node probe summaries (node v2): from the view, and the same from the links\' recorded vectors (how older training data gets them)', () => {
  const sim = meshSim(12);
  for (let c = 0; c < 5; c++) sim.step();
  const a = probedLink(sim, 0);
  const b = probedLink(sim, 2);
  const node = () => {
    const out = new Float64Array(NODE_FEATURES_V2.features.length);
    assert.ok(nodeFeatures(sim.monitor.view, out, NODE_FEATURES_V2));
    const v1 = new Float64Array(NODE_FEATURES_V1.features.length);
    assert.ok(nodeFeatures(sim.monitor.view, v1));
    assert.equal(Array.from(out.subarray(0, 15)), Array.from(v1), 'the first 15 are v1');
    // What withNodeProbeSummaries (model/lib/dataset.ts) does with a recording's link rows.
    const fromLinks = new NodeProbeSummary();
    fromLinks.reset();
    for (const l of sim.monitor.view.links.values()) {
      const f = new Float64Array(LINK_FEATURES_V2.features.length);
      if (linkFeatures(l, sim.monitor.view, f, LINK_FEATURES_V2)) fromLinks.add(f, 16);
    }
    const derived = new Float64Array(NODE_FEATURES_V2.features.length);
    fromLinks.write(derived, 15);
    assert.equal(Array.from(derived.subarray(15)), Array.from(out.subarray(15)), 'derived from the link vectors = computed by the agent');
    return Array.from(out.subarray(15));
  };
  for (let c = 0; c < 40; c++) {
    a.step();
    b.step((k) => k === 0 && c % 2 === 0);
  }
  const clean = node();
  assert.is(clean[0], 2, 'two links with probes (of four)');
  assert.ok(clean[1]! < 0.15 && clean[2] === 0 && clean[3]! < log2p1(1500), `clean ${clean}`);
  // Link 2 loses 60 % for 8 s, link 0 goes silent.
  for (let c = 0; c < 8; c++) {
    a.step(() => true);
    b.step((k) => k < 3);
  }
  const bad = node();
  assert.is(bad[0], 2);
  assert.ok(bad[1]! >= 0.4, `the worst excess ${bad[1]}`);
  assert.ok(bad[2]! >= 1, `links with a lossy window ${bad[2]}`);
  assert.ok(bad[3]! > log2p1(5000), `the longest silence ${bad[3]}`);
  const none = new Float64Array(NODE_FEATURES_V2.features.length);
  const plain = meshSim(13);
  for (let c = 0; c < 5; c++) plain.step();
  assert.ok(nodeFeatures(plain.monitor.view, none, NODE_FEATURES_V2));
  assert.equal(Array.from(none.subarray(15)), [0, 0, 0, 0], 'no probes: zeros');
});

t('features v3: v2 with the probe silence in seconds (capped), derivable from a v2 recording to 2 ms', () => {
  assert.is(featureSet('link', 3), LINK_FEATURES_V3);
  assert.is(featureSet('node', 3), NODE_FEATURES_V3);
  assert.equal(LINK_FEATURES_V3.features.slice(0, -1), LINK_FEATURES_V2.features.slice(0, -1), 'link v3 = v2 but the last');
  assert.equal(NODE_FEATURES_V3.features.slice(0, -1), NODE_FEATURES_V2.features.slice(0, -1), 'node v3 = v2 but the last');
  assert.is(LINK_FEATURES_V3.features.at(-1)?.name, 'probe_silence_s');
  assert.is(NODE_FEATURES_V3.features.at(-1)?.name, 'probe_silence_max_s');
  // What a recording holds (log2p1 of whole ms, 4 decimals) back to seconds.
  const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
  for (const ms of [0, 1, 7, 199, 200, 201, 999, 1000, 1300, 4095, 4096, 12_345, 29_999, 30_000]) {
    const back = silenceSecondsFromLog(round4(log2p1(ms)));
    assert.ok(Math.abs(back - ms / 1000) <= 0.002, `${ms} ms -> ${back} s`);
  }
  assert.is(silenceSecondsFromLog(round4(log2p1(600_000))), PROBE_SILENCE_CAP_MS / 1000, 'capped');
  assert.is(silenceSecondsFromLog(Number.NaN), 0);
  assert.is(silenceSecondsFromLog(-3), 0);
  // The agent's own v3 against v2 on a link that goes silent.
  const sim = meshSim(14);
  for (let c = 0; c < 5; c++) sim.step();
  const p = probedLink(sim, 0);
  for (let c = 0; c < 40; c++) p.step();
  const both = () => {
    const view = sim.monitor.view;
    const link = view.links.get(linkKey(0));
    const v2 = new Float64Array(LINK_FEATURES_V2.features.length);
    const v3 = new Float64Array(LINK_FEATURES_V3.features.length);
    assert.ok(link && linkFeatures(link, view, v2, LINK_FEATURES_V2) && linkFeatures(link, view, v3, LINK_FEATURES_V3));
    assert.equal(Array.from(v3.subarray(0, 21)), Array.from(v2.subarray(0, 21)), 'the first 21 as v2');
    assert.ok(Math.abs(v3[21]! - silenceSecondsFromLog(round4(v2[21]!))) <= 0.002, `v3 ${v3[21]} from v2 ${v2[21]}`);
    const n2 = new Float64Array(NODE_FEATURES_V2.features.length);
    const n3 = new Float64Array(NODE_FEATURES_V3.features.length);
    assert.ok(nodeFeatures(view, n2, NODE_FEATURES_V2) && nodeFeatures(view, n3, NODE_FEATURES_V3));
    assert.equal(Array.from(n3.subarray(0, 18)), Array.from(n2.subarray(0, 18)));
    assert.ok(Math.abs(n3[18]! - silenceSecondsFromLog(round4(n2[18]!))) <= 0.002, `node v3 ${n3[18]} from v2 ${n2[18]}`);
    return v3[21]!;
  };
  const heard = both();
  assert.ok(heard >= 0 && heard < 1, `a link whose probes arrive: ${heard} s`);
  for (let c = 0; c < 3; c++) p.step(() => true);
  const silent = both();
  assert.ok(silent >= 2.5 && silent <= 3.5, `three seconds without probes: ${silent} s`);
});

t.run();
