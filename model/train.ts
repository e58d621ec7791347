/// <reference types="node" />
/**
 * `npm run model:train`: model/data (runs with role "train") -> model/x0tta6bl4.model.
 *
 * For each target (links, the node): the normalised inputs of the rows labelled
 * normal (replayed as the router's normaliser computes them), a float autoencoder
 * trained on them (seeded), post-training int8 quantization with one scale per output
 * channel (calibrated on those inputs), and a threshold: the 99.9 % quantile of the
 * int8 errors of the normal rows, replayed through the router's own scorer, times 1.5
 * (twice: the first replay's threshold decides what the normaliser learns in the second).
 * Only normal data is used: no fault kind is seen in training, so every fault kind
 * is held out. Writes model/x0tta6bl4.model and model/float-network.json (the float
 * networks and thresholds, for model:eval). Deterministic: same data, same bytes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FeatureSet, LINK_FEATURES_V1, NODE_FEATURES_V1 } from '../runtime/src/model/features.js';
import { encodeModel, type Model } from '../runtime/src/model/format.js';
import type { FloatNetwork, QuantNetwork } from '../runtime/src/model/network.js';
import { STANDARD_INPUT_SCALE } from '../runtime/src/model/normalizer.js';
import { quantizeNetwork } from '../runtime/src/model/quantize.js';
import { calibrateThreshold } from '../runtime/src/model/threshold.js';
import { initNetwork, rng, train } from './lib/autoencoder.js';
import { readRows, type RunInfo } from './lib/dataset.js';
import type { Row } from './lib/labels.js';
import { replayFloat, replayInt8, trainingInputs } from './lib/replay.js';

const root = process.cwd(); // npm runs scripts at the repository's root
export const QUANTILE_PPM = 999_000;
export const MARGIN_PERMILLE = 1500;
const SEED = 9;
const MAX_TRAIN = 30_000;

export const ARCHITECTURE: Record<'link' | 'node', number[]> = { link: [12, 6, 12, 16], node: [10, 4, 10, 15] };

export interface FloatArtifact {
  label: string;
  seed: number;
  trainRuns: string[];
  networks: { target: 'link' | 'node'; samples: number; losses: number[]; floatThreshold: number; int8Threshold: number; net: { inputDim: number; layers: { inDim: number; outDim: number; activation: 'none' | 'relu'; weights: number[]; bias: number[] }[] } }[];
}

function normalErrors(errors: readonly (number | null)[], rows: readonly Row[], target: 'link' | 'node'): number[] {
  const out: number[] = [];
  errors.forEach((e, i) => {
    const r = rows[i] as Row;
    if (e !== null && r.target === target && r.y === 'normal') out.push(e);
  });
  return out;
}

function quantNet(net: FloatNetwork, set: FeatureSet, calibration: Float64Array[], threshold: number): QuantNetwork {
  const q = quantizeNetwork(net, calibration, { target: set.target, featureVersion: set.version, inputScale: STANDARD_INPUT_SCALE, inputZeroPoint: 0, threshold, quantilePpm: QUANTILE_PPM, marginPermille: MARGIN_PERMILLE });
  if (!q.ok) throw new Error(`${set.target}: ${q.error}`);
  return q.value;
}

function main(): number {
  const runsFile = join(root, 'model/data/runs.json');
  if (!existsSync(runsFile)) {
    process.stderr.write('model/data/runs.json is missing: label lab runs first (docs/model.md, "Data")\n');
    return 1;
  }
  const runs = (JSON.parse(readFileSync(runsFile, 'utf8')) as RunInfo[]).filter((r) => r.role === 'train');
  if (runs.length === 0) {
    process.stderr.write('no run with role "train" in model/data/runs.json\n');
    return 1;
  }
  const rows = runs.flatMap((r) => readRows(join(root, 'model/data', r.file)));
  const label = `lab ${runs.map((r) => r.run).join('+')}`.slice(0, 64);
  const artifact: FloatArtifact = { label, seed: SEED, trainRuns: runs.map((r) => r.run), networks: [] };
  const networks: QuantNetwork[] = [];
  for (const set of [LINK_FEATURES_V1, NODE_FEATURES_V1]) {
    let inputs = trainingInputs(rows, set);
    if (inputs.length < 200) {
      process.stderr.write(`${set.target}: only ${inputs.length} normal samples; not enough to train\n`);
      return 1;
    }
    if (inputs.length > MAX_TRAIN) {
      const step = inputs.length / MAX_TRAIN;
      inputs = Array.from({ length: MAX_TRAIN }, (_, i) => inputs[Math.floor(i * step)] as Float64Array);
    }
    const widths = ARCHITECTURE[set.target];
    const net = initNetwork(set.features.length, widths, rng(SEED));
    const losses = train(net, inputs, { hidden: widths, epochs: 40, batch: 64, learningRate: 0.003, weightDecay: 1e-4, seed: SEED });
    const calibration = inputs.filter((_, i) => i % 10 === 0);
    // Threshold: replay with no threshold, calibrate, replay with it, calibrate again.
    let threshold = 0xffffffff;
    let fThreshold = Number.POSITIVE_INFINITY;
    for (let pass = 0; pass < 2; pass++) {
      const q = quantNet(net, set, calibration, threshold);
      const model: Model = { label, networks: [q] };
      threshold = calibrateThreshold(normalErrors(replayInt8(model, rows, set.target).error, rows, set.target), QUANTILE_PPM, MARGIN_PERMILLE);
      const fe = normalErrors(replayFloat(net, fThreshold, rows, set).error, rows, set.target).sort((a, b) => a - b);
      fThreshold = ((fe[Math.min(fe.length - 1, Math.ceil((fe.length * QUANTILE_PPM) / 1e6) - 1)] ?? 1) * MARGIN_PERMILLE) / 1000;
    }
    networks.push(quantNet(net, set, calibration, threshold));
    artifact.networks.push({
      target: set.target,
      samples: inputs.length,
      losses: losses.map((l) => Math.round(l * 1e6) / 1e6),
      floatThreshold: fThreshold,
      int8Threshold: threshold,
      net: { inputDim: net.inputDim, layers: net.layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, activation: l.activation, weights: Array.from(l.weights), bias: Array.from(l.bias) })) },
    });
    process.stdout.write(`${set.target}: ${inputs.length} normal samples, ${set.features.length}-${widths.join('-')}, loss ${losses[0]?.toFixed(4)} -> ${losses[losses.length - 1]?.toFixed(4)}, threshold ${threshold} (int8), ${fThreshold.toFixed(1)} (float)\n`);
  }
  const bytes = encodeModel({ label, networks });
  if (!bytes.ok) throw new Error(bytes.error);
  if (bytes.value.length > 8192) throw new Error(`the model is ${bytes.value.length} bytes, above the 8 KB budget`);
  writeFileSync(join(root, 'model/x0tta6bl4.model'), bytes.value);
  writeFileSync(join(root, 'model/float-network.json'), `${JSON.stringify(artifact)}\n`);
  process.stdout.write(`model/x0tta6bl4.model: ${bytes.value.length} bytes ("${label}")\n`);
  return 0;
}

process.exit(main());
