/**
 * How thresholds are chosen, the same way for the autoencoder and Isolation Forest:
 * a clean-data quantile of the detector's scores on the training runs' normal rows,
 * the quantile picked from QUANTILE_CANDIDATES by the F1 it gives on the training
 * runs' rows of SELECTION_KINDS only. The other fault kinds (HELD_OUT_KINDS) are never
 * seen before the evaluation, and no test topology is seen at all.
 */
import { type FeatureSet, LINK_FEATURES_V2, LINK_FEATURES_V3, NODE_FEATURES_V3 } from '../../runtime/src/model/features.js';
import type { RunInfo } from './dataset.js';
import type { Row } from './labels.js';
import { prf } from './metrics.js';

/** The feature sets the shipped model is trained on: links and the node, v3 (the probe silence in seconds). */
export const MODEL_SETS: readonly FeatureSet[] = [LINK_FEATURES_V3, NODE_FEATURES_V3];

/** How many link features a run's rows have (runs labelled before the field existed have 16). */
export function runLinkFeatures(r: RunInfo): number {
  return r.linkFeatures ?? 16;
}

/** Runs whose rows have every link feature the model takes (runs recorded before the probe features do not). */
export function usableRuns(runs: readonly RunInfo[]): { use: RunInfo[]; skip: RunInfo[] } {
  const need = LINK_FEATURES_V2.features.length;
  return { use: runs.filter((r) => runLinkFeatures(r) >= need), skip: runs.filter((r) => runLinkFeatures(r) < need) };
}

export const QUANTILE_CANDIDATES = [900_000, 950_000, 980_000, 990_000, 995_000, 999_000];
export const SELECTION_KINDS = ['loss', 'flap', 'link-down', 'node-crash'];
export const HELD_OUT_KINDS = ['dead-link', 'deaf', 'delay', 'loss-flap'];
/**
 * Training runs without any row of the selection kinds (fault-free recordings, as a real
 * mesh gives) leave nothing to pick by: the quantile is then this one, fixed before any
 * data with the probe features existed (an advisory detector should alarm rarely on
 * normal operation; 1 cycle in 1000 of a healthy link).
 */
export const NO_FAULTS_QUANTILE_PPM = 999_000;

/** The quantiles to choose from: the candidates, or only NO_FAULTS_QUANTILE_PPM when there are no selection rows. */
export function quantileCandidates(selectionRows: number): readonly number[] {
  return selectionRows > 0 ? QUANTILE_CANDIDATES : [NO_FAULTS_QUANTILE_PPM];
}

/** The q-quantile (ppm) of values (nearest rank). */
export function quantile(values: readonly number[], ppm: number): number {
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((s.length * ppm) / 1_000_000) - 1))] as number;
}

/** F1 of "score ≥ threshold" with normal rows as negatives and fault rows as positives. */
export function f1At(threshold: number, normal: readonly number[], fault: readonly number[]): number {
  const tp = fault.filter((e) => e >= threshold).length;
  const fp = normal.filter((e) => e >= threshold).length;
  return prf(tp, fp, fault.length - tp).f1;
}

/** F1 of a replay's alarms (the network's threshold and the out-of-range test) on the judged rows: `kinds` against normal. */
export function alarmF1(alarm: readonly boolean[], errors: readonly (number | null)[], rows: readonly Row[], target: 'link' | 'node', kinds: readonly string[]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  errors.forEach((e, i) => {
    const r = rows[i] as Row;
    if (e === null || r.target !== target) return;
    if (kinds.includes(r.y)) {
      if (alarm[i]) tp++;
      else fn++;
    } else if (r.y === 'normal' && alarm[i]) fp++;
  });
  return prf(tp, fp, fn).f1;
}
