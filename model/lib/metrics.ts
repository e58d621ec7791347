/**
 * Evaluation measures: ROC AUC (Mann-Whitney, ties counted half), precision, recall
 * and F1 of per-cycle alarms, and detection delay with the loop's hysteresis (an
 * incident opens after `raiseAfter` consecutive alarms of one target).
 */
import type { RunInfo } from './dataset.js';
import type { FaultInterval, Row } from './labels.js';
import type { Scored } from './replay.js';

/** ROC AUC of scores (higher = more anomalous) for positives vs negatives; NaN if a class is empty. */
export function rocAuc(pos: readonly number[], neg: readonly number[]): number {
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  const all = [...pos.map((s) => ({ s, p: 1 })), ...neg.map((s) => ({ s, p: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let i = 0;
  while (i < all.length) {
    let j = i;
    while (j + 1 < all.length && (all[j + 1] as { s: number }).s === (all[i] as { s: number }).s) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if ((all[k] as { p: number }).p === 1) rankSum += mid;
    i = j + 1;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

export interface Prf {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/**
 * A detector judged at a fixed false-alarm rate instead of its own threshold: the cut is
 * set on the negatives themselves (at most ⌊rate · negatives⌋ of them score above it;
 * ties at the cut do not alarm), and the positives above it give recall, precision and
 * F1. This compares the ranking of two detectors' scores without their threshold
 * selection (an oracle cut, so an upper bound of what a threshold can reach at that rate).
 */
export function atFalseAlarmRate(pos: readonly number[], neg: readonly number[], rate: number): Prf & { falseAlarmRate: number } {
  const sorted = Float64Array.from(neg).sort().reverse();
  const allowed = Math.floor(Math.max(0, rate) * sorted.length);
  const cut = allowed < sorted.length ? (sorted[allowed] as number) : Number.NEGATIVE_INFINITY;
  let fp = 0;
  for (const s of neg) if (s > cut) fp++;
  let tp = 0;
  for (const s of pos) if (s > cut) tp++;
  return { ...prf(tp, fp, pos.length - tp), falseAlarmRate: neg.length > 0 ? fp / neg.length : 0 };
}

/**
 * Per target sequence (run, node, epoch, key), when an incident would open: the rows
 * at which `raiseAfter` consecutive alarms complete, or earlier at an `urgent` alarm
 * (the model's out-of-range test), once per run of alarms. Returns the row indices.
 */
export function incidentRows(rows: readonly Row[], alarm: readonly boolean[], raiseAfter: number, urgent?: readonly boolean[]): Set<number> {
  const run = new Map<string, { n: number; opened: boolean }>();
  const open = new Set<number>();
  rows.forEach((r, i) => {
    const k = `${r.run}|${r.node}|${r.epoch}|${r.key}`;
    let s = run.get(k);
    if (!s) run.set(k, (s = { n: 0, opened: false }));
    if (!alarm[i]) {
      s.n = 0;
      s.opened = false;
      return;
    }
    s.n++;
    if (!s.opened && (s.n >= raiseAfter || urgent?.[i] === true)) {
      s.opened = true;
      open.add(i);
    }
  });
  return open;
}

export interface Delay {
  kind: string;
  links: string[];
  /** Seconds from the fault's start to the first incident on one of its links' rows; null = missed. */
  delay: number | null;
}

/**
 * For each fault: the first incident (from `opened`) on a row of its links within [start,
 * end], at the row's time or, where `at` gives one, the earlier time the agent's early
 * cycle would have opened it (replay.ts, earlyCycleTimes).
 */
export function detectionDelays(rows: readonly Row[], faults: readonly (FaultInterval & { run: string })[], opened: ReadonlySet<number>, at?: readonly (number | null)[]): Delay[] {
  return faults.map((f) => {
    let first: number | null = null;
    for (const i of opened) {
      const r = rows[i] as Row;
      if (r.run !== f.run || r.target !== 'link' || r.link === null || !f.links.includes(r.link)) continue;
      if (r.t < f.start || r.t > f.end) continue;
      // An early cycle before the fault's start (its silence began before the lab's mark) counts at the start.
      const t = Math.max(f.start, at?.[i] ?? r.t);
      if (first === null || t < first) first = t;
    }
    return { kind: f.kind, links: f.links, delay: first === null ? null : Math.round((first - f.start) * 10) / 10 };
  });
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Two detectors' delays (s, tenths; null = not detected) on the same faults, fault by fault. */
export interface DelayComparison {
  faults: number;
  /** Detected by a, by b (each its own median over the faults it detected). */
  detectedA: number;
  detectedB: number;
  medianA: number | null;
  medianB: number | null;
  /** Of the faults both detected: a first by more than 0.1 s, within 0.1 s, b first by more than 0.1 s. */
  both: number;
  earlier: number;
  asEarly: number;
  later: number;
  /** Median of a − b over the faults both detected. */
  medianDifference: number | null;
  onlyA: number;
  onlyB: number;
}

export function compareDelays(pairs: readonly { a: number | null; b: number | null }[]): DelayComparison {
  const got = (x: number | null): x is number => x !== null;
  const both = pairs.filter((p) => got(p.a) && got(p.b));
  // Delays are in tenths of a second: 1.5 − 1.4 must read 0.1 (as early), not 0.1000000000000001.
  const diff = both.map((p) => Math.round(((p.a as number) - (p.b as number)) * 10) / 10);
  const earlier = diff.filter((x) => x < -0.1).length;
  const later = diff.filter((x) => x > 0.1).length;
  const as = pairs.map((p) => p.a).filter(got);
  const bs = pairs.map((p) => p.b).filter(got);
  return {
    faults: pairs.length,
    detectedA: as.length,
    detectedB: bs.length,
    medianA: median(as),
    medianB: median(bs),
    both: both.length,
    earlier,
    asEarly: both.length - earlier - later,
    later,
    medianDifference: median(diff),
    onlyA: pairs.filter((p) => got(p.a) && !got(p.b)).length,
    onlyB: pairs.filter((p) => !got(p.a) && got(p.b)).length,
  };
}

/** The model's own incident kinds: never counted as a rule's (a recording made with a model in advise mode has them). */
export const MODEL_INCIDENT_KINDS: ReadonlySet<string> = new Set(['link-anomaly', 'node-anomaly']);

/** The lab link an agent's incident names (one end's node and its interface in the target), or null. */
function incidentLink(run: Pick<RunInfo, 'links'>, inc: RunInfo['incidents'][number]): string | null {
  for (const l of run.links) {
    const [a, b] = l.link.split('~');
    if ((inc.node === a && targetNames(inc.target, l.ifA)) || (inc.node === b && targetNames(inc.target, l.ifB))) return l.link;
  }
  return null;
}

/** "link:mesh1/02:..." or "if:mesh1" names mesh1 (and not mesh10). */
function targetNames(target: string, ifname: string): boolean {
  const at = target.indexOf(':');
  const rest = at < 0 ? target : target.slice(at + 1);
  return rest === ifname || rest.startsWith(`${ifname}/`);
}

/**
 * Seconds from the fault's start to the first incident of the agents (their log, in the
 * lab) on an end of the faulted link naming that end's interface, among incidents of the
 * kinds `counts` accepts; null when none while the fault lasted.
 */
function firstIncidentDelay(run: Pick<RunInfo, 'links' | 'incidents'>, f: RunInfo['faults'][number], counts: (kind: string) => boolean): number | null {
  let first: number | null = null;
  for (const inc of run.incidents) {
    if (!counts(inc.kind) || inc.t < f.start || inc.t > f.end) continue;
    const link = incidentLink(run, inc);
    if (link === null || !f.links.includes(link)) continue;
    if (first === null || inc.t < first) first = inc.t;
  }
  return first === null ? null : Math.round((first - f.start) * 10) / 10;
}

/**
 * The agents' own rules (every detector, advise mode, in the lab): the delay of their first
 * incident on the faulted link (firstIncidentDelay). `skip`: rule kinds not counted (the
 * model's own never are).
 */
export function rulesDelay(run: Pick<RunInfo, 'links' | 'incidents'>, f: RunInfo['faults'][number], skip: ReadonlySet<string> = new Set()): number | null {
  return firstIncidentDelay(run, f, (kind) => !MODEL_INCIDENT_KINDS.has(kind) && !skip.has(kind));
}

/** The model as the agents ran it in the lab (a run with `liveModel`): the delay of their first link-anomaly incident on the faulted link. */
export function liveModelDelay(run: Pick<RunInfo, 'links' | 'incidents'>, f: RunInfo['faults'][number]): number | null {
  return firstIncidentDelay(run, f, (kind) => kind === 'link-anomaly');
}

/**
 * The rules' incidents on lab links that no fault touched at the time, per kind: opened
 * after the scenario started (t ≥ 0) and not within a fault on that link or the
 * `recoveryS` after it, the rows the model's false incidents are counted on.
 */
export function ruleIncidentsOutsideFaults(run: Pick<RunInfo, 'links' | 'incidents' | 'faults'>, recoveryS: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const inc of run.incidents) {
    if (MODEL_INCIDENT_KINDS.has(inc.kind) || inc.t < 0) continue;
    const link = incidentLink(run, inc);
    if (link === null) continue;
    if (run.faults.some((f) => f.links.includes(link) && inc.t >= f.start && inc.t <= f.end + recoveryS)) continue;
    out[inc.kind] = (out[inc.kind] ?? 0) + 1;
  }
  return out;
}

/**
 * What raises the int8 model's alarms on normal rows: each alarm counted under the
 * feature it reconstructed worst (out of range: the farthest feature), the most frequent first.
 */
export function falseAlarmCauses(s: Pick<Scored, 'alarm' | 'urgent' | 'worst'>, normal: readonly number[]): { cause: string; alarms: number }[] {
  const counts = new Map<string, number>();
  for (const i of normal) {
    if (!s.alarm[i]) continue;
    const cause = `${s.urgent?.[i] ? 'out of range: ' : ''}${s.worst?.[i] ?? '?'}`;
    counts.set(cause, (counts.get(cause) ?? 0) + 1);
  }
  return [...counts].map(([cause, alarms]) => ({ cause, alarms })).sort((a, b) => b.alarms - a.alarms || (a.cause < b.cause ? -1 : 1));
}
