/**
 * Replays of recorded rows, per agent process (run, node, epoch) in recorded order:
 * - trainingInputs: the z-scores the router's normaliser would give (its alpha per network,
 *   30 samples of warm-up), learning only from rows labelled normal or setup (a fault
 *   is not learnt as normal, as the scorer does by its own judgement);
 * - replayInt8: the router's own ModelScorer (scoreRecorded) on every row: the int8
 *   error, the score, and the int8 network's input (for Isolation Forest); every row of
 *   both targets goes through the scorer in recorded order (a cycle's links before its
 *   node), so the links' alarms hold the node as on the router;
 * - replayFloat: the same procedure with the float network and the same error trim (its own normaliser,
 *   learning clipped to ±ANOMALY_CLIP σ while at or above its threshold, as the scorer);
 * - replayForest: Isolation Forest (lib/iforest.ts) through that procedure, its own
 *   normaliser learning clipped while the forest alarms;
 * - for the node, replayFloat and replayForest take their own link replay's alarms
 *   (`linkAlarm`): the node learns nothing in a cycle in which one of its links alarmed,
 *   as the scorer's node (LINK_ALARM_HOLDS_NODE); without them, the node is never held;
 * - replayEwma: the degraded-link rule (EwmaLinkScorer and the detector's baseline
 *   update) on the recorded raw metric of live links.
 * Results are arrays parallel to the rows; null where a detector had no opinion.
 *
 * The early cycle: an agent running the model looks again as a silent link's probe
 * silence passes the out-of-range test (ModelScorer.nextVerdictMono). Recordings made
 * without the model have no such cycles, so a row judged out of range there stands for
 * a judgement the router made earlier; `at` holds when (earlyCycleTimes).
 *
 * Given the runs' incidents (the ones the agents' rules opened in the lab), each agent's
 * incidents are told to its scorer as the loop tells them (incidentOpened, with the time
 * of the cycle that opened each), so a rule's incident holds a link's learning from the
 * next cycle on, as on the router (rule-holds.ts); the float network and Isolation
 * Forest hold their own normalisers the same way.
 */
import { EwmaBaseline } from '../../runtime/src/loop/ewma.js';
import { EwmaLinkScorer } from '../../runtime/src/loop/detectors/ewma-scorer.js';
import type { LinkSeries } from '../../runtime/src/loop/monitor.js';
import { LOOP_DEFAULTS } from '../../runtime/src/loop/settings.js';
import { type FeatureSet, featureSet, PROBE_DELAY, probeSilenceIndex } from '../../runtime/src/model/features.js';
import { trimmedSquaredError } from '../../runtime/src/model/error.js';
import { floatForward } from '../../runtime/src/model/float-inference.js';
import type { Model } from '../../runtime/src/model/format.js';
import type { FloatNetwork } from '../../runtime/src/model/network.js';
import { Normalizer, STANDARD_INPUT_SCALE } from '../../runtime/src/model/normalizer.js';
import { quantizeValue } from '../../runtime/src/model/quantize.js';
import { ANOMALY_CLIP, heldByLinkAlarm, LINK_ALARM_HOLDS_NODE, ModelScorer, outOfRangeSilenceMs, SCORER_DEFAULTS, type ScorerOptions, silenceVerdictMs } from '../../runtime/src/model/scorer.js';
import { RuleHolds } from '../../runtime/src/model/rule-holds.js';
import type { RunInfo } from './dataset.js';
import { type Forest, forestScore } from './iforest.js';
import { byAgent, type Row } from './labels.js';

/** The incidents of each run (RunInfo.incidents), by run name. */
export type RunIncidents = ReadonlyMap<string, RunInfo['incidents']>;

export function incidentsByRun(runs: readonly Pick<RunInfo, 'run' | 'incidents'>[]): RunIncidents {
  return new Map(runs.map((r) => [r.run, r.incidents]));
}

/**
 * One agent's incidents, told to `opened` as the loop tells them: with the time of the
 * cycle that opened each (the last row of the agent recorded at or before the incident's
 * log line: rows carry their cycle's time rounded to 0.1 s, the log line comes a few ms
 * later), before the rows of the next cycle are scored. Call it with each row's t before
 * scoring the row. Only incidents logged while this agent process recorded (a restarted
 * agent starts with no holds).
 */
function incidentFeed(incidents: RunIncidents | undefined, group: readonly Row[], opened: (kind: string, target: string, nowMs: number) => void): (t: number) => void {
  const first = group[0];
  const last = group[group.length - 1];
  if (!first || !last) return () => {};
  const times = [...new Set(group.map((r) => r.t))].sort((a, b) => a - b);
  const mine: { at: number; kind: string; target: string }[] = [];
  for (const i of incidents?.get(first.run) ?? []) {
    if (i.node !== first.node || i.t < first.t - 0.05 || i.t > last.t + 1.5) continue;
    // The cycle that opened it: the latest row time at most i.t + 0.05 (the rounding).
    let lo = 0;
    let hi = times.length - 1;
    if ((times[0] as number) > i.t + 0.05) continue;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((times[mid] as number) <= i.t + 0.05) lo = mid;
      else hi = mid - 1;
    }
    mine.push({ at: times[lo] as number, kind: i.kind, target: i.target });
  }
  mine.sort((a, b) => a.at - b.at);
  let next = 0;
  return (t) => {
    for (; next < mine.length && (mine[next] as (typeof mine)[number]).at <= t; next++) {
      const i = mine[next] as (typeof mine)[number];
      opened(i.kind, i.target, i.at * 1000);
    }
  };
}

function indexOf(rows: readonly Row[]): Map<Row, number> {
  const index = new Map<Row, number>();
  for (let i = 0; i < rows.length; i++) index.set(rows[i] as Row, i);
  return index;
}

export const WARMUP = SCORER_DEFAULTS.warmup;
const LEARN = new Set(['normal', 'setup']);

/** z on the int8 grid (what the integer network sees), as reals. */
function onGrid(z: Float64Array, out: Float64Array): Float64Array {
  for (let i = 0; i < z.length; i++) out[i] = quantizeValue(z[i] as number, STANDARD_INPUT_SCALE, 0) * STANDARD_INPUT_SCALE;
  return out;
}

/** Normalised inputs of the rows labelled normal (after each target's warm-up), for training. */
export function trainingInputs(rows: readonly Row[], set: FeatureSet): Float64Array[] {
  const out: Float64Array[] = [];
  const raw = new Float64Array(set.features.length);
  const z = new Float64Array(set.features.length);
  for (const group of byAgent(rows)) {
    const norms = new Map<string, Normalizer>();
    for (const r of group) {
      if (r.target !== set.target) continue;
      let n = norms.get(r.key);
      if (!n) norms.set(r.key, (n = new Normalizer(set.features, SCORER_DEFAULTS.alpha[set.target])));
      for (let k = 0; k < raw.length; k++) raw[k] = r.f[k] ?? 0;
      if (n.samples < WARMUP) {
        n.update(raw);
        continue;
      }
      if (r.y === 'normal') {
        n.zScores(raw, z);
        out.push(onGrid(z, new Float64Array(z.length)));
      }
      if (LEARN.has(r.y)) n.update(raw);
    }
  }
  return out;
}

export interface Scored {
  /** Squared reconstruction error in input steps², null = no opinion (warm-up). */
  error: (number | null)[];
  /** Alarm this cycle (score ≥ 1). */
  alarm: boolean[];
  /** The alarm came from the out-of-range test (the incident opens at once); absent = never. */
  urgent?: boolean[];
  /** The network's input per row (int8 replay only), null when not judged. */
  input?: (Float64Array | null)[];
  /** Per alarmed row (int8 replay only): the feature reconstructed worst, or the farthest when out of range. */
  worst?: (string | null)[];
  /**
   * Per row judged out of range: the time (s, the rows' clock) at which the agent's early
   * cycle would have judged it, where that is before the row (earlyCycleTimes); else null.
   */
  at?: (number | null)[];
}

/** The lab's link probe interval (the agents' default, LOOP_DEFAULTS.probeIntervalMs). */
const PROBE_INTERVAL_MS = LOOP_DEFAULTS.probeIntervalMs;
/** How much a recorded silence may fall short of the time elapsed and still count as no probe heard (4-decimal rounding, clock jitter). */
const SILENCE_SLACK_S = 0.05;
/** An early cycle this close before a recorded row is that row (the agents' own early cycles, timer latency). */
const EARLY_MIN_S = 0.1;

/**
 * For each link row judged out of range (`urgent`), when an agent running the model would
 * have judged it: at the previous row of the same link its probes had stopped, the probe
 * silence then grew without a probe until this row, and `pass[i]` (the silence, in ms, at
 * which the link was out of range as its normaliser stood before this row:
 * ModelScorer.silenceOutOfRangeMs) was passed in between. That is the moment
 * nextVerdictMono asks the loop for (the same rule, silenceVerdictMs); null where no early
 * cycle was due, or where the row is that cycle already (within EARLY_MIN_S).
 */
export function earlyCycleTimes(rows: readonly Row[], urgent: readonly boolean[], pass: readonly (number | null)[], silenceAt: number): (number | null)[] {
  const at: (number | null)[] = new Array(rows.length).fill(null);
  if (silenceAt < 0) return at;
  const index = indexOf(rows);
  for (const group of byAgent(rows)) {
    const prev = new Map<string, Row>();
    for (const r of group) {
      if (r.target !== 'link') continue;
      const before = prev.get(r.key);
      prev.set(r.key, r);
      const i = index.get(r) as number;
      const passMs = pass[i];
      if (!urgent[i] || !before || passMs === null || passMs === undefined) continue;
      const silence = r.f[silenceAt] ?? 0;
      const silenceBefore = before.f[silenceAt] ?? 0;
      if (silence < silenceBefore + (r.t - before.t) - SILENCE_SLACK_S || silence * 1000 < passMs) continue;
      const wake = silenceVerdictMs(silenceBefore * 1000, passMs, PROBE_INTERVAL_MS);
      if (wake === null) continue;
      const t = before.t - silenceBefore + wake / 1000;
      if (t < r.t - EARLY_MIN_S) at[i] = t;
    }
  }
  return at;
}

export function replayInt8(model: Model, rows: readonly Row[], target: 'link' | 'node', options: ScorerOptions = SCORER_DEFAULTS, incidents?: RunIncidents): Scored {
  const index = indexOf(rows);
  const error: (number | null)[] = new Array(rows.length).fill(null);
  const alarm: boolean[] = new Array(rows.length).fill(false);
  const urgent: boolean[] = new Array(rows.length).fill(false);
  const input: (Float64Array | null)[] = new Array(rows.length).fill(null);
  const worst: (string | null)[] = new Array(rows.length).fill(null);
  const pass: (number | null)[] = new Array(rows.length).fill(null);
  for (const group of byAgent(rows)) {
    const made = ModelScorer.create(model, options);
    if (!made.ok) throw new Error(made.error);
    const scorer = made.value;
    const feed = incidentFeed(incidents, group, (kind, tgt, ms) => scorer.incidentOpened(kind, tgt, ms));
    for (const r of group) {
      feed(r.t);
      const passMs = r.target === 'link' ? scorer.silenceOutOfRangeMs(r.key) : null;
      // Both targets, in recorded order: the other target's state is the router's too (the links' alarms hold the node).
      const score = scorer.scoreRecorded(r.target, r.key, r.f, r.c, r.t * 1000, r.up, r.dl);
      if (r.target !== target || score === null) continue;
      const i = index.get(r) as number;
      pass[i] = passMs;
      const j = scorer.lastRecorded(target, r.key);
      error[i] = j?.error ?? null;
      alarm[i] = score >= 1;
      urgent[i] = j?.outOfRange === true;
      if (alarm[i]) worst[i] = j?.worstFeature ?? null;
      input[i] = Float64Array.from(scorer.lastInput(target) ?? []);
    }
  }
  const link = target === 'link' ? model.networks.find((n) => n.target === 'link') : undefined;
  const set = link ? featureSet('link', link.featureVersion) : null;
  return { error, alarm, urgent, input, worst, at: earlyCycleTimes(rows, urgent, pass, set ? probeSilenceIndex(set) : -1) };
}

/**
 * A detector with its own normaliser per target, as the router's scorer has: after the
 * warm-up, `judge` scores each row's z-scores (with the scorer's out-of-range verdict);
 * the normaliser then learns the row, clipped to ±ANOMALY_CLIP σ when it alarmed. A link
 * a rule's incident holds learns nothing; nor does the node in a cycle in which one of
 * its links alarmed in `linkAlarm` (parallel to rows) or the LINK_ALARM_HOLDS_NODE cycles after.
 */
function replayOwnNormaliser(rows: readonly Row[], set: FeatureSet, incidents: RunIncidents | undefined, judge: (z: Float64Array, outOfRange: boolean) => { score: number; alarm: boolean; urgent: boolean }, linkAlarm?: readonly boolean[]): Scored {
  const index = indexOf(rows);
  const error: (number | null)[] = new Array(rows.length).fill(null);
  const alarm: boolean[] = new Array(rows.length).fill(false);
  const urgent: boolean[] = new Array(rows.length).fill(false);
  const pass: (number | null)[] = new Array(rows.length).fill(null);
  const silenceAt = set.target === 'link' ? probeSilenceIndex(set) : -1;
  const raw = new Float64Array(set.features.length);
  const z = new Float64Array(set.features.length);
  const delaySample = new Float64Array(1);
  for (const group of byAgent(rows)) {
    const norms = new Map<string, Normalizer>();
    // A link's probe delay, learnt and judged as ModelScorer's delay test (format 5 on).
    const delays = new Map<string, Normalizer>();
    const holds = new RuleHolds(SCORER_DEFAULTS.ruleHoldMs);
    const feed = incidentFeed(incidents, group, (kind, tgt, ms) => holds.opened(kind, tgt, ms));
    let linkAlarmCycle: number | null = null;
    for (const r of group) {
      if (r.target === 'link' && linkAlarm?.[index.get(r) as number]) linkAlarmCycle = r.c;
      if (r.target !== set.target) continue;
      let n = norms.get(r.key);
      if (!n) norms.set(r.key, (n = new Normalizer(set.features, SCORER_DEFAULTS.alpha[set.target])));
      for (let k = 0; k < raw.length; k++) raw[k] = r.f[k] ?? 0;
      let dn: Normalizer | null = null;
      if (set.target === 'link' && typeof r.dl === 'number' && Number.isFinite(r.dl)) {
        dn = delays.get(r.key) ?? null;
        if (!dn) delays.set(r.key, (dn = new Normalizer([PROBE_DELAY], SCORER_DEFAULTS.alpha.link)));
        delaySample[0] = r.dl;
      }
      if (n.samples < WARMUP) {
        n.update(raw);
        dn?.update(delaySample);
        continue;
      }
      feed(r.t);
      const i = index.get(r) as number;
      // As ModelScorer.silenceOutOfRangeMs, from this normaliser before the row.
      if (silenceAt >= 0) pass[i] = outOfRangeSilenceMs(n, silenceAt, SCORER_DEFAULTS.outOfRangeZ.link);
      n.zScores(raw, z);
      // Out of range as in the scorer: a feature that far, the link's interface down (format 4 on), or its probe delay (format 5 on).
      const delayFar = dn !== null && dn.samples >= WARMUP && dn.zOf(0, delaySample[0] as number) >= SCORER_DEFAULTS.outOfRangeZ.link;
      const j = judge(z, n.farthestZ >= SCORER_DEFAULTS.outOfRangeZ[set.target] || (set.target === 'link' && r.up === false) || delayFar);
      error[i] = j.score;
      alarm[i] = j.alarm;
      urgent[i] = j.urgent;
      if (set.target === 'link' && holds.held(r.key, r.t * 1000)) continue;
      if (set.target === 'node' && heldByLinkAlarm(r.c, linkAlarmCycle, LINK_ALARM_HOLDS_NODE)) continue;
      if (!j.alarm) {
        n.update(raw);
        dn?.update(delaySample);
      } else {
        n.updateClipped(raw, ANOMALY_CLIP);
        dn?.updateClipped(delaySample, ANOMALY_CLIP);
      }
    }
  }
  return { error, alarm, urgent, at: earlyCycleTimes(rows, urgent, pass, silenceAt) };
}

/**
 * The float network (or ensemble: the mean of its members' errors) through the same
 * procedure (own normaliser per target, the same out-of-range test, learning clipped
 * from rows it alarms on).
 */
export function replayFloat(nets: FloatNetwork | readonly FloatNetwork[], threshold: number, rows: readonly Row[], set: FeatureSet, errorTrim = 0, incidents?: RunIncidents, linkAlarm?: readonly boolean[]): Scored {
  const s2 = STANDARD_INPUT_SCALE * STANDARD_INPUT_SCALE;
  const members = Array.isArray(nets) ? nets : [nets as FloatNetwork];
  return replayOwnNormaliser(
    rows,
    set,
    incidents,
    (z, far) => {
      let sum = 0;
      for (const net of members) sum += trimmedSquaredError(floatForward(net, z), z, z.length, errorTrim);
      const e = sum / members.length / s2;
      return { score: e, alarm: e >= threshold || far, urgent: far };
    },
    linkAlarm,
  );
}

/**
 * Isolation Forest through the same procedure: its own normaliser, learning clipped
 * from rows it alarms on; its input the z-scores on the int8 grid (±4 σ), as it was
 * fitted. No out-of-range test: the forest alone decides.
 */
export function replayForest(forest: Forest, threshold: number, rows: readonly Row[], set: FeatureSet, incidents?: RunIncidents, linkAlarm?: readonly boolean[]): Scored {
  const grid = new Float64Array(set.features.length);
  return replayOwnNormaliser(
    rows,
    set,
    incidents,
    (z) => {
      const s = forestScore(forest, onGrid(z, grid));
      return { score: s, alarm: s >= threshold, urgent: false };
    },
    linkAlarm,
  );
}

/** The degraded-link rule on the recorded metric: continuous score min(drop/drop%, deviations/K) for the AUC. */
export function replayEwma(rows: readonly Row[]): Scored {
  const index = indexOf(rows);
  const error: (number | null)[] = new Array(rows.length).fill(null);
  const alarm: boolean[] = new Array(rows.length).fill(false);
  const config = { ...LOOP_DEFAULTS, excludeInterfaces: [] };
  const judge = new EwmaLinkScorer(() => config);
  for (const group of byAgent(rows)) {
    const baselines = new Map<string, EwmaBaseline>();
    for (const r of group) {
      if (r.target !== 'link' || !r.live) continue;
      let b = baselines.get(r.key);
      if (!b) baselines.set(r.key, (b = new EwmaBaseline(config.baselineAlphaPermille / 1000)));
      const m = r.m ?? Number.NaN;
      const link = { metric: { last: () => m }, baseline: b } as unknown as LinkSeries;
      const j = judge.judge(link);
      const bad = j !== null && j.score >= 1;
      if (!bad) b.update(m);
      if (j === null) continue;
      const i = index.get(r) as number;
      error[i] = Math.min(j.dropPercent / config.degradedDropPercent, j.deviations / config.degradedDeviations);
      alarm[i] = bad;
    }
  }
  return { error, alarm };
}
