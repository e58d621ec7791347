/**
 * The model's features: fixed, versioned vectors computed from the monitor's series
 * (MeshView), one per link and one for the node. A feature set's order and meaning
 * never change within a version; a model file names the version it was trained on.
 *
 * Every value is a plain function of the series (deterministic: same view, same
 * numbers, on every engine). Logarithms are the piecewise-linear log2 below, made of
 * integer bit lengths and one division, so no libm function can differ between
 * engines. Counters (packets, errors, drops) become rates over the window; a
 * counter that went backwards (interface re-created) counts as no change.
 *
 * Each feature has a `floor`: the smallest spread the normaliser divides by, in
 * the feature's own units, so a feature that is constant on a healthy link (no route
 * changes, no errors) does not turn a single event into an infinite z-score.
 */
import type { ProbeLink } from '../linkprobe/prober.js';
import type { InterfaceSeries, LinkSeries, MeshView } from '../loop/monitor.js';
import { countSince } from '../loop/monitor.js';
import type { NumberRing } from '../loop/ring.js';

export interface FeatureDef {
  name: string;
  floor: number;
  /**
   * Normal samples teach the normaliser this feature only up to this many standard
   * deviations from its mean (Normalizer.update); unset: in full.
   */
  learnWithin?: number;
}

export interface FeatureSet {
  target: 'link' | 'node';
  version: number;
  /** Samples (cycles) each window covers. */
  window: number;
  features: readonly FeatureDef[];
}

/** Window of the features: the last 30 samples (30 s at the default 1 s cycle). */
export const FEATURE_WINDOW = 30;
/** Route changes are counted over this many ms. */
export const CHURN_MS = 60_000;
/**
 * How far from its normal a link's probe silence still teaches the normaliser (the int8
 * input's own ±4 σ). Chosen for the detection delay by cross-validation between the two
 * training runs, with the warm-up weighting (docs/model.md, "Learning the probe
 * silence"): median delay on ulm-b 1.75 s against 2.0 s learning it in full, at the
 * price of a mixed link F1 (0.600 / 0.548 against 0.589 / 0.563) and 29 false incidents
 * against 24. Not for the node's longest silence: there it did worse (node F1 0.322 / 0.338
 * against 0.327 / 0.360, 58 false incidents against 52).
 */
export const PROBE_SILENCE_LEARN_WITHIN = 4;

export const LINK_FEATURES_V1: FeatureSet = {
  target: 'link',
  version: 1,
  window: FEATURE_WINDOW,
  features: [
    { name: 'metric_last', floor: 2 }, // newest metric: TQ (0..255), or log2(1 + kbit/s) for throughput
    { name: 'metric_mean', floor: 2 }, // mean over the window
    { name: 'metric_trend', floor: 2 }, // least-squares slope × window length: the change across the window
    { name: 'metric_std', floor: 1 }, // standard deviation over the window
    { name: 'metric_drawdown', floor: 2 }, // window maximum − newest
    { name: 'missing_fraction', floor: 0.05 }, // share of the window's cycles without a metric (not live)
    { name: 'last_seen_log', floor: 0.5 }, // log2(1 + batman-adv's last-seen ms)
    { name: 'route_changes', floor: 0.5 }, // best-route changes through this link in the last CHURN_MS
    { name: 'originators_moved', floor: 0.5 }, // originators whose route left or joined it in the last CHURN_MS
    { name: 'if_rx_rate_log', floor: 0.5 }, // log2(1 + rx packets/s) of the hard interface over the window
    { name: 'if_tx_rate_log', floor: 0.5 }, // log2(1 + tx packets/s)
    { name: 'if_error_ratio', floor: 0.01 }, // Δ(rx+tx errors) / (Δ(rx+tx packets) + 1)
    { name: 'if_drop_ratio', floor: 0.01 }, // Δ(rx+tx dropped) / (Δ(rx+tx packets) + 1)
    { name: 'if_neighbors', floor: 0.5 }, // live neighbours on the hard interface now
    { name: 'if_neighbor_change', floor: 0.5 }, // newest − oldest live-neighbour count in the window
    { name: 'node_route_changes', floor: 0.5 }, // the node's best-route changes in the last CHURN_MS
  ],
};

/** The link probes' view of a link is taken over this long (30 one-second slots, like the window). */
export const PROBE_WINDOW_MS = 30_000;

/**
 * Link features v2: v1 in the same order, then what the link probes
 * (runtime/src/linkprobe/) measured on the link: per-second loss of the neighbour's
 * 200 ms broadcasts against the link's own learned normal loss. A link whose
 * neighbour sends no probes (no agent there, probes off) has 0 in all six.
 */
export const LINK_FEATURES_V2: FeatureSet = {
  target: 'link',
  version: 2,
  window: FEATURE_WINDOW,
  features: [
    ...LINK_FEATURES_V1.features,
    { name: 'probe_heard', floor: 0.5 }, // 1 when the neighbour's probes are being counted, else 0
    { name: 'probe_loss', floor: 0.05 }, // loss (0..1) of the newest judged probe window (4 s by default)
    { name: 'probe_excess', floor: 0.05 }, // that loss − the link's learned normal loss
    { name: 'probe_excess_max', floor: 0.05 }, // the largest such excess among the windows of the last PROBE_WINDOW_MS
    { name: 'probe_lossy_windows', floor: 0.5 }, // windows judged lossy in the last PROBE_WINDOW_MS
    { name: 'probe_silence_log', floor: 0.5 }, // log2(1 + ms since the last probe arrived)
  ],
};

/** The longest probe silence link and node features v3 tell apart (longer reads as this). */
export const PROBE_SILENCE_CAP_MS = PROBE_WINDOW_MS;

/**
 * Link features v3: v2 with its last feature in seconds instead of log2 milliseconds.
 * The log squeezed what tells a dead link first: on a healthy link the time since the
 * last probe is 0–200 ms, log2 6–7.6 with a wide spread, so one second of silence was
 * only ~2 spreads away and the model alarmed 3–4 s into a dead link (docs/model.md,
 * "The out-of-range test"). In seconds the same second is 5+ spreads away. Recordings keep
 * v2 (format 3); v3 is derived from them exactly by `silenceSecondsFromLog`.
 */
export const LINK_FEATURES_V3: FeatureSet = {
  target: 'link',
  version: 3,
  window: FEATURE_WINDOW,
  features: [
    ...LINK_FEATURES_V2.features.slice(0, -1),
    { name: 'probe_silence_s', floor: 0.1, learnWithin: PROBE_SILENCE_LEARN_WITHIN }, // seconds since the last probe arrived, at most PROBE_SILENCE_CAP_MS; learnt only within ±4 σ
  ],
};

export const NODE_FEATURES_V1: FeatureSet = {
  target: 'node',
  version: 1,
  window: FEATURE_WINDOW,
  features: [
    { name: 'neighbors', floor: 0.5 }, // live neighbours now
    { name: 'neighbor_change', floor: 0.5 }, // newest − oldest in the window
    { name: 'neighbor_std', floor: 0.25 }, // standard deviation in the window
    { name: 'originators_log', floor: 0.25 }, // log2(1 + reachable originators)
    { name: 'originator_change', floor: 0.05 }, // (newest − oldest) / max(1, oldest) in the window
    { name: 'route_changes', floor: 0.5 }, // best-route changes in the last CHURN_MS
    { name: 'route_changes_recent', floor: 0.5 }, // ... in the last 10 s
    { name: 'live_fraction', floor: 0.05 }, // live links / links in the neighbour table
    { name: 'metric_mean', floor: 2 }, // mean newest metric over live links
    { name: 'metric_min', floor: 2 }, // lowest newest metric over live links
    { name: 'last_seen_max_log', floor: 0.5 }, // log2(1 + the largest last-seen ms of a present neighbour)
    { name: 'rx_rate_log', floor: 0.5 }, // log2(1 + rx packets/s) summed over hard interfaces
    { name: 'tx_rate_log', floor: 0.5 },
    { name: 'error_ratio', floor: 0.01 },
    { name: 'drop_ratio', floor: 0.01 },
  ],
};

/**
 * Node features v2: v1 in the same order, then four summaries of the link probes over
 * the node's links that have a metric in their window (the links a recording has rows
 * for), each from that link's LINK_FEATURES_V2 probe values: how many links' probes are
 * heard, the worst loss excess among them, how many had a lossy window, and the
 * longest silence. A node whose neighbours send no probes has 0 in all four.
 */
export const NODE_FEATURES_V2: FeatureSet = {
  target: 'node',
  version: 2,
  window: FEATURE_WINDOW,
  features: [
    ...NODE_FEATURES_V1.features,
    { name: 'probe_links', floor: 0.5 }, // links whose neighbour's probes are counted
    { name: 'probe_excess_max', floor: 0.05 }, // the largest probe_excess_max among them
    { name: 'probe_lossy_links', floor: 0.5 }, // links with a lossy probe window in the last PROBE_WINDOW_MS
    { name: 'probe_silence_max_log', floor: 0.5 }, // the largest probe_silence_log among them
  ],
};

/** Node features v3: v2 with the longest silence in seconds, as link features v3. */
export const NODE_FEATURES_V3: FeatureSet = {
  target: 'node',
  version: 3,
  window: FEATURE_WINDOW,
  features: [
    ...NODE_FEATURES_V2.features.slice(0, -1),
    { name: 'probe_silence_max_s', floor: 0.1 }, // the largest probe_silence_s among them
  ],
};

/** Where a link feature set has the probe silence in seconds (features v3 on), or -1. */
export function probeSilenceIndex(set: FeatureSet): number {
  return set.features.findIndex((f) => f.name === 'probe_silence_s');
}

/** Where the probe features start in a LINK_FEATURES_V2 vector. */
export const LINK_PROBE_AT = LINK_FEATURES_V1.features.length;
/** Where the probe summaries start in a NODE_FEATURES_V2 vector. */
export const NODE_PROBE_AT = NODE_FEATURES_V1.features.length;

export const FEATURE_SETS: readonly FeatureSet[] = [LINK_FEATURES_V1, LINK_FEATURES_V2, LINK_FEATURES_V3, NODE_FEATURES_V1, NODE_FEATURES_V2, NODE_FEATURES_V3];

/** The feature set for a target and version, or null when this agent does not know it. */
export function featureSet(target: 'link' | 'node', version: number): FeatureSet | null {
  return FEATURE_SETS.find((s) => s.target === target && s.version === version) ?? null;
}

/**
 * log2(1 + x) for x ≥ 0, piecewise linear between powers of two (exact at them,
 * at most 0.086 below the true value), for x up to 2^31; NaN and negatives give 0.
 */
export function log2p1(x: number): number {
  if (!(x > 0)) return 0;
  const v = x >= 0x7ffffffe ? 0x7fffffff : Math.floor(x) + 1;
  const e = 31 - Math.clz32(v);
  const base = 2 ** e;
  return e + (v - base) / base;
}

/**
 * Probe silence in seconds (features v3) from its v2 value log2p1(ms) as recorded (4
 * decimals): log2p1 is invertible on whole milliseconds; below the cap the rounding
 * costs at most 2 ms.
 */
export function silenceSecondsFromLog(log: number): number {
  if (!(log > 0)) return 0;
  const e = Math.floor(log);
  const ms = Math.round(2 ** e * (1 + (log - e))) - 1;
  return Math.min(Math.max(ms, 0), PROBE_SILENCE_CAP_MS) / 1000;
}

/** The metric in model units: TQ as is, throughput as log2(1 + kbit/s) (a wide range squeezed). */
export function metricUnits(value: number, name: 'tq' | 'throughput'): number {
  return name === 'tq' ? value : log2p1(value);
}

interface WindowStats {
  n: number;
  last: number;
  mean: number;
  std: number;
  slope: number;
  max: number;
  first: number;
}

/**
 * Statistics of the finite samples among the newest `window` of a ring (x = position
 * in the window, so gaps keep their place in time); n = 0 when none.
 * `units` maps each sample first (TQ or throughput).
 */
function windowStats(ring: NumberRing, window: number, units: 'tq' | 'throughput' | null): WindowStats {
  const s: WindowStats = { n: 0, last: 0, mean: 0, std: 0, slope: 0, max: 0, first: 0 };
  const len = ring.length;
  const from = len > window ? len - window : 0;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let max = Number.NEGATIVE_INFINITY;
  let last = Number.NaN;
  let first = Number.NaN;
  for (let i = from; i < len; i++) {
    const raw = ring.at(i);
    if (!Number.isFinite(raw)) continue;
    const y = units === null ? raw : metricUnits(raw, units);
    const x = i - from;
    if (n === 0) first = y;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    if (y > max) max = y;
    last = y;
  }
  s.n = n;
  s.last = last;
  s.first = first;
  s.max = max;
  if (n === 0) {
    s.mean = s.std = s.slope = 0;
    return s;
  }
  s.mean = sy / n;
  const variance = syy / n - s.mean * s.mean;
  s.std = variance > 0 ? Math.sqrt(variance) : 0;
  const den = n * sxx - sx * sx;
  s.slope = den > 0 ? ((n * sxy - sx * sy) / den) * window : 0;
  return s;
}

/** Growth of a counter over the newest `window` samples (first and last finite ones); 0 when it did not grow. */
function counterDelta(ring: NumberRing, window: number): number {
  const len = ring.length;
  const from = len > window ? len - window : 0;
  let i = from;
  while (i < len && !Number.isFinite(ring.at(i))) i++;
  let j = len - 1;
  while (j > i && !Number.isFinite(ring.at(j))) j--;
  if (j <= i) return 0;
  return Math.max(ring.at(j) - ring.at(i), 0);
}

function windowSeconds(times: NumberRing, window: number): number {
  const len = times.length;
  if (len < 2) return 0;
  const from = len > window ? len - window : 0;
  return (times.at(len - 1) - times.at(from)) / 1000;
}

interface Traffic {
  rx: number;
  tx: number;
  errors: number;
  drops: number;
  seconds: number;
}

function addTraffic(t: Traffic, s: InterfaceSeries, window: number): void {
  t.rx += counterDelta(s.rxPackets, window);
  t.tx += counterDelta(s.txPackets, window);
  t.errors += counterDelta(s.errors, window);
  t.drops += counterDelta(s.drops, window);
  const sec = windowSeconds(s.times, window);
  if (sec > t.seconds) t.seconds = sec;
}

function trafficFeatures(t: Traffic, out: Float64Array, at: number): void {
  const packets = t.rx + t.tx;
  out[at] = t.seconds > 0 ? log2p1(t.rx / t.seconds) : 0;
  out[at + 1] = t.seconds > 0 ? log2p1(t.tx / t.seconds) : 0;
  out[at + 2] = t.errors / (packets + 1);
  out[at + 3] = t.drops / (packets + 1);
}

/** The six probe features of LINK_FEATURES_V2 (V3: `seconds`) into out[at..at + 5]. */
function probeFeatures(p: ProbeLink | undefined, nowMono: number, out: Float64Array, at: number, seconds: boolean): void {
  if (!p) {
    for (let i = 0; i < 6; i++) out[at + i] = 0;
    return;
  }
  const q = p.quality;
  const since = nowMono - PROBE_WINDOW_MS;
  let loss = 0;
  let maxExcess = 0;
  let judged = 0;
  for (let i = q.recent.length - 1; i >= 0; i--) {
    const b = q.recent[i];
    if (!b || b.endMono <= since) break;
    if (b.verdict === 'unknown') continue; // too few probes were due to say anything
    const excess = b.lossPercent / 100 - q.normalLoss;
    if (judged === 0) loss = b.lossPercent / 100;
    if (judged === 0 || excess > maxExcess) maxExcess = excess;
    judged++;
  }
  out[at] = 1;
  out[at + 1] = loss;
  out[at + 2] = judged > 0 ? loss - q.normalLoss : 0;
  out[at + 3] = judged > 0 ? maxExcess : 0;
  out[at + 4] = countSince(q.lossyBins, since);
  const silentMs = Math.floor(Math.max(0, nowMono - p.reception.lastHeardMono));
  out[at + 5] = seconds ? Math.min(silentMs, PROBE_SILENCE_CAP_MS) / 1000 : log2p1(silentMs);
}

/**
 * Whether a link's hard interface is up with its carrier: true, false, or null when the
 * monitor does not know the interface. Not a feature of the network: the scorer's
 * out-of-range test takes a link whose interface is down as out of range at once (its
 * normal is always up), and the recorder writes it per link ("up", format 4).
 */
export function linkInterfaceUp(link: LinkSeries, view: MeshView): boolean | null {
  const s = view.interfaces.get(link.ifname);
  return s ? s.up && s.carrier : null;
}

/**
 * How much later than its fastest a link's timed probes arrive now, in ms (linkprobe/
 * delay.ts), or null: no probes from that neighbour, a sender without send times, too
 * few probes in the last 2 s. Not a feature of the network: the scorer judges it by a
 * normaliser of its own (the delay test), and the recorder writes it per link ("dl",
 * format 5).
 */
export function linkProbeDelayMs(link: LinkSeries, view: MeshView): number | null {
  return view.probes.get(link.key)?.delay.excessMs(view.nowMono) ?? null;
}

/** The delay test's one value, normalised per link like a feature (floor 10 ms; learnt within 4 σ, as the silence). */
export const PROBE_DELAY: FeatureDef = { name: 'probe_delay_ms', floor: 10, learnWithin: 4 };

/**
 * The link feature vector into `out`, in the order of `set` (v1, v2 = v1 and the
 * probe features, or v3); false when the link has no metric sample in the window (nothing
 * to judge).
 */
export function linkFeatures(link: LinkSeries, view: MeshView, out: Float64Array, set: FeatureSet = LINK_FEATURES_V1): boolean {
  const w = FEATURE_WINDOW;
  const m = windowStats(link.metric, w, link.metricName);
  if (m.n === 0) return false;
  const len = link.metric.length;
  const windowLen = Math.min(len, w);
  out[0] = m.last;
  out[1] = m.mean;
  out[2] = m.slope;
  out[3] = m.std;
  out[4] = m.max - m.last;
  out[5] = (windowLen - m.n) / windowLen;
  out[6] = log2p1(link.lastSeenMs ?? 0);
  const since = view.nowMono - CHURN_MS;
  out[7] = countSince(link.routeChanges, since);
  let moved = 0;
  for (const r of link.originatorChanges.values()) if (r.length > 0 && r.last() > since) moved++;
  out[8] = moved;
  const s = view.interfaces.get(link.ifname);
  const t: Traffic = { rx: 0, tx: 0, errors: 0, drops: 0, seconds: 0 };
  if (s) addTraffic(t, s, w);
  trafficFeatures(t, out, 9);
  if (s) {
    const nb = windowStats(s.neighbors, w, null);
    out[13] = s.liveNeighbors;
    out[14] = nb.n > 0 ? nb.last - nb.first : 0;
  } else {
    out[13] = 0;
    out[14] = 0;
  }
  out[15] = countSince(view.node.routeChanges, since);
  if (set.version >= 2) probeFeatures(view.probes.get(link.key), view.nowMono, out, LINK_PROBE_AT, set.version >= 3);
  return true;
}

/**
 * The node's probe summaries (NODE_FEATURES_V2's last four) from its links' six probe
 * values (LINK_FEATURES_V2 order from LINK_PROBE_AT): one function for the agent, which
 * computes them from the view, and for training data recorded before node v2 existed,
 * which has the links' vectors. Call `reset` once, `add` per link, then `write`.
 */
export class NodeProbeSummary {
  private heard = 0;
  private excessMax = 0;
  private lossy = 0;
  private silenceMax = 0;

  reset(): void {
    this.heard = 0;
    this.excessMax = 0;
    this.lossy = 0;
    this.silenceMax = 0;
  }

  /** One link's probe values: v[at] = probe_heard ... v[at + 5] = the silence (v2: log2 ms, v3: seconds; only its maximum is kept). */
  add(v: ArrayLike<number>, at: number): void {
    if ((v[at] as number) !== 1) return; // no probes from this neighbour
    const excessMax = v[at + 3] as number;
    const silence = v[at + 5] as number;
    if (this.heard === 0 || excessMax > this.excessMax) this.excessMax = excessMax;
    if ((v[at + 4] as number) > 0) this.lossy++;
    if (silence > this.silenceMax) this.silenceMax = silence;
    this.heard++;
  }

  write(out: Float64Array, at: number): void {
    out[at] = this.heard;
    out[at + 1] = this.excessMax;
    out[at + 2] = this.lossy;
    out[at + 3] = this.silenceMax;
  }
}

const probeScratch = new Float64Array(6);
const probeSummary = new NodeProbeSummary();

/**
 * The node feature vector into `out`, in the order of `set` (v1, v2 = v1 and the
 * probe summaries, or v3); false before the first sample.
 */
export function nodeFeatures(view: MeshView, out: Float64Array, set: FeatureSet = NODE_FEATURES_V1): boolean {
  const w = FEATURE_WINDOW;
  const node = view.node;
  if (node.times.length === 0) return false;
  const nb = windowStats(node.neighbors, w, null);
  out[0] = node.liveNeighbors;
  out[1] = nb.n > 0 ? nb.last - nb.first : 0;
  out[2] = nb.std;
  const og = windowStats(node.originators, w, null);
  out[3] = log2p1(node.reachableOriginators);
  out[4] = og.n > 0 ? (og.last - og.first) / Math.max(1, og.first) : 0;
  out[5] = countSince(node.routeChanges, view.nowMono - CHURN_MS);
  out[6] = countSince(node.routeChanges, view.nowMono - 10_000);
  let present = 0;
  let live = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let lastSeenMax = 0;
  for (const l of view.links.values()) {
    if (!l.present) continue;
    present++;
    if (l.lastSeenMs !== null && l.lastSeenMs > lastSeenMax) lastSeenMax = l.lastSeenMs;
    const v = l.metric.last();
    if (!l.live || !Number.isFinite(v)) continue;
    live++;
    const u = metricUnits(v, l.metricName);
    sum += u;
    if (u < min) min = u;
  }
  out[7] = present > 0 ? live / present : 0;
  out[8] = live > 0 ? sum / live : 0;
  out[9] = live > 0 ? min : 0;
  out[10] = log2p1(lastSeenMax);
  const t: Traffic = { rx: 0, tx: 0, errors: 0, drops: 0, seconds: 0 };
  for (const s of view.interfaces.values()) addTraffic(t, s, w);
  trafficFeatures(t, out, 11);
  if (set.version >= 2) {
    probeSummary.reset();
    for (const l of view.links.values()) {
      const p = view.probes.get(l.key);
      // Only links with a metric in the window: the links linkFeatures judges (and a recording has).
      if (!p || windowStats(l.metric, w, l.metricName).n === 0) continue;
      probeFeatures(p, view.nowMono, probeScratch, 0, set.version >= 3);
      probeSummary.add(probeScratch, 0);
    }
    probeSummary.write(out, NODE_PROBE_AT);
  }
  return true;
}
