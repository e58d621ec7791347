/**
 * The model scorer as the loop sees it: silent during warm-up, quiet on a clean mesh
 * with a threshold calibrated on other clean data, an incident for a link that
 * degrades in a way the EWMA rule does not see (noisy TQ, late OGMs), no learning
 * while the fault lasts, recovery after it, and a threshold that adapts slowly and
 * within its bounds. The model is the test architecture with seeded random weights.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LinkDegradedDetector } from '../../runtime/src/loop/detectors/link-degraded.js';
import { LinkAnomalyDetector } from '../../runtime/src/loop/detectors/model-anomaly.js';
import { IncidentBook } from '../../runtime/src/loop/incidents.js';
import { MONITOR_LIMITS } from '../../runtime/src/loop/monitor.js';
import { LOOP_DEFAULTS } from '../../runtime/src/loop/settings.js';
import type { IncidentEvent } from '../../runtime/src/loop/types.js';
import { featureSet, LINK_FEATURES_V1 } from '../../runtime/src/model/features.js';
import { decodeModel, encodeModel, type Model } from '../../runtime/src/model/format.js';
import type { QuantNetwork } from '../../runtime/src/model/network.js';
import { STANDARD_INPUT_SCALE } from '../../runtime/src/model/normalizer.js';
import { RULE_HOLD_MS } from '../../runtime/src/model/rule-holds.js';
import { INTERFACE_DOWN, ModelScorer, SCORER_DEFAULTS, silenceVerdictMs, VERDICT_MARGIN_MS } from '../../runtime/src/model/scorer.js';
import { AdaptiveThreshold, binOf, binUpper, calibrateThreshold } from '../../runtime/src/model/threshold.js';
import { IF_NAME, type LinkCondition, meshSim, neighborMac, probedLink, testModel, testModelV2 } from '../support/model-fixture.js';

const t = suite('model: scorer');
const key = (i: number) => `${IF_NAME}/${neighborMac(i)}`;
const SEED = 77;

function scorerFor(model: Model, adapt = SCORER_DEFAULTS.adapt): ModelScorer {
  // Through the file, as the agent will load it.
  const bytes = encodeModel(model);
  if (!bytes.ok) throw new Error(bytes.error);
  const back = decodeModel(bytes.value);
  if (!back.ok) throw new Error(back.error);
  const s = ModelScorer.create(back.value, { ...SCORER_DEFAULTS, adapt });
  if (!s.ok) throw new Error(s.error);
  return s.value;
}

/** Calibrate on a clean run of one simulated mesh: p99.9 of the errors × 1.5, as training will. */
function calibrated(): { model: Model; link: number; node: number } {
  const probe = scorerFor(testModel(SEED, 0xffff_ffff, 0xffff_ffff).model);
  const sim = meshSim(1);
  const linkErrors: number[] = [];
  const nodeErrors: number[] = [];
  for (let c = 0; c < 900; c++) {
    const view = sim.step();
    for (const l of view.links.values()) {
      probe.scoreLink(l, view);
      const j = probe.lastLink(l.key);
      if (j) linkErrors.push(j.error);
    }
    probe.scoreNode(view);
    const n = probe.lastNode();
    if (n) nodeErrors.push(n.error);
  }
  const link = calibrateThreshold(linkErrors, 999_000, 1500);
  const node = calibrateThreshold(nodeErrors, 999_000, 1500);
  return { model: testModel(SEED, link, node).model, link, node };
}

const cal = calibrated();

t('warm-up: no score for a link until its normaliser has seen 30 samples', () => {
  const scorer = scorerFor(cal.model);
  const sim = meshSim(2);
  for (let c = 1; c <= 40; c++) {
    const view = sim.step();
    const s = scorer.scoreLink(view.links.get(key(0))!, view);
    if (c <= SCORER_DEFAULTS.warmup) assert.is(s, null, `cycle ${c}`);
    else assert.ok(s !== null && s >= 0 && s <= 1, `cycle ${c}: ${s}`);
    assert.is(scorer.scoreLink(view.links.get(key(0))!, view), s, 'a second call in the same cycle gives the same answer');
  }
  assert.is(scorer.evaluateLink(sim.monitor.view.links.get(key(1))!, sim.monitor.view), null, 'link 1 was never scored: no state');
});

t('a clean mesh raises no incident; a link with noisy TQ and late OGMs does (the model’s, not the rule’s), and it resolves after', () => {
  const scorer = scorerFor(cal.model);
  const config = () => ({ ...LOOP_DEFAULTS, excludeInterfaces: [] });
  const rule = new LinkDegradedDetector(config, scorer);
  const detector = new LinkAnomalyDetector(config, scorer);
  const book = new IncidentBook();
  const sim = meshSim(3); // not the calibration run's mesh
  const events: IncidentEvent[] = [];
  const ruleEvents: IncidentEvent[] = [];
  const step = (cond?: (n: number, b: LinkCondition) => LinkCondition) => {
    const view = sim.step(cond);
    const at = { wallMs: sim.now(), monoMs: sim.now() };
    ruleEvents.push(...book.apply(rule, rule.observe(view), at));
    events.push(...book.apply(detector, detector.observe(view), at));
    return view;
  };
  let max = 0;
  for (let c = 0; c < 600; c++) {
    const view = step();
    for (let i = 0; i < 4; i++) max = Math.max(max, scorer.lastLink(key(i))?.score ?? 0);
    assert.ok(view.links.size === 4);
  }
  assert.equal(events, [], 'ten clean minutes: no incident');
  assert.ok(max < 1, `highest clean score ${max}`);

  // Neighbour 2: TQ mean unchanged, its spread ×10, OGMs arriving late (still under neighbor_lost_ms).
  const fault = (n: number, b: LinkCondition) => (n === 2 ? { ...b, tqNoise: 30, lastSeenMs: 1300 } : b);
  let openedAt = -1;
  const faultScores: number[] = [];
  for (let c = 0; c < 60; c++) {
    step(fault);
    faultScores.push(scorer.lastLink(key(2))?.score ?? -1);
    if (openedAt < 0 && events.some((e) => e.type === 'opened')) openedAt = c;
  }
  const opened = events.filter((e) => e.type === 'opened');
  assert.is(opened.length, 1, 'one incident, for the faulty link only');
  assert.is(opened[0]!.incident.kind, 'link-anomaly');
  assert.is(opened[0]!.incident.target, `link:${key(2)}`);
  assert.is(opened[0]!.incident.evidence.values.modelScore, 1);
  assert.equal(ruleEvents, [], 'the EWMA rule (which leads to actions) does not see this fault, and the model alone does not make it fire');
  assert.ok(openedAt >= 0 && openedAt < 30, `opened ${openedAt} cycles into the fault`);
  const judged = scorer.lastLink(key(2))!;
  assert.ok(judged.error >= judged.threshold && judged.worstFeature !== '', `${judged.worstFeature} z ${judged.worstZ}`);

  // The fault is learnt only clipped to 2 σ a cycle: anomalous for its first minute.
  const atOne = faultScores.slice(openedAt).filter((x) => x >= 1).length / (faultScores.length - openedAt);
  assert.ok(atOne > 0.9, `share of the fault's cycles at 1 after the incident opened: ${atOne}`);
  for (let c = 0; c < 200; c++) step();
  assert.ok(events.some((e) => e.type === 'resolved' && e.incident.target === `link:${key(2)}`), 'resolved once the link is clean again');
  assert.is(events.filter((e) => e.type === 'opened').length, 1);
});

t('a lasting condition is learnt over minutes (clipped learning while anomalous): a link does not stay anomalous for ever', () => {
  const scorer = scorerFor(cal.model);
  const sim = meshSim(4);
  for (let c = 0; c < 200; c++) {
    const view = sim.step();
    for (const l of view.links.values()) scorer.scoreLink(l, view);
  }
  const fault = (n: number, b: LinkCondition) => (n === 2 ? { ...b, tqNoise: 30, lastSeenMs: 1300 } : b);
  const scores: number[] = [];
  for (let c = 0; c < 900; c++) {
    const view = sim.step(fault);
    for (const l of view.links.values()) scorer.scoreLink(l, view);
    scores.push(scorer.lastLink(key(2))?.score ?? -1);
  }
  const share = (xs: number[]) => xs.filter((x) => x >= 1).length / xs.length;
  const early = share(scores.slice(10, 40));
  const late = share(scores.slice(-100));
  assert.ok(early >= 0.85 && late < 0.2, `share of cycles at 1: ${early} in the fault's cycles 10-40, ${late} in the last 100 of 15 minutes`);
});

t('the node score: a node losing half its neighbours is anomalous', () => {
  const scorer = scorerFor(cal.model);
  const sim = meshSim(4);
  let last: number | null = null;
  for (let c = 0; c < 300; c++) {
    last = scorer.scoreNode(sim.step());
    if (c < SCORER_DEFAULTS.warmup) assert.is(last, null);
  }
  assert.ok(last !== null && last < 1, `clean node score ${last}`);
  let hit = false;
  for (let c = 0; c < 20; c++) {
    const view = sim.step((n, b) => (n >= 2 ? { ...b, absent: true } : b));
    if (scorer.scoreNode(view) === 1) hit = true;
    assert.is(scorer.scoreNode(view), scorer.lastNode()?.score ?? null);
  }
  assert.ok(hit, `node score ${scorer.lastNode()?.score}`);
});

t('state of a link the monitor forgot is dropped', () => {
  const scorer = scorerFor(cal.model);
  const sim = meshSim(5, 4, { ...MONITOR_LIMITS, retentionMs: 10_000 });
  for (let c = 0; c < 40; c++) {
    const view = sim.step();
    for (const l of view.links.values()) scorer.scoreLink(l, view);
  }
  assert.is(scorer.trackedLinks, 4);
  for (let c = 0; c < 15; c++) {
    const view = sim.step((n, b) => (n === 3 ? { ...b, absent: true } : b));
    for (const l of view.links.values()) if (l.live) scorer.scoreLink(l, view);
  }
  assert.is(sim.monitor.view.links.size, 3);
  assert.is(scorer.trackedLinks, 3);
});

t('a model for feature sets this agent does not compute is refused', () => {
  const m = testModel(1).model;
  const wrong = { ...m, networks: [{ ...m.networks[0]!, featureVersion: 9 }] };
  const r = ModelScorer.create(wrong);
  assert.equal(r, { ok: false, error: "the model's link network wants link features v9, which this agent does not compute" });
  const onlyNode = ModelScorer.create({ ...m, networks: [m.networks[1]!] });
  assert.ok(onlyNode.ok);
  const sim = meshSim(1);
  const view = sim.step();
  assert.is(onlyNode.value.scoreLink(view.links.get(key(0))!, view), null, 'no link network: no opinion');
  assert.equal(onlyNode.value.thresholds(), { link: null, node: m.networks[1]!.threshold });
});

t('threshold: calibration is the clean quantile times the margin', () => {
  const errors = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000
  assert.is(calibrateThreshold(errors, 999_000, 1500), Math.ceil(999 * 1.5));
  assert.is(calibrateThreshold(errors, 500_000, 1000), 500);
  assert.is(calibrateThreshold([], 999_000, 1500), 1);
});

t('threshold: adapts slowly toward the own clean quantile of the node, never outside half and twice the calibrated one', () => {
  const opts = { minSamples: 1000, every: 100, lowerPermille: 500, upperPermille: 2000 };
  // A quiet node: clean errors 0..99, target 150 → held at the lower bound 500.
  const quiet = new AdaptiveThreshold(1000, 999_000, 1500, opts);
  for (let i = 0; i < 999; i++) quiet.observeClean(i % 100);
  assert.is(quiet.value, 1000, 'nothing before minSamples');
  quiet.observeClean(5);
  assert.is(quiet.value, 1000 - Math.ceil(500 / 8), 'the first step is 1/8 of the way');
  for (let i = 0; i < 20_000; i++) quiet.observeClean(i % 100);
  assert.is(quiet.value, 500);
  // A noisy node: clean errors near 1900 → target ~2900 → held at the upper bound 2000.
  const noisy = new AdaptiveThreshold(1000, 999_000, 1500, opts);
  for (let i = 0; i < 20_000; i++) noisy.observeClean(1800 + (i % 100));
  assert.is(noisy.value, 2000);
  // In between: converges near quantile × margin (bin upper edge: within 1/8 octave).
  const mid = new AdaptiveThreshold(1000, 999_000, 1500, opts);
  for (let i = 0; i < 50_000; i++) mid.observeClean(800 + (i % 100));
  assert.ok(mid.value >= 899 * 1.5 && mid.value <= 899 * 1.5 * 1.13, `${mid.value}`);
  assert.is(mid.score(mid.value), 1);
  assert.is(mid.score(0), 0);
  // Bins: exact below 8, every error below its bin's upper edge, monotone.
  for (let e = 0; e < 100_000; e += 13) assert.ok(binUpper(binOf(e)) > e && (e < 8 || binUpper(binOf(e)) <= e * 1.125 + 1));
  assert.is(binOf(2 ** 40), binOf(0x7fffffff));
});

t('a v2 model scores the link probes: probe loss with an unchanged TQ alarms, the clean link does not', () => {
  // Calibrate on a clean probed run (10 % probe loss is this link's normal), then a fresh mesh.
  const run = (threshold: number, faultFrom: number | null) => {
    const scorer = scorerFor(testModelV2(SEED, threshold));
    const sim = meshSim(faultFrom === null ? 21 : 22);
    const p = probedLink(sim, 0);
    const errors: number[] = [];
    const scores: (number | null)[] = [];
    for (let c = 0; c < 300; c++) {
      const lossy = faultFrom !== null && c >= faultFrom && c < faultFrom + 20;
      p.step((k) => (lossy ? k < 3 : k === c % 10));
      const view = sim.monitor.view;
      scores.push(scorer.scoreLink(view.links.get(key(0))!, view));
      const j = scorer.lastLink(key(0));
      if (j) errors.push(j.error);
    }
    return { errors, scores };
  };
  const threshold = calibrateThreshold(run(0xffff_ffff, null).errors, 999_000, 1500);
  const { scores } = run(threshold, 200);
  const alarms = (from: number, to: number) => scores.slice(from, to).filter((s) => s === 1).length;
  assert.is(alarms(60, 200), 0, 'no alarm on the clean part');
  assert.ok(alarms(200, 220) >= 10, `probe loss alarms (${alarms(200, 220)} of 20 cycles)`);
});

t('out-of-range test (v3): a link whose probes stop opens its incident within two cycles, named by the silence; without the test it waits', () => {
  const config = () => ({ ...LOOP_DEFAULTS, excludeInterfaces: [] });
  const run = (threshold: number, silentFrom: number | null, linkZ = SCORER_DEFAULTS.outOfRangeZ.link) => {
    const bytes = encodeModel(testModelV2(SEED, threshold, 3));
    if (!bytes.ok) throw new Error(bytes.error);
    const back = decodeModel(bytes.value);
    if (!back.ok) throw new Error(back.error);
    const made = ModelScorer.create(back.value, { ...SCORER_DEFAULTS, outOfRangeZ: { ...SCORER_DEFAULTS.outOfRangeZ, link: linkZ } });
    if (!made.ok) throw new Error(made.error);
    const scorer = made.value;
    const detector = new LinkAnomalyDetector(config, scorer);
    const book = new IncidentBook();
    const sim = meshSim(silentFrom === null ? 23 : 24);
    const p = probedLink(sim, 0);
    const errors: number[] = [];
    const opened: { cycle: number; incident: IncidentEvent['incident'] }[] = [];
    let farOnClean = 0;
    for (let c = 0; c < 260; c++) {
      const silent = silentFrom !== null && c >= silentFrom;
      p.step((k) => silent || k === c % 10); // 10 % probe loss is this link's normal
      const view = sim.monitor.view;
      for (const e of book.apply(detector, detector.observe(view), { wallMs: sim.now(), monoMs: sim.now() })) {
        if (e.type === 'opened' && e.incident.target === `link:${key(0)}`) opened.push({ cycle: c, incident: e.incident });
      }
      const j = scorer.lastLink(key(0));
      if (j) errors.push(j.error);
      if (j?.outOfRange && !silent) farOnClean++;
    }
    return { errors, opened, farOnClean };
  };
  const threshold = calibrateThreshold(run(0xffff_ffff, null).errors, 999_000, 1500);
  const clean = run(threshold, null);
  assert.is(clean.farOnClean, 0, 'nothing out of range on the clean link');
  const withTest = run(threshold, 200);
  assert.is(withTest.farOnClean, 0);
  const first = withTest.opened[0];
  assert.ok(first && first.cycle >= 200 && first.cycle <= 201, `opened at cycle ${first?.cycle} (silent from 200)`);
  assert.is(first!.incident.evidence.values.outOfRange, true);
  assert.is(first!.incident.evidence.values.worstFeature, 'probe_silence_s');
  assert.match(first!.incident.evidence.summary, /probe_silence_s .* standard deviations from its normal/);
  const without = run(threshold, 200, Number.POSITIVE_INFINITY);
  const late = without.opened.find((o) => o.cycle >= 200);
  assert.ok(!late || late.cycle >= 200 + LOOP_DEFAULTS.degradedCycles - 1, `without the test: ${late?.cycle ?? 'never'}`);
});

t('a link whose probes stop: the scorer asks for a cycle when its silence passes the out-of-range test, where it is out of range and 40 ms before it is not', () => {
  const scorer = scorerFor(testModelV2(SEED, 0xffff_ffff, 3));
  const sim = meshSim(25);
  const p = probedLink(sim, 0);
  const link = () => sim.monitor.view.links.get(key(0))!;
  for (let c = 0; c < 120; c++) {
    p.step((k) => k === c % 10); // 10 % probe loss is this link's normal
    const view = sim.monitor.view;
    scorer.scoreLink(link(), view);
    assert.is(scorer.nextVerdictMono(view, 200), Number.POSITIVE_INFINITY, `cycle ${c}: its probes arrive`);
  }
  // The neighbour's probes stop after the second of this second: 700 ms of silence at the cycle.
  p.step((k) => k >= 2);
  const view = sim.monitor.view;
  scorer.scoreLink(link(), view);
  assert.is(scorer.lastLink(key(0))?.outOfRange, false, 'not out of range yet');
  const wake = scorer.nextVerdictMono(view, 200);
  assert.ok(wake > view.nowMono && wake < view.nowMono + 1000, `asks for a cycle before the next regular one (${wake - view.nowMono} ms on)`);
  const at = (mono: number) => scorer.evaluateLink(link(), { ...view, nowMono: mono });
  assert.is(at(wake)?.outOfRange, true, 'out of range when it asked');
  assert.is(at(wake)?.worstFeature, 'probe_silence_s');
  assert.is(at(wake - 40)?.outOfRange, false, '40 ms earlier it was not');
  // The silence at which the link is out of range, as the evaluation's replay asks for it.
  const heard = view.probes.get(key(0))?.reception.lastHeardMono as number;
  assert.is(scorer.silenceOutOfRangeMs(key(0)), wake - heard - VERDICT_MARGIN_MS);
  assert.is(scorer.silenceOutOfRangeMs('no such link'), null);
  // Without probes (interval 0) or with a feature set without the silence in seconds, it never asks.
  assert.is(scorer.nextVerdictMono(view, 0), Number.POSITIVE_INFINITY);
  const v2 = scorerFor(testModelV2(SEED, 0xffff_ffff, 2));
  for (let c = 0; c < 40; c++) v2.scoreLink(link(), { ...view, cycles: view.cycles + 1 + c });
  assert.is(v2.nextVerdictMono(view, 200), Number.POSITIVE_INFINITY);
});

t('when a silent link is looked at again: its test plus the margin, once its probes stopped, not after', () => {
  assert.is(silenceVerdictMs(500, 1200, 200), 1200 + VERDICT_MARGIN_MS, 'stopped at 2.5 intervals');
  assert.is(silenceVerdictMs(499, 1200, 200), null, 'a lossy link\'s gap');
  assert.is(silenceVerdictMs(1200, 1200, 200), null, 'out of range already');
  assert.is(silenceVerdictMs(600, 30_001, 200), null, 'beyond the longest silence the feature tells apart');
  assert.is(silenceVerdictMs(600, 30_000, 200), 30_000 + VERDICT_MARGIN_MS);
  assert.is(silenceVerdictMs(5000, 9000, 0), null, 'no probes');
});

t('a link whose interface loses its carrier is out of range at once (after warm-up), and its incident opens in that cycle', () => {
  const scorer = scorerFor(cal.model);
  const config = () => ({ ...LOOP_DEFAULTS, excludeInterfaces: [] });
  const detector = new LinkAnomalyDetector(config, scorer);
  const book = new IncidentBook();
  const sim = meshSim(4);
  const events: IncidentEvent[] = [];
  const step = () => {
    const view = sim.step();
    events.push(...book.apply(detector, detector.observe(view), { wallMs: sim.now(), monoMs: sim.now() }));
    return view;
  };
  // During warm-up the interface state judges nothing either.
  sim.carrier = false;
  for (let c = 0; c < 5; c++) step();
  assert.is(scorer.lastLink(key(0)), null, 'warming up');
  sim.carrier = true;
  for (let c = 0; c < 60; c++) step();
  assert.equal(events, [], 'clean');
  sim.carrier = false;
  step();
  const j = scorer.lastLink(key(0));
  assert.ok(j?.outOfRange && j.interfaceDown, 'out of range by the interface');
  assert.is(j?.worstFeature, INTERFACE_DOWN);
  assert.is(j?.score, 1);
  const opened = events.filter((e) => e.type === 'opened');
  assert.is(opened.length, 4, 'every link on the interface, in the first cycle without carrier');
  assert.match(String(opened[0]?.incident.evidence.summary), /lost its carrier/);
  sim.carrier = true;
  step();
  assert.is(scorer.lastLink(key(0))?.interfaceDown, false, 'carrier back: judged by its features again');
});

t('a recorded link row with "up": false is out of range; null (unknown, before format 4) and true are judged by the features', () => {
  const judged = (up: boolean | null | undefined) => {
    const scorer = scorerFor(cal.model);
    const base = new Array<number>(LINK_FEATURES_V1.features.length).fill(1);
    for (let c = 0; c < SCORER_DEFAULTS.warmup; c++) scorer.scoreRecorded('link', 'k', base, c, c * 1000, up === false ? true : up);
    const score = scorer.scoreRecorded('link', 'k', base, 100, 100_000, up);
    return { score, j: scorer.lastRecorded('link', 'k') };
  };
  const down = judged(false);
  assert.is(down.score, 1);
  assert.ok(down.j?.outOfRange && down.j.interfaceDown);
  for (const up of [true, null, undefined]) {
    const r = judged(up);
    assert.ok((r.score as number) < 1, `up ${up}: ${r.score}`);
    assert.is(r.j?.interfaceDown, false);
    assert.is(r.j?.outOfRange, false);
  }
});

t('the delay test: probes arriving 300 ms later than the link’s fastest open an incident within three cycles, named by the delay; jitter and a lone late probe do not', () => {
  const config = () => ({ ...LOOP_DEFAULTS, excludeInterfaces: [] });
  const run = (delayedFrom: number | null, added: number) => {
    const threshold = 0xffff_ffff; // the network never alarms: what opens is the delay test
    const scorer = scorerFor(testModelV2(SEED, threshold, 3));
    const detector = new LinkAnomalyDetector(config, scorer);
    const book = new IncidentBook();
    const sim = meshSim(26);
    const p = probedLink(sim, 0);
    const opened: { cycle: number; incident: IncidentEvent['incident'] }[] = [];
    let jitter = 1;
    for (let c = 0; c < 260; c++) {
      const delayed = delayedFrom !== null && c >= delayedFrom;
      // Normal: 0-19 ms of jitter on every probe, and every 10 s one probe 500 ms late.
      p.step(
        () => false,
        (k) => {
          jitter = (jitter * 1103515245 + 12345) % 2147483648;
          return (jitter % 20) + (k === 2 && c % 10 === 0 ? 500 : 0) + (delayed ? added : 0);
        },
      );
      const view = sim.monitor.view;
      for (const e of book.apply(detector, detector.observe(view), { wallMs: sim.now(), monoMs: sim.now() })) {
        if (e.type === 'opened' && e.incident.target === `link:${key(0)}`) opened.push({ cycle: c, incident: e.incident });
      }
    }
    return opened;
  };
  assert.equal(run(null, 0), [], 'no incident on the jittery link');
  const delayed = run(200, 300);
  const first = delayed[0];
  assert.ok(first && first.cycle >= 200 && first.cycle <= 202, `opened at cycle ${first?.cycle} (300 ms added from 200)`);
  assert.is(first!.incident.evidence.values.worstFeature, 'probe_delay_ms');
  assert.is(first!.incident.evidence.values.outOfRange, true);
  const ms = first!.incident.evidence.values.probeDelayMs as number;
  assert.ok(ms >= 280 && ms <= 320, `the delay in the evidence: ${ms} ms`);
  assert.match(first!.incident.evidence.summary, /its probes arrive (2[89]\d|3[012]\d) ms later than the link's fastest, [\d.]+ standard deviations above its normal/);
  // 60 ms more lies within the test's 10 σ of this link's jitter (its floor is 10 ms): not out of range.
  assert.equal(run(200, 60), [], '60 ms on a link that jitters by 20');
});

t('a recorded link row: "dl" far above its learnt normal is out of range; null or absent (not measured, before format 5) judges by the features', () => {
  const judged = (dl: number | null | undefined) => {
    const scorer = scorerFor(cal.model);
    const base = new Array<number>(LINK_FEATURES_V1.features.length).fill(1);
    for (let c = 0; c < 60; c++) scorer.scoreRecorded('link', 'k', base, c, c * 1000, true, dl === undefined ? undefined : c % 5);
    const score = scorer.scoreRecorded('link', 'k', base, 100, 100_000, true, dl);
    return { score, j: scorer.lastRecorded('link', 'k') };
  };
  const far = judged(300);
  assert.is(far.score, 1);
  assert.ok(far.j?.outOfRange);
  assert.is(far.j?.worstFeature, 'probe_delay_ms');
  assert.ok((far.j?.worstZ as number) > 10);
  const near = judged(6);
  assert.ok((near.score as number) < 1, `6 ms: ${near.score}`);
  for (const dl of [null, undefined]) {
    const r = judged(dl);
    assert.ok((r.score as number) < 1, `dl ${dl}: ${r.score}`);
    assert.is(r.j?.outOfRange, false);
  }
});

t('out-of-range distance per network: 11 σ is out of range for a link (10 σ), not for the node (12 σ)', () => {
  const at = (target: 'link' | 'node', z: number) => {
    const scorer = scorerFor(cal.model);
    const set = featureSet(target, 1);
    if (!set) throw new Error('no feature set');
    // Constant samples: σ is 0, so a feature's distance is its offset over the feature's floor.
    const base = new Array<number>(set.features.length).fill(1);
    for (let c = 0; c < SCORER_DEFAULTS.warmup + 5; c++) scorer.scoreRecorded(target, 'k', base, c);
    const far = base.slice();
    far[0] = 1 + z * (set.features[0]?.floor as number);
    scorer.scoreRecorded(target, 'k', far, 100);
    return scorer.lastRecorded(target, 'k')?.outOfRange;
  };
  assert.is(SCORER_DEFAULTS.outOfRangeZ.link, 10);
  assert.is(SCORER_DEFAULTS.outOfRangeZ.node, 12);
  assert.is(at('link', 11), true);
  assert.is(at('node', 11), false);
  assert.is(at('node', 13), true);
});

t('each network\'s normaliser learns at its own alpha (ScorerOptions.alpha)', () => {
  // Constant samples, one step of 2 floors on the first feature, the constant again: how far
  // the normal followed the step shows in the last input, and depends on that network's alpha.
  const afterStep = (alpha: { link: number; node: number }, target: 'link' | 'node') => {
    const made = ModelScorer.create(cal.model, { ...SCORER_DEFAULTS, alpha });
    if (!made.ok) throw new Error(made.error);
    const set = featureSet(target, 1);
    if (!set) throw new Error('no feature set');
    const base = new Array<number>(set.features.length).fill(1);
    for (let c = 0; c < SCORER_DEFAULTS.warmup; c++) made.value.scoreRecorded(target, 'k', base, c);
    const step = base.slice();
    step[0] = 1 + 2 * (set.features[0]?.floor as number);
    made.value.scoreRecorded(target, 'k', step, SCORER_DEFAULTS.warmup);
    made.value.scoreRecorded(target, 'k', base, SCORER_DEFAULTS.warmup + 1);
    return Array.from(made.value.lastInput(target) ?? []);
  };
  const fastLinks = { link: 0.5, node: SCORER_DEFAULTS.alpha.node };
  assert.not.equal(afterStep(fastLinks, 'link'), afterStep(SCORER_DEFAULTS.alpha, 'link'));
  assert.equal(afterStep(fastLinks, 'node'), afterStep(SCORER_DEFAULTS.alpha, 'node'));
});

t("a rule's incident on a link holds its learning for RULE_HOLD_MS; neighbor-lost, the model's own incidents and the node hold nothing", () => {
  const set = featureSet('link', 1);
  if (!set) throw new Error('no feature set');
  const k = 'eth1/aa:00:00:00:00:0a';
  const base = new Array<number>(set.features.length).fill(1);
  const step = base.slice();
  step[0] = 1 + 2 * (set.features[0]?.floor as number);
  // Warm-up on a constant, then (at cycle W, time W s) one stepped sample, then the
  // constant again: the last input shows whether the step was learnt.
  const W = SCORER_DEFAULTS.warmup;
  const afterStep = (incident: [string, string, number] | null, stepped = true) => {
    const made = ModelScorer.create(cal.model, SCORER_DEFAULTS);
    if (!made.ok) throw new Error(made.error);
    const scorer = made.value;
    for (let c = 0; c < W; c++) scorer.scoreRecorded('link', k, base, c, c * 1000);
    if (incident) scorer.incidentOpened(incident[0], incident[1], incident[2]);
    const score = scorer.scoreRecorded('link', k, stepped ? step : base, W, W * 1000);
    assert.ok(score !== null, 'a held link is still judged');
    scorer.scoreRecorded('link', k, base, W + 1, (W + 1) * 1000);
    return Array.from(scorer.lastInput('link') ?? []);
  };
  const unheld = afterStep(null);
  const never = afterStep(null, false);
  assert.not.equal(unheld, never, 'unheld, the step is learnt');
  const openedAt = W * 1000 - 500;
  assert.equal(afterStep(['route-flapping', `link:${k}`, openedAt]), never, 'held by a rule on the link');
  assert.equal(afterStep(['route-flapping', `link:${k}`, W * 1000]), unheld, 'not in the cycle that opened it');
  assert.equal(afterStep(['deaf-interface', 'if:eth1', openedAt]), never, 'held by a rule on its interface');
  assert.equal(afterStep(['deaf-interface', 'if:eth2', openedAt]), unheld, 'another interface holds nothing');
  assert.equal(afterStep(['link-degraded', 'link:eth1/aa:00:00:00:00:0b', openedAt]), unheld, 'another link holds nothing');
  assert.equal(afterStep(['neighbor-lost', `link:${k}`, openedAt]), unheld, 'neighbor-lost holds nothing');
  assert.equal(afterStep(['link-anomaly', `link:${k}`, openedAt]), unheld, "the model's own incident holds nothing");
  assert.equal(afterStep(['link-flapping', `link:${k}`, W * 1000 - RULE_HOLD_MS]), unheld, 'the hold ends RULE_HOLD_MS after the incident opened');
  assert.equal(afterStep(['link-flapping', `link:${k}`, W * 1000 - RULE_HOLD_MS + 1]), never, 'and lasts until then');

  // The node network is never held.
  const nodeSet = featureSet('node', 1);
  if (!nodeSet) throw new Error('no feature set');
  const nb = new Array<number>(nodeSet.features.length).fill(1);
  const ns = nb.slice();
  ns[0] = 1 + 2 * (nodeSet.features[0]?.floor as number);
  const nodeAfter = (incident: boolean) => {
    const made = ModelScorer.create(cal.model, SCORER_DEFAULTS);
    if (!made.ok) throw new Error(made.error);
    for (let c = 0; c < W; c++) made.value.scoreRecorded('node', 'node', nb, c, c * 1000);
    if (incident) assert.is(made.value.incidentOpened('isolated-node', 'node:self', W * 1000 - 500), false);
    made.value.scoreRecorded('node', 'node', ns, W, W * 1000);
    made.value.scoreRecorded('node', 'node', nb, W + 1, (W + 1) * 1000);
    return Array.from(made.value.lastInput('node') ?? []);
  };
  assert.equal(nodeAfter(true), nodeAfter(false));
});

t("a cycle in which one of its links alarmed holds the node's learning, that cycle only; a quiet link holds nothing", () => {
  const linkSet = featureSet('link', 1);
  const nodeSet = featureSet('node', 1);
  if (!linkSet || !nodeSet) throw new Error('no feature set');
  const k = 'eth1/aa:00:00:00:00:0a';
  const lb = new Array<number>(linkSet.features.length).fill(1);
  const far = lb.slice();
  far[0] = 1 + 20 * (linkSet.features[0]?.floor as number); // 20 σ: out of range, score 1 whatever the network says
  const nb = new Array<number>(nodeSet.features.length).fill(1);
  const ns = nb.slice();
  ns[0] = 1 + 2 * (nodeSet.features[0]?.floor as number);
  const W = SCORER_DEFAULTS.warmup;
  // Warm-up on constants; then the link (far or not) and the node (stepped or not) in the
  // cycle `nodeStepAt`, links first as the loop scores them; then constants again: the
  // node's last input shows whether its step was learnt.
  const nodeAfter = (o: { linkAlarmAt: number | null; nodeStepAt: number | null; hold?: number | null }) => {
    const made = ModelScorer.create(cal.model, o.hold === undefined ? SCORER_DEFAULTS : { ...SCORER_DEFAULTS, linkAlarmHoldsNode: o.hold });
    if (!made.ok) throw new Error(made.error);
    const scorer = made.value;
    for (let c = 0; c < W + 3; c++) {
      const linkScore = scorer.scoreRecorded('link', k, c === o.linkAlarmAt ? far : lb, c, c * 1000);
      if (c === o.linkAlarmAt) assert.is(linkScore, 1, 'the link alarms');
      const nodeScore = scorer.scoreRecorded('node', 'node', c === o.nodeStepAt ? ns : nb, c, c * 1000);
      if (c >= W) assert.ok(nodeScore !== null, 'a held node is still judged');
    }
    return Array.from(scorer.lastInput('node') ?? []);
  };
  const never = nodeAfter({ linkAlarmAt: null, nodeStepAt: null });
  const learnt = nodeAfter({ linkAlarmAt: null, nodeStepAt: W });
  assert.not.equal(learnt, never, 'without a link alarm the step is learnt');
  assert.equal(nodeAfter({ linkAlarmAt: W, nodeStepAt: W }), never, 'held in the cycle a link alarmed');
  assert.not.equal(nodeAfter({ linkAlarmAt: W, nodeStepAt: W + 1 }), nodeAfter({ linkAlarmAt: W, nodeStepAt: null }), 'learnt in the next cycle');
  assert.equal(nodeAfter({ linkAlarmAt: W, nodeStepAt: W + 1, hold: 1 }), nodeAfter({ linkAlarmAt: W, nodeStepAt: null, hold: 1 }), 'held one cycle more when asked');
  assert.equal(nodeAfter({ linkAlarmAt: W, nodeStepAt: W, hold: null }), learnt, 'never held when switched off');
});

/**
 * A link network that outputs 0 whatever it is given: its error is Σ q² of the input
 * steps, so what the scorer decides follows from the z-scores alone.
 */
function zeroOutputModel(threshold: number, errorTrim: number): Model {
  const n = LINK_FEATURES_V1.features.length;
  const net: QuantNetwork = {
    target: 'link',
    featureVersion: 1,
    inputDim: n,
    inputScale: STANDARD_INPUT_SCALE,
    inputZeroPoint: 0,
    threshold,
    quantilePpm: 995_000,
    marginPermille: 1000,
    layers: [{ inDim: n, outDim: n, activation: 'none', weights: new Int8Array(n * n), weightScales: new Float32Array(n).fill(1), bias: new Int32Array(n), m0: new Int32Array(n), shift: new Uint8Array(n).fill(1), outputScale: STANDARD_INPUT_SCALE, outputZeroPoint: 0 }],
  };
  if (errorTrim > 0) net.errorTrim = errorTrim;
  return { label: 'zero output', networks: [net] };
}

t('error trim: a lone feature at the input edge alarms only without the trim; three features out alarm with it', () => {
  // 127² = 16,129 squared steps for one feature at the edge (6 σ: clipped to 4 σ, inside the out-of-range 10 σ).
  const judge = (trim: number, far: number[]) => {
    const scorer = scorerFor(zeroOutputModel(12_000, trim));
    const base = new Array<number>(LINK_FEATURES_V1.features.length).fill(1);
    for (let c = 0; c < SCORER_DEFAULTS.warmup + 5; c++) scorer.scoreRecorded('link', 'k', base, c);
    const x = base.slice();
    for (const k of far) x[k] = 1 + 6 * (LINK_FEATURES_V1.features[k]?.floor as number);
    const score = scorer.scoreRecorded('link', 'k', x, 100);
    const j = scorer.lastRecorded('link', 'k');
    assert.is(j?.outOfRange, false);
    return { score, error: j?.error };
  };
  assert.equal(judge(0, []), { score: 0, error: 0 });
  assert.equal(judge(0, [3]), { score: 1, error: 127 * 127 });
  // The same lone feature with the two largest terms left out: nothing left to alarm on.
  assert.equal(judge(2, [3]), { score: 0, error: 0 });
  assert.equal(judge(2, [3, 5]), { score: 0, error: 0 });
  // Three features at the edge: the third term remains, above the threshold.
  assert.equal(judge(2, [3, 5, 9]), { score: 1, error: 127 * 127 });
  // The same trim through the file: written as format version 2, read back with the trim.
  const bytes = encodeModel(zeroOutputModel(12_000, 2));
  assert.ok(bytes.ok);
  const back = bytes.ok ? decodeModel(bytes.value) : null;
  assert.is(back?.ok && back.value.networks[0]?.errorTrim, 2);
});

t('an ensemble: the error is the rounded mean of its members\' errors, judged against the head\'s threshold', () => {
  // A threshold no clean error reaches: every scorer then learns the same samples (all in full, or all
  // clipped when a feature is out of range, which depends on the normaliser alone), so their states agree.
  const T = 1_000_000;
  const members = [SEED, SEED + 1, SEED + 2].map((seed) => testModel(seed, T, 1000).model.networks[0] as QuantNetwork);
  const ensemble = scorerFor({ label: 'ensemble', networks: members });
  const singles = members.map((m) => scorerFor({ label: 'one', networks: [m] }));
  const dim = members[0]!.inputDim;
  let checked = 0;
  let differ = 0;
  let roundedUp = 0;
  for (let c = 0; c < SCORER_DEFAULTS.warmup + 300; c++) {
    const raw = Array.from({ length: dim }, (_, i) => 10 + i + Math.sin(i * 12.9898 + c * 78.233) * (1 + (c % 7)));
    const e = ensemble.scoreRecorded('link', 'k', raw, c);
    for (const x of singles) x.scoreRecorded('link', 'k', raw, c);
    if (e === null) continue;
    const je = ensemble.lastRecorded('link', 'k')!;
    const errors = singles.map((x) => x.lastRecorded('link', 'k')!.error);
    const sum = errors[0]! + errors[1]! + errors[2]!;
    assert.is(je.error, Math.floor((sum + 1) / 3), `cycle ${c}: ${errors.join(', ')}`);
    if (sum % 3 === 2) roundedUp++;
    if (!je.outOfRange) assert.is(je.score, je.error / T);
    checked++;
    if (new Set(errors).size > 1) differ++;
  }
  assert.is(checked, 300);
  assert.ok(differ > 250, `the members disagree (${differ} of 300), so the mean is none of them`);
  assert.ok(roundedUp > 50, `${roundedUp} means rounded up`);
});

t.run();
