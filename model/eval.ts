/// <reference types="node" />
/**
 * `npm run model:eval`: the shipped model (model/x0tta6bl4.model) and its float
 * version (model/float-network.json) on the held-out runs of model/data (role
 * "test": topologies not used in training; no fault kind is used in training at all),
 * against Isolation Forest (model/iforest.py fits it, model/lib/iforest.ts scores it with its own normaliser) and
 * the EWMA degraded-link rule on the same rows. Writes model/report.json and
 * model/report.md.
 *
 * Rows evaluated: link (and node) rows of the test runs that the int8 scorer judged
 * (after each target's 30-sample warm-up), labelled normal or with a fault kind;
 * "recovery" (60 s after a fault) and "setup" rows are left out. Per fault kind:
 * positives are its rows, negatives all normal rows. Alarms are per cycle (score at
 * or above the threshold); detection delay uses the loop's hysteresis (an incident
 * after degraded_cycles = 5 consecutive alarms of one link, or at once when the
 * scorer's out-of-range test fired), from the fault's start,
 * on either end of the faulted link.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOP_DEFAULTS } from '../runtime/src/loop/settings.js';
import type { FeatureSet } from '../runtime/src/model/features.js';
import { dequantizeNetwork, floatReconstructionError } from '../runtime/src/model/float-inference.js';
import { decodeModel, ensembleOf, type Model } from '../runtime/src/model/format.js';
import { ensembleError } from '../runtime/src/model/error.js';
import { IntNetwork } from '../runtime/src/model/int-inference.js';
import type { FloatNetwork, QuantNetwork } from '../runtime/src/model/network.js';
import { SCORER_DEFAULTS } from '../runtime/src/model/scorer.js';
import { maxRoundingBound } from '../runtime/src/model/rounding-bound.js';
import { int8Input, outputSteps, TOLERANCE_STEPS } from './lib/agreement.js';
import { readModelRows, type RunInfo } from './lib/dataset.js';
import { RECOVERY_S, type Row } from './lib/labels.js';
import { atFalseAlarmRate, compareDelays, detectionDelays, falseAlarmCauses, incidentRows, liveModelDelay, median, prf, rocAuc, ruleIncidentsOutsideFaults, rulesDelay } from './lib/metrics.js';
import { type Forest, forestScore, parseForest } from './lib/iforest.js';
import { incidentsByRun, type RunIncidents, replayEwma, replayFloat, replayForest, replayInt8, type Scored, trainingInputs } from './lib/replay.js';
import { alarmF1, HELD_OUT_KINDS, MODEL_SETS, NO_FAULTS_QUANTILE_PPM, QUANTILE_CANDIDATES, quantile, quantileCandidates, SELECTION_KINDS, usableRuns } from './lib/selection.js';
import type { FloatArtifact } from './train.js';

const root = process.cwd(); // npm runs scripts at the repository's root
const RAISE_AFTER = LOOP_DEFAULTS.degradedCycles;
const SEED = 9;

interface KindResult {
  kind: string;
  positives: number;
  negatives: number;
  detectors: Record<string, { precision: number; recall: number; f1: number; auc: number; tp: number; fp: number; fn: number }>;
}

interface DelayResult {
  kind: string;
  run: string;
  links: string[];
  delays: Record<string, number | null>;
  /** In a run whose agents ran this model (RunInfo.liveModel): their own first link-anomaly incident, as logged. */
  live?: number | null;
}

const r1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
/** The false-alarm rates (shares of normal rows) at which every detector is also compared. */
const FALSE_ALARM_RATES = [0.001, 0.005, 0.01, 0.02];
const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

/** The link forest's alarms, on the training rows (at its chosen threshold) and the test rows: they hold the node forest's learning. */
interface LinkAlarms {
  train: readonly boolean[];
  test: readonly boolean[];
}

interface FittedForest {
  forest: Forest;
  /** Fit rows on which our scores were checked against scikit-learn's, and the largest difference. */
  checkedRows: number;
  maxScoreDiff: number;
}

/** Isolation Forest, fitted by scikit-learn on the training normal inputs (the autoencoder's), scored by lib/iforest.ts and checked against scikit-learn's own scores. */
function fitIsolationForest(fit: Float64Array[], set: FeatureSet): FittedForest {
  const dir = join(root, 'model/.cache');
  mkdirSync(dir, { recursive: true });
  const fitFile = join(dir, `iforest-fit-${set.target}.csv`);
  const forestFile = join(dir, `iforest-${set.target}.json`);
  writeFileSync(fitFile, `${fit.map((x) => Array.from(x, (v) => v.toFixed(4)).join(',')).join('\n')}\n`);
  // Debian's python3 (python3-sklearn), not another python3 earlier in PATH.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  process.stdout.write(execFileSync(python, [join(root, 'model/iforest.py'), String(SEED), fitFile, forestFile], { encoding: 'utf8' }));
  const json = JSON.parse(readFileSync(forestFile, 'utf8')) as { check: { every: number; scores: number[] } };
  const parsed = parseForest(json, set.features.length);
  if (!parsed.ok) throw new Error(parsed.error);
  const forest = parsed.value;
  // Our scoring against scikit-learn's on the rows it was fitted on (as written to the CSV).
  let maxScoreDiff = 0;
  json.check.scores.forEach((want, k) => {
    const x = Float64Array.from(fit[k * json.check.every] as Float64Array, (v) => Number(v.toFixed(4)));
    maxScoreDiff = Math.max(maxScoreDiff, Math.abs(forestScore(forest, x) - want));
  });
  if (maxScoreDiff > 1e-9) throw new Error(`isolation forest: our scores differ from scikit-learn's by up to ${maxScoreDiff}`);
  return { forest, checkedRows: json.check.scores.length, maxScoreDiff };
}

/**
 * The fitted forest replayed as the autoencoder is: its own normaliser per target,
 * learning clipped while it alarms (lib/replay.ts), the node held by `linkAlarm` (none:
 * never held). Its threshold is chosen by the autoencoder's rule: a quantile of its
 * scores on the training runs' normal rows (replayed with no alarm), each candidate
 * replayed on the training runs and picked by the F1 of its alarms on the selection kinds.
 */
function replayIsolationForest(f: FittedForest, trainRows: readonly Row[], set: FeatureSet, rows: readonly Row[], incidents: RunIncidents, linkAlarm?: LinkAlarms): Scored & FittedForest & { quantilePpm: number; trainAlarm: boolean[] } {
  const { forest } = f;
  const base = replayForest(forest, Number.POSITIVE_INFINITY, trainRows, set, incidents, linkAlarm?.train);
  const normal = base.error.filter((e, i) => e !== null && (trainRows[i] as Row).target === set.target && (trainRows[i] as Row).y === 'normal') as number[];
  const candidates = quantileCandidates(trainRows.filter((r) => r.target === set.target && SELECTION_KINDS.includes(r.y)).length);
  let best: { ppm: number; threshold: number; f1: number; alarm: boolean[] } = { ppm: candidates[candidates.length - 1] as number, threshold: Number.POSITIVE_INFINITY, f1: -1, alarm: [] };
  for (const ppm of candidates) {
    const threshold = quantile(normal, ppm);
    const r = replayForest(forest, threshold, trainRows, set, incidents, linkAlarm?.train);
    const f1 = alarmF1(r.alarm, r.error, trainRows, set.target, SELECTION_KINDS);
    if (f1 > best.f1) best = { ppm, threshold, f1, alarm: r.alarm };
  }
  return { ...replayForest(forest, best.threshold, rows, set, incidents, linkAlarm?.test), ...f, quantilePpm: best.ppm, trainAlarm: best.alarm };
}

/**
 * Integer against float inference of a target's networks on the test rows' inputs (the
 * int8 scorer's z-scores; an ensemble: each member's outputs against its own float
 * network, the errors and alarms of the whole, the mean of the members' errors as the
 * scorer computes it; output shares are of inputs × members): the largest output
 * difference in input steps and how many exceed the unit tests' 4 steps, against the
 * float network before quantization and against the same quantized model in float
 * (with the bound the model file guarantees for the latter, rounding-bound.ts); the
 * reconstruction error's relative difference (max, mean, share above the tests' 5 %),
 * over all inputs and over those near or above the threshold (float error at least half
 * of it), where a difference can change a decision; and how often both alarm alike
 * (each at its own threshold).
 */
function agreement(nets: readonly QuantNetwork[], floats: readonly FloatNetwork[], floatThreshold: number, inputs: readonly (Float64Array | null)[]) {
  const head = nets[0] as QuantNetwork;
  const ints = nets.map((n) => new IntNetwork(n));
  const s = head.inputScale;
  const trim = head.errorTrim ?? 0; // the errors compared are the ones the scorer thresholds
  // The int8 output ends at -128 and 127 steps (about ±4 σ): a float output clipped to that range.
  const inOutputRange = (v: number) => Math.max(-128 * s, Math.min(127 * s, v));
  let outputs = 0;
  let maxSteps = 0;
  let overSteps = 0;
  let overInRange = 0;
  let overGrid = 0;
  // The same quantized model in float arithmetic (its float view): what the integer arithmetic's roundings alone change.
  const views = nets.map((n) => dequantizeNetwork(n));
  let overSame = 0;
  let maxSame = 0;
  const all = { n: 0, max: 0, sum: 0, over: 0 };
  const near = { n: 0, max: 0, sum: 0, over: 0 };
  let sameAlarm = 0;
  for (const x of inputs) {
    if (!x) continue;
    const q = int8Input(head, x);
    const onGrid = Float64Array.from(q, (v) => (v - head.inputZeroPoint) * s);
    let intSum = 0;
    let floatSum = 0;
    nets.forEach((net, m) => {
      const int = ints[m] as IntNetwork;
      const float = floats[m] as FloatNetwork;
      const steps = outputSteps(int, net, float, x);
      const inRange = outputSteps(int, net, float, x, inOutputRange);
      // The float network on the int8 input itself (the grid it was trained on): what the integer arithmetic alone changes.
      const gridSteps = outputSteps(int, net, float, onGrid, inOutputRange);
      if (gridSteps > TOLERANCE_STEPS) overGrid++;
      const sameSteps = outputSteps(int, net, views[m] as FloatNetwork, onGrid);
      maxSame = Math.max(maxSame, sameSteps);
      if (sameSteps > TOLERANCE_STEPS) overSame++;
      maxSteps = Math.max(maxSteps, steps);
      if (steps > TOLERANCE_STEPS) overSteps++;
      if (inRange > TOLERANCE_STEPS) overInRange++;
      outputs++;
      intSum += int.reconstructionError(q, trim);
      floatSum += floatReconstructionError(float, x, trim);
    });
    const ei = ensembleError(intSum, nets.length);
    const ef = floatSum / nets.length / (s * s);
    const rel = Math.abs(ei - ef) / Math.max(ef, 1);
    for (const acc of ef >= floatThreshold / 2 ? [all, near] : [all]) {
      acc.n++;
      acc.max = Math.max(acc.max, rel);
      acc.sum += rel;
      if (rel > 0.05) acc.over++;
    }
    if (ei >= head.threshold === ef >= floatThreshold) sameAlarm++;
  }
  const pct = (a: number, b: number) => (b > 0 ? r3((100 * a) / b) : null);
  const summary = (a: typeof all) => ({ inputs: a.n, maxPercent: r3(100 * a.max), meanPercent: pct(a.sum, a.n), over5Percent: pct(a.over, a.n) });
  return { inputs: all.n, members: nets.length, maxOutputSteps: r3(maxSteps), over4StepsPercent: pct(overSteps, outputs), over4StepsInRangePercent: pct(overInRange, outputs), over4StepsOnGridPercent: pct(overGrid, outputs), sameModel: { maxOutputSteps: r3(maxSame), over4StepsPercent: pct(overSame, outputs), over4Steps: overSame, outputs, boundSteps: r3(Math.max(...nets.map(maxRoundingBound))) }, error: summary(all), errorNearThreshold: summary(near), sameAlarmPercent: pct(sameAlarm, all.n) };
}

/**
 * The rules' delay without neighbor-lost, beside the delay of every rule: neighbor-lost
 * reports a neighbour unheard for 2 s, which on a lossy radio link happens without a
 * fault too, so its share of the rules' "detections" is reported apart.
 */
const RULES_NOT_NEIGHBOR_LOST = 'rulesNotNeighborLost';
/** Isolation Forest whose node normaliser its links' alarms do not hold. */
const IFOREST_UNHELD = 'iforestUnheld';
/**
 * The int8 model's delays at the recorded rows' times, without the early cycles its agents
 * would have run (replay.ts, earlyCycleTimes): how the evaluation counted before session 22.
 */
const INT8_AS_RECORDED = 'int8AsRecorded';
const COLUMN: Record<string, string> = { [RULES_NOT_NEIGHBOR_LOST]: 'rules but neighbor-lost', [IFOREST_UNHELD]: 'iforest, node not held', [INT8_AS_RECORDED]: 'int8, no early cycles' };

/** A delay of a fault: a `delays` key, or LIVE (the agents' own model incidents). */
const LIVE = 'live';
const delayOf = (d: DelayResult, key: string): number | null => (key === LIVE ? (d.live ?? null) : (d.delays[key] ?? null));

/** Detector `a` (int8 or LIVE) against the agents' rules (`against`: a delays key) fault by fault: who was first where both detected, and who alone. */
function pairedDelays(delays: readonly DelayResult[], against: string, what: string, a = 'int8'): string {
  const c = compareDelays(delays.map((d) => ({ a: delayOf(d, a), b: delayOf(d, against) })));
  const who = a === LIVE ? "the agents' own model incidents" : a === INT8_AS_RECORDED ? 'the int8 model at the recorded rows\' times only (no early cycles)' : 'the int8 model';
  return `${who[0]?.toUpperCase()}${who.slice(1)} against ${what}, fault by fault: of the ${c.both} faults both detected, the model was earlier on ${c.earlier}, as early (within 0.1 s) on ${c.asEarly}, later on ${c.later} (median difference ${fmt(r1(c.medianDifference))} s); ${c.onlyA} detected by the model alone, ${c.onlyB} by the rules alone.`;
}

/** The same comparison per fault kind: where the model is behind the rules, and where ahead. */
function delaysByKind(delays: readonly DelayResult[], against: string, a = 'int8'): string[] {
  const kinds = [...new Set(delays.map((d) => d.kind))].sort();
  const name = a === LIVE ? 'model live' : a;
  const out = [
    `| fault kind | faults | ${name} detected, median s | ${COLUMN[against] ?? against} detected, median s | both: ${name} earlier / as early / later | ${name} alone / ${COLUMN[against] ?? against} alone |`,
    '|---|---|---|---|---|---|',
  ];
  for (const kind of kinds) {
    const c = compareDelays(delays.filter((d) => d.kind === kind).map((d) => ({ a: delayOf(d, a), b: delayOf(d, against) })));
    out.push(`| ${kind} | ${c.faults} | ${c.detectedA}, ${fmt(r1(c.medianA))} | ${c.detectedB}, ${fmt(r1(c.medianB))} | ${c.earlier} / ${c.asEarly} / ${c.later} | ${c.onlyA} / ${c.onlyB} |`);
  }
  return out;
}

/** The float networks of a target: the head, then an ensemble's other members (train.ts, ENSEMBLE). */
function floatNets(a: FloatArtifact['networks'][number]): FloatNetwork[] {
  return [a.net, ...(a.members ?? [])].map((n) => ({ inputDim: n.inputDim, layers: n.layers.map((l) => ({ ...l, weights: Float64Array.from(l.weights), bias: Float64Array.from(l.bias) })) }));
}

function evaluate(set: FeatureSet, rows: Row[], scored: Record<string, Scored>, runs: RunInfo[], modelLabel: string) {
  const target = set.target;
  const judged = scored.int8 as Scored;
  const idx = rows.map((_, i) => i).filter((i) => {
    const r = rows[i] as Row;
    return r.target === target && judged.error[i] !== null && r.y !== 'recovery' && r.y !== 'setup';
  });
  const kinds = [...new Set(idx.map((i) => (rows[i] as Row).y).filter((y) => y !== 'normal'))].sort();
  const normal = idx.filter((i) => (rows[i] as Row).y === 'normal');
  const names = Object.keys(scored);
  const results: KindResult[] = [];
  for (const kind of [...kinds, 'all faults']) {
    const pos = idx.filter((i) => (kind === 'all faults' ? (rows[i] as Row).y !== 'normal' : (rows[i] as Row).y === kind));
    const res: KindResult = { kind, positives: pos.length, negatives: normal.length, detectors: {} };
    for (const d of names) {
      const s = scored[d] as Scored;
      const val = (i: number) => s.error[i] ?? -1;
      const tp = pos.filter((i) => s.alarm[i]).length;
      const fp = normal.filter((i) => s.alarm[i]).length;
      const m = prf(tp, fp, pos.length - tp);
      res.detectors[d] = { precision: r3(m.precision) ?? 0, recall: r3(m.recall) ?? 0, f1: r3(m.f1) ?? 0, auc: r3(rocAuc(pos.map(val), normal.map(val))) ?? Number.NaN, tp, fp, fn: m.fn };
    }
    results.push(res);
  }
  // Every detector at the same fixed false-alarm rates (its cut set on these normal rows): the ranking of the scores without threshold selection.
  const allPos = idx.filter((i) => (rows[i] as Row).y !== 'normal');
  const atRates = FALSE_ALARM_RATES.map((rate) => ({
    rate,
    detectors: Object.fromEntries(
      names.map((d) => {
        const s = scored[d] as Scored;
        const val = (i: number) => s.error[i] ?? -1;
        const m = atFalseAlarmRate(allPos.map(val), normal.map(val), rate);
        return [d, { recall: r3(m.recall), precision: r3(m.precision), f1: r3(m.f1) }];
      }),
    ),
  }));
  // Incidents (5 consecutive alarms, or one out of range) on normal rows, and detection delays (links only).
  const normalSeconds = normal.length; // one row per cycle (1 s) per link
  const falseIncidents: Record<string, number> = {};
  const delays: DelayResult[] = [];
  const faults = runs.flatMap((r) => r.faults.map((f) => ({ ...f, run: r.run })));
  const perDetector: Record<string, ReturnType<typeof detectionDelays>> = {};
  for (const d of names) {
    const opened = incidentRows(rows, (scored[d] as Scored).alarm, RAISE_AFTER, (scored[d] as Scored).urgent);
    falseIncidents[d] = [...opened].filter((i) => (rows[i] as Row).target === target && (rows[i] as Row).y === 'normal').length;
    if (target === 'link') perDetector[d] = detectionDelays(rows, faults, opened, (scored[d] as Scored).at);
    if (target === 'link' && d === 'int8') perDetector[INT8_AS_RECORDED] = detectionDelays(rows, faults, opened);
  }
  if (target === 'link') {
    faults.forEach((f, k) => {
      const run = runs.find((r) => r.run === f.run) as RunInfo;
      const dl: Record<string, number | null> = {};
      for (const d of [...names, INT8_AS_RECORDED]) dl[d] = perDetector[d]?.[k]?.delay ?? null;
      dl.rules = rulesDelay(run, f);
      dl[RULES_NOT_NEIGHBOR_LOST] = rulesDelay(run, f, new Set(['neighbor-lost']));
      delays.push({ kind: f.kind, run: f.run, links: f.links, delays: dl, ...(run.liveModel === modelLabel && { live: liveModelDelay(run, f) }) });
    });
  }
  // Per test run (the same thresholds): all faults against that run's normal rows.
  const perRun = runs.map((run) => {
    const mine = idx.filter((i) => (rows[i] as Row).run === run.run);
    const neg = mine.filter((i) => (rows[i] as Row).y === 'normal');
    const pos = mine.filter((i) => (rows[i] as Row).y !== 'normal');
    const detectors: Record<string, { f1: number | null; fp: number; falseIncidents: number }> = {};
    for (const d of names) {
      const s = scored[d] as Scored;
      const tp = pos.filter((i) => s.alarm[i]).length;
      const fp = neg.filter((i) => s.alarm[i]).length;
      const opened = incidentRows(rows, s.alarm, RAISE_AFTER, s.urgent);
      const fi = [...opened].filter((i) => (rows[i] as Row).run === run.run && (rows[i] as Row).target === target && (rows[i] as Row).y === 'normal').length;
      detectors[d] = { f1: pos.length > 0 ? r3(prf(tp, fp, pos.length - tp).f1) : null, fp, falseIncidents: fi };
    }
    return { run: run.run, normalRows: neg.length, faultRows: pos.length, detectors };
  });
  // The rules' own incidents on the same normal link-time (links only: the rules name links).
  const ruleFalseIncidents: Record<string, number> = {};
  if (target === 'link') for (const run of runs) for (const [k, n] of Object.entries(ruleIncidentsOutsideFaults(run, RECOVERY_S))) ruleFalseIncidents[k] = (ruleFalseIncidents[k] ?? 0) + n;
  return { target, rows: idx.length, normalRows: normal.length, normalHours: r3(normalSeconds / 3600), kinds: results, atRates, falseIncidents, ...(target === 'link' && { ruleFalseIncidents }), falseAlarmCauses: falseAlarmCauses(judged, normal), delays, perRun };
}

/** What the alarm's error is, per target: "link: the squared error without its 2 largest per-feature terms, the mean over its 3 networks; node: ...". */
function errorDescription(model: Model): string {
  const parts: string[] = [];
  for (const target of ['link', 'node'] as const) {
    const members = ensembleOf(model.networks, target);
    const n = members[0];
    if (!n) continue;
    const error = n.errorTrim ? `the squared error without its ${n.errorTrim} largest per-feature terms` : 'the whole squared error';
    parts.push(`${target}: ${error}${members.length > 1 ? `, the mean over its ${members.length} networks` : ''}`);
  }
  return parts.join('; ');
}

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : String(x);
}

function main(): number {
  const runsFile = join(root, 'model/data/runs.json');
  const modelFile = join(root, 'model/x0tta6bl4.model');
  const floatFile = join(root, 'model/float-network.json');
  for (const f of [runsFile, modelFile, floatFile]) {
    if (!existsSync(f)) {
      process.stderr.write(`${f} is missing: label the lab runs and run npm run model:train first\n`);
      return 1;
    }
  }
  const { use: allRuns, skip } = usableRuns(JSON.parse(readFileSync(runsFile, 'utf8')) as RunInfo[]);
  const trainRuns = allRuns.filter((r) => r.role === 'train');
  const testRuns = allRuns.filter((r) => r.role === 'test');
  if (testRuns.length === 0) {
    // Nothing held out yet (e.g. right after a feature change): say so in the report rather than reuse old numbers.
    const none = {
      model: { file: 'model/x0tta6bl4.model', bytes: readFileSync(modelFile).length },
      data: {
        train: trainRuns.map((r) => ({ run: r.run, topology: r.topology, nodes: r.nodes, seconds: r.seconds, rows: r.rows, labels: r.labels })),
        notUsed: skip.map((r) => ({ run: r.run, topology: r.topology, role: r.role, why: 'recorded before the link probe features (16 link features)' })),
      },
      evaluated: false,
      why: 'no run with role "test" has the link probe features: nothing is held out, so nothing is evaluated',
    };
    writeFileSync(join(root, 'model/report.json'), `${JSON.stringify(none, null, 1)}\n`);
    const md = [
      '# The anomaly model: evaluation report',
      '',
      'Written by `npm run model:eval` (model/eval.ts); do not edit. How the data was made and what it lacks: docs/model.md.',
      '',
      `Model: \`model/x0tta6bl4.model\`, ${none.model.bytes} bytes, trained on ${trainRuns.map((r) => `${r.run} (${r.topology}, ${r.nodes} nodes, ${r.seconds} s)`).join(', ')}.`,
      '',
      `**Not evaluated: ${none.why}.** Record a held-out topology with the probe features (docs/model.md, "Retraining for another mesh"), label it \`--role test\` and run \`npm run model:eval\` again.`,
      '',
      ...(skip.length > 0 ? [`Not used: ${skip.map((r) => `${r.run} (${r.topology}, was ${r.role})`).join(', ')}: recorded before the link probe features (16 link features).`, ''] : []),
    ];
    writeFileSync(join(root, 'model/report.md'), `${md.join('\n')}`);
    process.stdout.write('model/report.json, model/report.md written (nothing held out: not evaluated)\n');
    return 0;
  }
  const model = decodeModel(new Uint8Array(readFileSync(modelFile)));
  if (!model.ok) throw new Error(model.error);
  const artifact = JSON.parse(readFileSync(floatFile, 'utf8')) as FloatArtifact;
  const trainRows = trainRuns.flatMap((r) => readModelRows(join(root, 'model/data', r.file)));
  const rows = testRuns.flatMap((r) => readModelRows(join(root, 'model/data', r.file)));
  // The rules' incidents hold links' learning in every replay, as on the router (rule-holds.ts).
  const incidents = incidentsByRun([...trainRuns, ...testRuns]);
  const trainHasFaults = trainRows.some((r) => SELECTION_KINDS.includes(r.y));
  const report: Record<string, unknown> = {
    model: { file: 'model/x0tta6bl4.model', bytes: readFileSync(modelFile).length, label: model.value.label, thresholds: Object.fromEntries(model.value.networks.map((n) => [n.target, n.threshold])), hiddenBits: Math.max(8, ...model.value.networks.flatMap((n) => n.layers.slice(0, -1).map((l) => l.outputBits ?? 8))) },
    data: {
      train: trainRuns.map((r) => ({ run: r.run, topology: r.topology, nodes: r.nodes, seconds: r.seconds, rows: r.rows, labels: r.labels })),
      test: testRuns.map((r) => ({ run: r.run, topology: r.topology, nodes: r.nodes, seconds: r.seconds, rows: r.rows, labels: r.labels, ...(r.liveModel !== undefined && { liveModel: r.liveModel }) })),
      notUsed: skip.map((r) => ({ run: r.run, topology: r.topology, role: r.role, why: 'recorded before the link probe features (16 link features)' })),
      // Recording format 4 on: the out-of-range test also judges a link whose interface is down.
      interfaceState: ((has) => testRuns.map((r) => r.run).filter((run) => has.has(run)))(new Set(rows.filter((x) => x.up !== undefined).map((x) => x.run))),
      // Recording format 5 on: the out-of-range test also judges a link's probe delay.
      probeDelay: ((has) => testRuns.map((r) => r.run).filter((run) => has.has(run)))(new Set(rows.filter((x) => x.dl !== undefined).map((x) => x.run))),
    },
    protocol: {
      heldOut: 'test runs are other topologies than the training runs; training uses normal rows only, so every fault kind is unseen in training',
      alarm: `per cycle: int8/float error >= its threshold (${errorDescription(model.value)}), or a feature at least ${SCORER_DEFAULTS.outOfRangeZ.link} (links) / ${SCORER_DEFAULTS.outOfRangeZ.node} (node) standard deviations from its normal, or a link whose interface is down or without carrier (rows recorded from format 4 on), or a link's probe delay (ms above its fastest) at least ${SCORER_DEFAULTS.outOfRangeZ.link} standard deviations above its normal (rows recorded from format 5 on) (the scorer's out-of-range test); Isolation Forest score >= its threshold (scikit-learn's forest, scored row by row with its own normaliser per target, learning clipped while it alarms, not at all while a rule's incident holds the link, and the node not at all in a cycle in which one of its links alarmed (each detector by its own links' alarms), as the autoencoder's; "iforest, node not held": the same forest without that hold; its inputs the z-scores on the int8 grid, ±4 σ; no out-of-range test); EWMA rule score >= 1 (its default settings)`,
      thresholds: `autoencoder and Isolation Forest alike: a quantile of the detector's scores on the training runs' normal rows, the quantile (of ${QUANTILE_CANDIDATES.map((q) => `${q / 1e4} %`).join(', ')}) picked by F1 on the training runs' rows of ${SELECTION_KINDS.join(', ')}; when the training runs have no such rows (fault-free recordings), the ${NO_FAULTS_QUANTILE_PPM / 1e4} % quantile`,
      heldOutKinds: trainHasFaults
        ? `${HELD_OUT_KINDS.join(', ')}: seen by nothing before this evaluation; the selection kinds are held out by topology only`
        : 'every fault kind: the training runs are fault-free, so no fault was seen before this evaluation (not even to pick a threshold)',
      incident: `${RAISE_AFTER} consecutive alarms of one target (degraded_cycles), or at once on an out-of-range alarm`,
      excluded: 'rows labelled recovery (60 s after a fault) or setup; rows before the int8 scorer warm-up',
    },
    unseenKinds: trainHasFaults ? HELD_OUT_KINDS : 'all',
    targets: [] as unknown[],
  };
  // Each detector's link alarms hold its own node's learning (scorer.ts, LINK_ALARM_HOLDS_NODE).
  const linkAlarm: { float?: boolean[]; iforest?: LinkAlarms } = {};
  for (const set of MODEL_SETS) {
    const fa = artifact.networks.find((n) => n.target === set.target);
    if (!fa) continue;
    const int8 = replayInt8(model.value, rows, set.target, SCORER_DEFAULTS, incidents);
    let train = trainingInputs(trainRows, set);
    if (train.length > 30_000) {
      const step = train.length / 30_000;
      train = Array.from({ length: 30_000 }, (_, i) => train[Math.floor(i * step)] as Float64Array);
    }
    const node = set.target === 'node';
    const fitted = fitIsolationForest(train, set);
    const iforest = replayIsolationForest(fitted, trainRows, set, rows, incidents, node ? linkAlarm.iforest : undefined);
    const scored: Record<string, Scored> = {
      int8,
      float: replayFloat(floatNets(fa), fa.floatThreshold, rows, set, model.value.networks.find((n) => n.target === set.target)?.errorTrim ?? 0, incidents, node ? linkAlarm.float : undefined),
      iforest,
    };
    if (set.target === 'link') {
      scored.ewma = replayEwma(rows);
      linkAlarm.float = scored.float?.alarm;
      linkAlarm.iforest = { train: iforest.trainAlarm, test: iforest.alarm };
    } else {
      // The forest as before the node's hold was adopted, beside it: on some runs it does better unheld.
      scored[IFOREST_UNHELD] = replayIsolationForest(fitted, trainRows, set, rows, incidents);
    }
    const res = evaluate(set, rows, scored, testRuns, model.value.label);
    const all = res.kinds.find((k) => k.kind === 'all faults');
    const gap = all ? (all.detectors.float?.auc ?? Number.NaN) - (all.detectors.int8?.auc ?? Number.NaN) : Number.NaN;
    const nets = ensembleOf(model.value.networks, set.target);
    (report.targets as unknown[]).push({ ...res, floatInt8AucGap: r3(gap), agreement: agreement(nets, floatNets(fa), fa.floatThreshold, int8.input ?? []), quantiles: { int8: fa.quantilePpm / 1e4, float: fa.quantilePpm / 1e4, iforest: iforest.quantilePpm / 1e4, ...(scored[IFOREST_UNHELD] && { [IFOREST_UNHELD]: (scored[IFOREST_UNHELD] as ReturnType<typeof replayIsolationForest>).quantilePpm / 1e4 }) }, iforestCheck: { rows: iforest.checkedRows, maxScoreDiff: iforest.maxScoreDiff } });
  }
  writeFileSync(join(root, 'model/report.json'), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(root, 'model/report.md'), markdown(report));
  process.stdout.write('model/report.json, model/report.md written\n');
  return 0;
}

function markdown(report: Record<string, unknown>): string {
  const m = report.model as { bytes: number; label: string; thresholds: Record<string, number>; hiddenBits: number };
  const data = report.data as { train: RunInfo[]; test: RunInfo[] };
  const out: string[] = [];
  out.push('# The anomaly model: evaluation report', '');
  out.push('Written by `npm run model:eval` (model/eval.ts); do not edit. How the data was made and what it lacks: docs/model.md.', '');
  out.push(`Model: \`model/x0tta6bl4.model\`, ${m.bytes} bytes, "${m.label}", thresholds ${Object.entries(m.thresholds).map(([k, v]) => `${k} ${v}`).join(', ')} (squared int8 steps); int8 weights, input and output, int${m.hiddenBits} hidden activations.`, '');
  out.push('## Data', '', '| role | run | topology | nodes | s | rows (links + node) | link row labels |', '|---|---|---|---|---|---|---|');
  for (const [role, rs] of [['train', data.train], ['test', data.test]] as const) {
    for (const r of rs) out.push(`| ${role} | ${r.run} | ${r.topology} | ${r.nodes} | ${r.seconds} | ${r.rows} | ${Object.entries(r.labels).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  }
  const notUsed = (report.data as { notUsed: { run: string; topology: string; role: string; why: string }[] }).notUsed;
  if (notUsed.length > 0) out.push('', `Not used: ${notUsed.map((r) => `${r.run} (${r.topology}, was ${r.role})`).join(', ')}: ${notUsed[0]?.why}.`);
  const withState = (report.data as { interfaceState: string[] }).interfaceState;
  out.push('', `Test runs whose link rows carry the interface's state (recording format 4 on), so that the out-of-range test judges a link whose interface is down: ${withState.length > 0 ? withState.join(', ') : 'none'}.`);
  const withDelay = (report.data as { probeDelay: string[] }).probeDelay;
  out.push('', `Test runs whose link rows carry the probe delay (recording format 5 on), so that the out-of-range test judges added delay: ${withDelay.length > 0 ? withDelay.join(', ') : 'none'}.`);
  const p = report.protocol as Record<string, string>;
  out.push('', '## Protocol', '', ...Object.entries(p).map(([k, v]) => `- ${k}: ${v}`), '');
  for (const t of report.targets as ReturnType<typeof evaluate>[] & { floatInt8AucGap: number }[]) {
    const tt = t as ReturnType<typeof evaluate> & { floatInt8AucGap: number | null; quantiles: Record<string, number>; agreement: ReturnType<typeof agreement>; iforestCheck: { rows: number; maxScoreDiff: number } };
    out.push(`## ${tt.target === 'link' ? 'Links' : 'The node'}`, '');
    out.push(`${tt.rows} rows evaluated, ${tt.normalRows} of them normal (${tt.normalHours} h of one target). Float − int8 ROC AUC over all faults: **${fmt(tt.floatInt8AucGap)}**. Thresholds at the clean-data quantile ${Object.entries(tt.quantiles).map(([d, q]) => `${COLUMN[d] ?? d} ${q} %`).join(', ')}. Kinds marked * were never seen before this evaluation (not even in threshold selection). Isolation Forest is scored by model/lib/iforest.ts; on ${tt.iforestCheck.rows} of its fit rows its scores and scikit-learn's differ by at most ${tt.iforestCheck.maxScoreDiff.toExponential(1)}.`, '');
    const a = tt.agreement;
    out.push(
      `Integer against float inference of ${a.members > 1 ? `this ensemble (each of its ${a.members} members against its own float network; shares of outputs are of inputs × members, errors and alarms are the ensemble's)` : 'this network'} on the ${a.inputs} test inputs: outputs at most ${fmt(a.maxOutputSteps)} input steps apart, more than 4 (the unit tests' tolerance) on ${fmt(a.over4StepsPercent)} % of inputs, on ${fmt(a.over4StepsInRangePercent)} % once the float output is clipped to the int8 output's range (-128..127 steps), on ${fmt(a.over4StepsOnGridPercent)} % when the float network also gets the int8 input (z rounded to the grid, as in training); against the same quantized model computed in float (its float view: what the integer arithmetic's roundings alone change) at most ${fmt(a.sameModel.maxOutputSteps)} steps (the model file bounds it at ${fmt(a.sameModel.boundSteps)} on any input: runtime/src/model/rounding-bound.ts), more than 4 on ${fmt(a.sameModel.over4StepsPercent)} % of inputs (${fmt(a.sameModel.over4Steps)} of ${fmt(a.sameModel.outputs)} inputs × members); reconstruction error apart by ${fmt(a.error.meanPercent)} % on average, more than 5 % on ${fmt(a.error.over5Percent)} % of inputs (at most ${fmt(a.error.maxPercent)} %); on the ${a.errorNearThreshold.inputs} inputs whose float error is at least half the threshold, ${fmt(a.errorNearThreshold.meanPercent)} % on average, more than 5 % on ${fmt(a.errorNearThreshold.over5Percent)} % (at most ${fmt(a.errorNearThreshold.maxPercent)} %). Both alarm alike on **${fmt(a.sameAlarmPercent)} %** of inputs.`,
      '',
    );
    const dets = Object.keys(tt.kinds[0]?.detectors ?? {});
    out.push(`| fault kind | rows | ${dets.map((d) => `${COLUMN[d] ?? d} P / R / F1 / AUC`).join(' | ')} |`, `|---|---|${dets.map(() => '---|').join('')}`);
    const unseen = (kind: string) => kind !== 'all faults' && (report.unseenKinds === 'all' || HELD_OUT_KINDS.includes(kind));
    for (const k of tt.kinds) out.push(`| ${k.kind}${unseen(k.kind) ? ' *' : ''} | ${k.positives} | ${dets.map((d) => { const x = k.detectors[d]; return x ? `${x.precision} / ${x.recall} / **${x.f1}** / ${fmt(x.auc)}` : '–'; }).join(' | ')} |`);
    out.push('', `All faults at fixed false-alarm rates (each detector's cut set on the test runs' normal rows themselves, an oracle no deployed threshold has; the scores of the AUC, so the int8 and float models without their out-of-range test): recall / precision / F1. This compares how the detectors rank the rows, apart from how their thresholds were chosen.`, '');
    out.push(`| false alarms | ${dets.map((d) => COLUMN[d] ?? d).join(' | ')} |`, `|---|${dets.map(() => '---|').join('')}`);
    for (const r of tt.atRates) out.push(`| ${r.rate * 100} % | ${dets.map((d) => { const x = r.detectors[d]; return x ? `${x.recall} / ${x.precision} / **${x.f1}**` : '–'; }).join(' | ')} |`);
    out.push('', `Incidents (${RAISE_AFTER} consecutive alarms, or one out of range) opened on normal rows: ${Object.entries(tt.falseIncidents).map(([d, n]) => `${COLUMN[d] ?? d} ${n}`).join(', ')}.`, '');
    if (tt.ruleFalseIncidents) {
      const rules = Object.entries(tt.ruleFalseIncidents).sort((a, b) => b[1] - a[1]);
      out.push(`The agents' rules in the same runs opened ${rules.reduce((a, [, n]) => a + n, 0)} incidents on lab links no fault touched (after the scenario's start, not within a fault on that link or the ${RECOVERY_S} s after it): ${rules.map(([k, n]) => `${k} ${n}`).join(', ')}.`, '');
    }
    const causes = tt.falseAlarmCauses;
    const shown = causes.slice(0, 8);
    const rest = causes.slice(8).reduce((a, c) => a + c.alarms, 0);
    out.push(`What raised the int8 model's ${causes.reduce((a, c) => a + c.alarms, 0)} alarm cycles on normal rows (each under the feature it reconstructed worst; out of range: the farthest feature): ${shown.map((c) => `${c.cause} ${c.alarms}`).join(', ')}${rest > 0 ? `, others ${rest}` : ''}.`, '');
    out.push('Per test run (same thresholds; F1 over all faults, – when the run has none; alarm cycles and incidents on its normal rows):', '');
    out.push(`| run | normal rows | fault rows | ${dets.map((d) => `${COLUMN[d] ?? d} F1 / false alarms / false incidents`).join(' | ')} |`, `|---|---|---|${dets.map(() => '---|').join('')}`);
    for (const pr of tt.perRun) out.push(`| ${pr.run} | ${pr.normalRows} | ${pr.faultRows} | ${dets.map((d) => `${fmt(pr.detectors[d]?.f1)} / ${pr.detectors[d]?.fp} / ${pr.detectors[d]?.falseIncidents}`).join(' | ')} |`);
    out.push('');
    if (tt.delays.length > 0) {
      const names = Object.keys(tt.delays[0]?.delays ?? {});
      out.push('Detection delay (s from the fault\'s start to the first incident on the faulted link; – = none while the fault lasted; "rules" = every rule of the agents in the lab run; int8 and float with the early cycle an agent running the model asks for as a silent link\'s probe silence passes the out-of-range test, placed where a run was recorded without it; "int8, no early cycles" = at the recorded rows\' times only):', '');
      out.push(`| run | fault | link | ${names.map((n) => COLUMN[n] ?? n).join(' | ')} |`, `|---|---|---|${names.map(() => '---|').join('')}`);
      for (const d of tt.delays) out.push(`| ${d.run} | ${d.kind} | ${d.links.join(', ')} | ${names.map((n) => fmt(d.delays[n])).join(' | ')} |`);
      const med = names.map((n) => `${COLUMN[n] ?? n} ${fmt(r1(median(tt.delays.map((d) => d.delays[n]).filter((x): x is number => x !== null && x !== undefined))))} s (${tt.delays.filter((d) => d.delays[n] !== null).length}/${tt.delays.length} detected)`);
      out.push('', `Median delay of the detected faults: ${med.join('; ')}.`, '');
      if (names.includes('int8') && names.includes('rules')) out.push(pairedDelays(tt.delays, 'rules', "the agents' rules"), '');
      if (names.includes(INT8_AS_RECORDED) && names.includes('rules')) out.push(pairedDelays(tt.delays, 'rules', "the agents' rules", INT8_AS_RECORDED), '');
      if (names.includes('int8') && names.includes('rules')) out.push("By fault kind, against every rule of the agents (a median over the faults each detected; \"as early\": within 0.1 s):", '', ...delaysByKind(tt.delays, 'rules'), '');
      if (names.includes('int8') && names.includes(RULES_NOT_NEIGHBOR_LOST)) out.push(pairedDelays(tt.delays, RULES_NOT_NEIGHBOR_LOST, 'the rules but neighbor-lost'), '');
      const live = tt.delays.filter((d) => d.live !== undefined);
      if (live.length > 0) {
        const liveRuns = [...new Set(live.map((d) => d.run))];
        const agree = compareDelays(live.map((d) => ({ a: d.delays.int8 ?? null, b: d.live ?? null })));
        out.push(
          `In the agents: ${liveRuns.join(', ')} ${liveRuns.length === 1 ? 'was' : 'were'} recorded with this model running in every agent (advise mode, with its early cycle for a silent link's out-of-range test), so their logs hold the model's own incidents beside the rules'. Detection delay of the agents' own link-anomaly incidents:`,
          '',
          '| run | fault | link | model live | int8 replay | rules |',
          '|---|---|---|---|---|---|',
          ...live.map((d) => `| ${d.run} | ${d.kind} | ${d.links.join(', ')} | ${fmt(d.live)} | ${fmt(d.delays.int8)} | ${fmt(d.delays.rules)} |`),
          '',
          `The replay of these runs' rows against the agents' own incidents: both detected ${agree.both} of ${agree.faults} faults, within 0.1 s on ${agree.asEarly}; the replay alone ${agree.onlyA}, the agents alone ${agree.onlyB}.`,
          '',
          pairedDelays(live, 'rules', "the agents' rules", LIVE),
          '',
          ...delaysByKind(live, 'rules', LIVE),
          '',
        );
      }
      // Runs recorded with another model in the agents: their own incidents are not this model's.
      const other = data.test.filter((r) => r.liveModel !== undefined && r.liveModel !== m.label);
      if (tt.target === 'link' && other.length > 0) out.push(`Recorded with another model in the agents: ${other.map((r) => `${r.run} ("${r.liveModel}")`).join(', ')}. Their rows are replayed through this model like every run's; the incidents their agents' own model opened are not compared here.`, '');
    }
  }
  return `${out.join('\n')}\n`;
}

process.exit(main());
