/**
 * An Isolation Forest fitted by scikit-learn (model/iforest.py) and scored here, one
 * row at a time, so that the baseline can run through the same replay as the
 * autoencoder: its own normaliser per link, learning clipped while it alarms. Scoring
 * in Python once per file could not do that, because what the normaliser learns at
 * a row depends on the forest's verdict on the rows before it.
 *
 * The score is scikit-learn's (Liu, Ting and Zhou 2008): 2^(−E[h(x)] / c(ψ)), where
 * h is the depth of the leaf x falls into plus c(n) for the n training samples left in
 * that leaf, ψ the samples per tree, and c(n) the average path length of an
 * unsuccessful search in a binary search tree of n keys. Higher = more anomalous
 * (iforest.py's `-score_samples`). Splits compare the feature as float32, as
 * scikit-learn does (it converts X to float32 before the trees see it).
 */
import type { ModelResult } from '../../runtime/src/model/format.js';

export interface ForestTree {
  /** Input column of each of the tree's features (scikit-learn's estimators_features_). */
  features: number[];
  /** Per node: left and right child (−1 at a leaf), split feature, threshold, training samples. */
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  samples: number[];
}

export interface Forest {
  inputDim: number;
  maxSamples: number;
  trees: ForestTree[];
  /** Per tree, per node: the path length a row ending there gets (leaves only; depth + c(samples)). */
  leafPath: Float64Array[];
  /** c(maxSamples) × number of trees: E[h] × trees / this is the exponent. */
  norm: number;
}

const EULER_GAMMA = 0.5772156649015329;
/** Bounds on what a forest file may hold: iforest.py writes 200 trees of at most 511 nodes. */
const MAX_TREES = 1000;
const MAX_NODES = 1 << 16;

/** c(n): the average path length of an unsuccessful search among n keys (0 for n ≤ 1, 1 for n = 2). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

function intArray(v: unknown, length: number | null, min: number, max: number): number[] | null {
  if (!Array.isArray(v) || (length !== null && v.length !== length) || v.length > MAX_NODES) return null;
  for (const x of v) if (!Number.isInteger(x) || (x as number) < min || (x as number) > max) return null;
  return v as number[];
}

/** A forest from iforest.py's JSON, checked so that scoring cannot index outside it or loop. */
export function parseForest(json: unknown, inputDim: number): ModelResult<Forest> {
  const fail = (error: string): ModelResult<Forest> => ({ ok: false, error: `isolation forest: ${error}` });
  if (typeof json !== 'object' || json === null) return fail('not an object');
  const j = json as { maxSamples?: unknown; trees?: unknown };
  if (!Number.isInteger(j.maxSamples) || (j.maxSamples as number) < 1) return fail('maxSamples is not a positive integer');
  if (!Array.isArray(j.trees) || j.trees.length === 0 || j.trees.length > MAX_TREES) return fail(`trees: expected 1..${MAX_TREES}`);
  const maxSamples = j.maxSamples as number;
  const trees: ForestTree[] = [];
  const leafPath: Float64Array[] = [];
  for (const [t, raw] of (j.trees as unknown[]).entries()) {
    const r = raw as Record<string, unknown>;
    const left = intArray(r.left, null, -1, MAX_NODES);
    const n = left?.length ?? 0;
    const right = intArray(r.right, n, -1, n - 1);
    const features = intArray(r.features, null, 0, inputDim - 1);
    const feature = features ? intArray(r.feature, n, -2, features.length - 1) : null;
    const samples = intArray(r.samples, n, 0, Number.MAX_SAFE_INTEGER);
    const threshold = Array.isArray(r.threshold) && r.threshold.length === n && r.threshold.every((x) => typeof x === 'number') ? (r.threshold as number[]) : null;
    if (!left || n === 0 || !right || !features || !feature || !samples || !threshold) return fail(`tree ${t}: malformed`);
    // Children must come after their parent (scikit-learn numbers nodes depth first), so every walk ends.
    const depth = new Float64Array(n);
    const path = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const l = left[i] as number;
      const rr = right[i] as number;
      if ((l === -1) !== (rr === -1)) return fail(`tree ${t}: node ${i} has one child`);
      if (l === -1) {
        path[i] = (depth[i] as number) + averagePathLength(samples[i] as number);
        continue;
      }
      if (l <= i || rr <= i || l >= n || (feature[i] as number) < 0) return fail(`tree ${t}: node ${i} has a bad child or feature`);
      depth[l] = (depth[i] as number) + 1;
      depth[rr] = (depth[i] as number) + 1;
    }
    trees.push({ features, left, right, feature, threshold, samples });
    leafPath.push(path);
  }
  return { ok: true, value: { inputDim, maxSamples, trees, leafPath, norm: averagePathLength(maxSamples) * trees.length } };
}

/** The anomaly score of one input (0..1; higher = more anomalous). */
export function forestScore(forest: Forest, x: ArrayLike<number>): number {
  let sum = 0;
  for (let t = 0; t < forest.trees.length; t++) {
    const tree = forest.trees[t] as ForestTree;
    let node = 0;
    while ((tree.left[node] as number) !== -1) {
      const v = Math.fround(x[tree.features[tree.feature[node] as number] as number] as number);
      node = v <= (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
    }
    sum += (forest.leafPath[t] as Float64Array)[node] as number;
  }
  return 2 ** (-sum / forest.norm);
}
