/**
 * The model as the loop's LinkScorer and NodeScorer: per link (and for the node)
 * the feature vector of the current window, normalised by that target's own decayed
 * mean and variance, quantized to int8, reconstructed by the integer autoencoder (or
 * by each member of an ensemble, whose errors are averaged); the squared reconstruction
 * error (without its largest terms when the model file says so: error.ts) against the adaptive threshold is the score (0..1, 1 at or
 * above the threshold).
 *
 * Rules, in order, once per target per cycle (a second call in the same cycle
 * returns the first answer):
 * - no metric in the window (or no node sample yet): null, nothing learnt;
 * - the first `warmup` samples only teach the normaliser: null;
 * - then the score (1 also when a feature, or a link's probe delay, is out of range: OUT_OF_RANGE_Z below);
 *   a sample scored below 1 also updates the normaliser and the
 *   node's threshold histogram; a sample scored 1 updates the normaliser only clipped
 *   to μ ± ANOMALY_CLIP·σ per feature (Normalizer.updateClipped) and never the
 *   threshold. A short fault thus stays anomalous while it lasts, and a lasting change
 *   (a link whose warm-up fell on an unusual period, a neighbour that moved) becomes
 *   normal over minutes instead of alarming for ever. (Until 2026-11-27 an anomalous
 *   sample taught nothing for up to 300 cycles in a row; on the Ulm training run that
 *   froze normalisers on normal drift: 5× the false alarms of a normaliser told the
 *   true labels. docs/model.md, "Learning during alarms".)
 * - a link a rule's incident opened on within RULE_HOLD_MS (rule-holds.ts; the loop
 *   calls incidentOpened; from the cycle after the one that opened it) is judged as
 *   above but teaches nothing: not even clipped, nor the threshold.
 * - the node, in a cycle in which one of its links alarmed (score 1; the loop scores the
 *   links before the node), is judged as above but teaches nothing (LINK_ALARM_HOLDS_NODE).
 *   A node row is a fault when one of its links is, and the link network is the
 *   router's best label-free view of that: without the hold the node's normaliser
 *   learnt each fault as it went on and its recall halved after 40 s (docs/model-journal.md,
 *   "The links' alarms as the node's fault signal").
 * State per link is dropped with the link (when the monitor forgets it).
 *
 * Wired into the agent by the `model` setting (loadModelScorer, loop/agent-loop.ts):
 * LinkAnomalyDetector / NodeAnomalyDetector, and evidence for LinkDegradedDetector.
 */
import { PROBES_STOPPED_INTERVALS } from '../linkprobe/reception.js';
import type { LinkScorer, NodeScorer } from '../loop/detector.js';
import type { LinkSeries, MeshView } from '../loop/monitor.js';
import { ensembleError, trimmedSquaredError } from './error.js';
import { type FeatureSet, featureSet, linkFeatures, linkInterfaceUp, linkProbeDelayMs, nodeFeatures, PROBE_DELAY, PROBE_SILENCE_CAP_MS, probeSilenceIndex } from './features.js';
import { ensembleOf, type Model } from './format.js';
import { IntNetwork } from './int-inference.js';
import type { QuantNetwork } from './network.js';
import { Normalizer } from './normalizer.js';
import { RULE_HOLD_MS, RuleHolds } from './rule-holds.js';
import { ADAPT_DEFAULTS, type AdaptOptions, AdaptiveThreshold } from './threshold.js';

export interface ScorerOptions {
  /**
   * Normaliser weight per sample, one per network (0.01: a memory of about 100 cycles).
   * The network was trained on inputs normalised with it.
   */
  alpha: { link: number; node: number };
  /** Samples a target's normaliser learns before it is scored. */
  warmup: number;
  adapt: AdaptOptions;
  /**
   * A target one of whose features lies this many standard deviations from its normal
   * is anomalous whatever the network reconstructs (the out-of-range test, below); one
   * distance per network.
   */
  outOfRangeZ: { link: number; node: number };
  /** How long a rule's incident on a link holds its normaliser (rule-holds.ts; default RULE_HOLD_MS, 0 = never). */
  ruleHoldMs?: number;
  /**
   * The node learns nothing in a cycle in which one of its links alarmed, nor in this many
   * cycles after it (default LINK_ALARM_HOLDS_NODE: that cycle only); null = never held.
   */
  linkAlarmHoldsNode?: number | null;
  /** false: the TypeScript inference even where the host has the C kernel (benchmarks compare the two). */
  nativeInference?: boolean;
}

/** The normalisers' weight per sample, per network (ScorerOptions.alpha). */
export const NORMALIZER_ALPHA = { link: 0.01, node: 0.01 };

/** A sample scored 1 is learnt clipped to the normal mean ± this many standard deviations. */
export const ANOMALY_CLIP = 2;

/**
 * The out-of-range test's distances. The int8 input ends at ±Z_CLIP (4) σ, so to the
 * network a dead link's probe silence 10 s into the fault looks like two lost probes
 * on a lossy link, which it has learnt to reconstruct. Farther than this from its
 * normal, one feature alone makes the sample anomalous, and the incident opens at once
 * (Judgement.outOfRange). 12 σ for both networks was chosen by cross-validation between
 * the two training runs (docs/model.md, "The out-of-range test";
 * model/experiments/out-of-range.sh): reached 1.3–1.9 s after a link's probes stop.
 * Links use 10 σ since session 11: judged by a rule written before a new held-out run
 * was read (docs/model-journal.md, "Candidates judged on a new run"), it detected that run's
 * faults earlier for the same F1; the node network stays at 12 σ, where 10 σ cost it
 * F1 on every held-out run.
 */
export const OUT_OF_RANGE_Z = { link: 10, node: 12 } as const;

/**
 * Cycles after a link's alarm that the node still learns nothing: 0, the alarm's own cycle.
 * Chosen among 0, 10 and 30 by cross-validation and the thirteen read runs (means over
 * three training seeds) and judged on four regions no one had read (session 19).
 */
export const LINK_ALARM_HOLDS_NODE = 0;

/**
 * Whether the node's learning is held in `cycle`, given the latest cycle in which one of
 * its links alarmed (null: none yet) and how many cycles after it the hold lasts (null:
 * never held). The replays of model/ use the same rule.
 */
export function heldByLinkAlarm(cycle: number, linkAlarmCycle: number | null, holdCycles: number | null): boolean {
  return holdCycles !== null && linkAlarmCycle !== null && cycle >= linkAlarmCycle && cycle - linkAlarmCycle <= holdCycles;
}

/** nextVerdictMono asks for the cycle this long after the silence passes the test (the feature's ms are floored). */
export const VERDICT_MARGIN_MS = 30;

/**
 * When, counted in ms of probe silence, the loop should look at a link whose probes are
 * `silentMs` silent and whose silence is out of range at `passMs` (silenceOutOfRangeMs):
 * passMs + VERDICT_MARGIN_MS, or null when no early look is due: the probes have not
 * stopped yet (under PROBES_STOPPED_INTERVALS intervals: a lossy link's gaps), the silence
 * is out of range already (judged so in this cycle), or the test lies beyond the longest
 * silence the feature tells apart. nextVerdictMono and the evaluation's replay share it.
 */
export function silenceVerdictMs(silentMs: number, passMs: number, probeIntervalMs: number): number | null {
  if (!probesStopped(silentMs, probeIntervalMs)) return null;
  if (passMs <= silentMs || passMs > PROBE_SILENCE_CAP_MS) return null;
  return passMs + VERDICT_MARGIN_MS;
}

/** A link's probes have stopped: silent PROBES_STOPPED_INTERVALS probe intervals, where a lossy link's gaps seldom reach. */
function probesStopped(silentMs: number, probeIntervalMs: number): boolean {
  return probeIntervalMs > 0 && silentMs >= PROBES_STOPPED_INTERVALS * probeIntervalMs;
}

/**
 * The probe silence (ms) at which feature `silenceAt` (probe_silence_s) lies `outOfRangeZ`
 * σ from its normal in `norm`: when the out-of-range test passes for a silent link. The
 * evaluation's replays with a normaliser of their own use it too.
 */
export function outOfRangeSilenceMs(norm: Normalizer, silenceAt: number, outOfRangeZ: number): number {
  return Math.ceil(1000 * norm.reach(silenceAt, outOfRangeZ));
}

export const SCORER_DEFAULTS: ScorerOptions = { alpha: NORMALIZER_ALPHA, warmup: 30, adapt: ADAPT_DEFAULTS, outOfRangeZ: OUT_OF_RANGE_Z, ruleHoldMs: RULE_HOLD_MS, linkAlarmHoldsNode: LINK_ALARM_HOLDS_NODE };

export interface Judgement {
  /** Squared reconstruction error, int8 units. */
  error: number;
  threshold: number;
  score: number;
  /** The feature reconstructed worst (out of range: the farthest), and its normalised value. */
  worstFeature: string;
  worstZ: number;
  /** A feature lay at least the network's outOfRangeZ σ from its normal (score 1 whatever the error). */
  outOfRange: boolean;
  /** Out of range because the link's hard interface is down or has lost its carrier. */
  interfaceDown: boolean;
  /** A link's probe delay (ms above its fastest) as the delay test judged it; absent when not judged. */
  delayMs?: number;
}

/**
 * A link's probe delay (ms above its fastest: linkprobe/delay.ts) and the normaliser that
 * learns its normal: the delay test (ModelScorer.step).
 */
interface DelayInput {
  norm: Normalizer;
  ms: number;
}

/** Judgement.worstFeature of a link judged out of range by its interface's state. */
export const INTERFACE_DOWN = 'interface_down';

/**
 * One target's network, or its ensemble (format.ts, version 3), with what it needs at run
 * time (buffers reused every call). An ensemble's error is the mean of its members'
 * errors, rounded to the nearest integer: members trained alike from different seeds err
 * in different places on normal data, and where they agree the mean keeps it, so the
 * error no longer depends on one training seed (docs/model-journal.md, "An ensemble of
 * link networks"). `spec` is the head, whose threshold judges the mean.
 */
class Scoring {
  /** The head: its threshold, trim and input quantization are every member's. */
  readonly spec: QuantNetwork;
  readonly nets: IntNetwork[];
  readonly threshold: AdaptiveThreshold;
  readonly raw: Float64Array;
  readonly z: Float64Array;
  readonly q: Int8Array;
  /** Per feature: the squared difference summed over the members (the worst feature of the evidence). */
  private readonly dd: Float64Array;
  /** Largest per-feature error terms left out (the model file's error trim). */
  readonly trim: number;
  /** Index of the probe silence in seconds (features v3), or -1 (nextVerdictMono). */
  readonly silenceAt: number;

  constructor(
    members: readonly QuantNetwork[],
    readonly set: FeatureSet,
    adapt: AdaptOptions,
    nativeInference: boolean | undefined,
    readonly outOfRangeZ: number,
  ) {
    const spec = members[0] as QuantNetwork;
    this.spec = spec;
    this.nets = members.map((m) => new IntNetwork(m, nativeInference === undefined ? {} : { native: nativeInference }));
    this.threshold = new AdaptiveThreshold(spec.threshold, spec.quantilePpm, spec.marginPermille, adapt);
    this.trim = spec.errorTrim ?? 0;
    this.silenceAt = probeSilenceIndex(set);
    this.raw = new Float64Array(set.features.length);
    this.z = new Float64Array(set.features.length);
    this.q = new Int8Array(set.features.length);
    this.dd = new Float64Array(set.features.length);
  }

  /**
   * Judge `raw` against a normaliser (no state changes). `interfaceDown`: the link's hard
   * interface is down or lost its carrier, which normal operation never shows (its
   * normal is always up), so the link is out of range at once whatever its features say:
   * the probe silence and the OGM age reach their test only a second or more later.
   */
  judge(norm: Normalizer, interfaceDown = false, delay: DelayInput | null = null): Judgement {
    const far = norm.zScores(this.raw, this.z);
    const farZ = norm.farthestZ;
    norm.quantize(this.z, this.spec.inputScale, this.spec.inputZeroPoint, this.q);
    const dd = this.dd;
    dd.fill(0);
    let sum = 0;
    for (const net of this.nets) sum += trimmedSquaredError(net.forward(this.q), this.q, this.q.length, this.trim, dd);
    const error = ensembleError(sum, this.nets.length);
    let worst = 0;
    for (let i = 1; i < this.q.length; i++) if ((dd[i] as number) > (dd[worst] as number)) worst = i;
    const t = this.threshold.value;
    if (interfaceDown) return { error, threshold: t, score: 1, worstFeature: INTERFACE_DOWN, worstZ: farZ, outOfRange: true, interfaceDown: true };
    if (farZ >= this.outOfRangeZ) return { error, threshold: t, score: 1, worstFeature: this.set.features[far]?.name ?? '', worstZ: farZ, outOfRange: true, interfaceDown: false };
    // Added delay, which no network input sees: only a delay above the link's normal counts.
    const delayZ = delay === null ? 0 : delay.norm.zOf(0, delay.ms);
    const delayMs = delay === null ? {} : { delayMs: delay.ms };
    if (delayZ >= this.outOfRangeZ) return { error, threshold: t, score: 1, worstFeature: PROBE_DELAY.name, worstZ: delayZ, outOfRange: true, interfaceDown: false, ...delayMs };
    return { error, threshold: t, score: this.threshold.score(error), worstFeature: this.set.features[worst]?.name ?? '', worstZ: this.z[worst] as number, outOfRange: false, interfaceDown: false, ...delayMs };
  }
}

interface TargetState {
  norm: Normalizer;
  /** A link's probe delay normaliser (the delay test; null for the node). */
  delay: Normalizer | null;
  cycle: number;
  score: number | null;
  last: Judgement | null;
}

export type ScorerResult = { ok: true; value: ModelScorer } | { ok: false; error: string };

export class ModelScorer implements LinkScorer, NodeScorer {
  readonly name = 'model';
  private readonly links = new Map<string, TargetState>();
  private node: TargetState | null = null;
  private prunedAt = -1;
  private readonly holds: RuleHolds;
  /** The latest cycle in which a link alarmed (scored 1), or null; and how long that holds the node. */
  private linkAlarmCycle: number | null = null;
  private readonly nodeHoldCycles: number | null;

  private constructor(
    private readonly link: Scoring | null,
    private readonly nodeScoring: Scoring | null,
    private readonly options: ScorerOptions,
  ) {
    this.holds = new RuleHolds(options.ruleHoldMs ?? RULE_HOLD_MS);
    this.nodeHoldCycles = options.linkAlarmHoldsNode === undefined ? LINK_ALARM_HOLDS_NODE : options.linkAlarmHoldsNode;
  }

  /** A scorer for a decoded model, or why this agent cannot use it (unknown feature set). */
  static create(model: Model, options: ScorerOptions = SCORER_DEFAULTS): ScorerResult {
    let link: Scoring | null = null;
    let node: Scoring | null = null;
    for (const target of ['link', 'node'] as const) {
      // decodeModel checked that an ensemble's members share their input and threshold.
      const members = ensembleOf(model.networks, target);
      const n = members[0];
      if (!n) continue;
      const set = featureSet(n.target, n.featureVersion);
      if (!set) return { ok: false, error: `the model's ${n.target} network wants ${n.target} features v${n.featureVersion}, which this agent does not compute` };
      if (set.features.length !== n.inputDim) return { ok: false, error: `the ${n.target} network takes ${n.inputDim} inputs, ${n.target} features v${n.featureVersion} are ${set.features.length}` };
      const s = new Scoring(members, set, options.adapt, options.nativeInference, options.outOfRangeZ[n.target]);
      if (target === 'link') link = s;
      else node = s;
    }
    return { ok: true, value: new ModelScorer(link, node, options) };
  }

  private fresh(set: FeatureSet): TargetState {
    const alpha = this.options.alpha[set.target];
    return { norm: new Normalizer(set.features, alpha), delay: set.target === 'link' ? new Normalizer([PROBE_DELAY], alpha) : null, cycle: -1, score: null, last: null };
  }

  private readonly delaySample = new Float64Array(1);

  /**
   * The loop opened an incident (kind, target "link:<key>", "if:<ifname>", ...) at the
   * monitor's `nowMono`: a rule's incident on a link holds that link's learning for a
   * while (rule-holds.ts). Returns whether it held anything.
   */
  incidentOpened(kind: string, target: string, nowMono: number): boolean {
    return this.link !== null && this.holds.opened(kind, target, nowMono);
  }

  /**
   * Run one target's cycle: learn during warm-up, then score; clean samples teach fully,
   * anomalous ones clipped, and a sample a rule's incident holds (`held`) teaches nothing.
   * A link's probe delay (`delayMs`, null when not measured) is learnt by the same rules
   * and judged once its own normaliser has had `warmup` samples (the delay test).
   */
  private step(s: Scoring, state: TargetState, have: boolean, cycle: number, held = false, interfaceDown = false, delayMs: number | null = null): number | null {
    state.cycle = cycle;
    state.score = null;
    state.last = null;
    if (!have) return null;
    const delay = state.delay !== null && delayMs !== null && Number.isFinite(delayMs) ? state.delay : null;
    if (delay) this.delaySample[0] = delayMs as number;
    if (state.norm.samples < this.options.warmup) {
      state.norm.update(s.raw);
      delay?.update(this.delaySample);
      return null;
    }
    const j = s.judge(state.norm, interfaceDown, delay && delay.samples >= this.options.warmup ? { norm: delay, ms: delayMs as number } : null);
    state.last = j;
    state.score = j.score;
    if (held) return j.score;
    if (j.score < 1) {
      state.norm.update(s.raw);
      delay?.update(this.delaySample);
      s.threshold.observeClean(j.error);
    } else {
      state.norm.updateClipped(s.raw, ANOMALY_CLIP);
      delay?.updateClipped(this.delaySample, ANOMALY_CLIP);
    }
    return j.score;
  }

  scoreLink(link: LinkSeries, view: MeshView): number | null {
    const s = this.link;
    if (!s) return null;
    if (this.prunedAt !== view.cycles) {
      this.prunedAt = view.cycles;
      for (const key of this.links.keys()) if (!view.links.has(key)) this.links.delete(key);
    }
    let state = this.links.get(link.key);
    if (!state) {
      state = this.fresh(s.set);
      this.links.set(link.key, state);
    }
    if (state.cycle === view.cycles) return state.score;
    const have = linkFeatures(link, view, s.raw, s.set);
    return this.linkScored(this.step(s, state, have, view.cycles, this.holds.held(link.key, view.nowMono), linkInterfaceUp(link, view) === false, linkProbeDelayMs(link, view)), view.cycles);
  }

  private linkScored(score: number | null, cycle: number): number | null {
    if (score !== null && score >= 1) this.linkAlarmCycle = cycle;
    return score;
  }

  private nodeHeld(cycle: number): boolean {
    return heldByLinkAlarm(cycle, this.linkAlarmCycle, this.nodeHoldCycles);
  }

  scoreNode(view: MeshView): number | null {
    const s = this.nodeScoring;
    if (!s) return null;
    if (!this.node) this.node = this.fresh(s.set);
    if (this.node.cycle === view.cycles) return this.node.score;
    return this.step(s, this.node, nodeFeatures(view, s.raw, s.set), view.cycles, this.nodeHeld(view.cycles));
  }

  /**
   * A recorded feature vector (FeatureRecorder's "f") scored exactly as scoreLink or
   * scoreNode would score the window it came from, with the same state per key: the
   * evaluation replays lab recordings through this. `raw` null = no metric in the window;
   * `nowMono` (ms, on the clock incidentOpened was given) lets the rules' holds apply.
   * A cycle's link rows come before its node row, as the loop scores them, so that the
   * links' alarms hold the node as on the router. `up`: a link's recorded interface state
   * (format 4 on; null or absent: unknown, as before format 4); `delayMs`: its probe delay
   * ("dl", format 5 on; null or absent: not measured).
   */
  scoreRecorded(target: 'link' | 'node', key: string, raw: ArrayLike<number> | null, cycle: number, nowMono?: number, up?: boolean | null, delayMs?: number | null): number | null {
    const s = target === 'link' ? this.link : this.nodeScoring;
    if (!s) return null;
    let state = target === 'link' ? this.links.get(key) : this.node;
    if (!state) {
      state = this.fresh(s.set);
      if (target === 'link') this.links.set(key, state);
      else this.node = state;
    }
    if (state.cycle === cycle) return state.score;
    if (raw) for (let i = 0; i < s.raw.length; i++) s.raw[i] = raw[i] as number;
    if (target === 'node') return this.step(s, state, raw !== null, cycle, this.nodeHeld(cycle));
    return this.linkScored(this.step(s, state, raw !== null, cycle, nowMono !== undefined && this.holds.held(key, nowMono), up === false, delayMs ?? null), cycle);
  }

  /**
   * When the loop should look again so that a link whose neighbour's probes stopped is
   * judged out of range as its probe silence passes the test, not up to a cycle later
   * (the loop wakes by it, as by neighbor-lost's nextVerdictMono): for each warm link whose
   * probes have been silent PROBES_STOPPED_INTERVALS probe intervals, the monotonic ms at
   * which probe_silence_s reaches outOfRangeZ σ from that link's normal; Infinity when
   * no link is going. The normaliser learns only in cycles, so until the next one the
   * crossing is where it is now. Call it after the cycle's links were scored. With the
   * regular 1 s cycle the model saw a dead link a cycle after neighbor-lost in 8 of the 15
   * held-out dead links (docs/model.md, "The early cycle").
   */
  nextVerdictMono(view: MeshView, probeIntervalMs: number): number {
    const s = this.link;
    if (!s || s.silenceAt < 0 || !(probeIntervalMs > 0)) return Number.POSITIVE_INFINITY;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, state] of this.links) {
      if (state.norm.samples < this.options.warmup) continue;
      const p = view.probes.get(key);
      if (!p) continue;
      const silentMs = view.nowMono - p.reception.lastHeardMono;
      // Most links are heard: skip them before the square root of the test's silence.
      if (!probesStopped(silentMs, probeIntervalMs)) continue;
      const wake = silenceVerdictMs(silentMs, outOfRangeSilenceMs(state.norm, s.silenceAt, s.outOfRangeZ), probeIntervalMs);
      if (wake !== null) next = Math.min(next, p.reception.lastHeardMono + wake);
    }
    return next;
  }

  /**
   * The probe silence (ms) at which a warm link's probe_silence_s lies outOfRangeZ σ from
   * its normal as the link's normaliser stands now; null when the link is not warm or the
   * model has no such feature. The evaluation uses it to place the early cycles that
   * nextVerdictMono would have asked for in recordings made without them.
   */
  silenceOutOfRangeMs(key: string): number | null {
    const s = this.link;
    const state = this.links.get(key);
    if (!s || s.silenceAt < 0 || !state || state.norm.samples < this.options.warmup) return null;
    return outOfRangeSilenceMs(state.norm, s.silenceAt, s.outOfRangeZ);
  }

  /** The int8 network's input of the last judgement of a target's network (z-scores, clipped; reused buffer). */
  lastInput(target: 'link' | 'node'): Float64Array | null {
    return (target === 'link' ? this.link : this.nodeScoring)?.z ?? null;
  }

  /** The last judgement of a recorded key (link key or 'node'). */
  lastRecorded(target: 'link' | 'node', key: string): Judgement | null {
    return target === 'link' ? (this.links.get(key)?.last ?? null) : (this.node?.last ?? null);
  }

  /**
   * One link window judged now, without learning anything (the benchmark's unit of
   * work, and evidence for an incident); null before the link's warm-up ended.
   */
  evaluateLink(link: LinkSeries, view: MeshView): Judgement | null {
    const s = this.link;
    const state = this.links.get(link.key);
    if (!s || !state || state.norm.samples < this.options.warmup) return null;
    if (!linkFeatures(link, view, s.raw, s.set)) return null;
    return s.judge(state.norm);
  }

  /** The node judged now, without learning anything (benchmark); null before its warm-up ended. */
  evaluateNode(view: MeshView): Judgement | null {
    const s = this.nodeScoring;
    const state = this.node;
    if (!s || !state || state.norm.samples < this.options.warmup) return null;
    if (!nodeFeatures(view, s.raw, s.set)) return null;
    return s.judge(state.norm);
  }

  /** The last judgement of a link (null when it was not scored in its last cycle). */
  lastLink(key: string): Judgement | null {
    return this.links.get(key)?.last ?? null;
  }

  lastNode(): Judgement | null {
    return this.node?.last ?? null;
  }

  /** The thresholds in force (link, node), after adaptation. */
  thresholds(): { link: number | null; node: number | null } {
    return { link: this.link?.threshold.value ?? null, node: this.nodeScoring?.threshold.value ?? null };
  }

  /** Targets with state (for tests of the bound). */
  get trackedLinks(): number {
    return this.links.size;
  }
}
