/**
 * How thresholds are chosen, the same way for the autoencoder and Isolation Forest:
 * a clean-data quantile of the detector's scores on the training runs' normal rows,
 * the quantile picked from QUANTILE_CANDIDATES by the F1 it gives on the training
 * runs' rows of SELECTION_KINDS only. The other fault kinds (HELD_OUT_KINDS) are never
 * seen before the evaluation, and no test topology is seen at all.
 */
import { prf } from './metrics.js';

export const QUANTILE_CANDIDATES = [900_000, 950_000, 980_000, 990_000, 995_000, 999_000];
export const SELECTION_KINDS = ['loss', 'flap', 'link-down', 'node-crash'];
export const HELD_OUT_KINDS = ['dead-link', 'deaf', 'delay', 'loss-flap'];

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
