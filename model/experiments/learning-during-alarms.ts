/// <reference types="node" />
/**
 * The experiment behind the scorer's rule for what a normaliser learns from a sample
 * it judged anomalous (docs/model.md, "Learning during alarms"). On one training run's
 * link rows (default ulm-probes), with the float autoencoder trained as model:train
 * trains it, each rule replays the rows at each candidate threshold (quantiles of the
 * errors of a normaliser told the true labels) and reports F1 on the selection kinds
 * (the only fault rows the choice may look at), F1 on all kinds and false alarm cycles.
 *
 *   node_modules/.bin/esbuild model/experiments/learning-during-alarms.ts --bundle \
 *     --platform=node --format=esm --outfile=dist/model/learning.mjs && node dist/model/learning.mjs [RUN]
 */
import { join } from 'node:path';
import { LINK_FEATURES_V2 } from '../../runtime/src/model/features.js';
import { floatForward } from '../../runtime/src/model/float-inference.js';
import type { FloatNetwork } from '../../runtime/src/model/network.js';
import { Normalizer, STANDARD_INPUT_SCALE } from '../../runtime/src/model/normalizer.js';
import { quantizeValue } from '../../runtime/src/model/quantize.js';
import { initNetwork, rng, train } from '../lib/autoencoder.js';
import { readRows } from '../lib/dataset.js';
import { byAgent, type Row } from '../lib/labels.js';
import { trainingInputs, WARMUP } from '../lib/replay.js';
import { f1At, HELD_OUT_KINDS, QUANTILE_CANDIDATES, quantile, SELECTION_KINDS } from '../lib/selection.js';

type Rule = { name: string; learn: (n: Normalizer, raw: Float64Array, error: number, threshold: number, run: number) => void };

const RULES: Rule[] = [
  { name: 'told the labels (reference)', learn: () => {} },
  { name: 'nothing, up to 300 in a row (old)', learn: (n, raw, e, th, run) => (e < th || run > 300 ? n.update(raw) : undefined) },
  { name: 'nothing, up to 30 in a row', learn: (n, raw, e, th, run) => (e < th || run > 30 ? n.update(raw) : undefined) },
  { name: 'all below 2x the threshold', learn: (n, raw, e, th) => (e < 2 * th ? n.update(raw) : undefined) },
  { name: 'all below 4x the threshold', learn: (n, raw, e, th) => (e < 4 * th ? n.update(raw) : undefined) },
  { name: 'clipped to 1 sd', learn: (n, raw, e, th) => (e < th ? n.update(raw) : n.updateClipped(raw, 1)) },
  { name: 'clipped to 2 sd (chosen)', learn: (n, raw, e, th) => (e < th ? n.update(raw) : n.updateClipped(raw, 2)) },
  { name: 'clipped to 3 sd', learn: (n, raw, e, th) => (e < th ? n.update(raw) : n.updateClipped(raw, 3)) },
];

const set = LINK_FEATURES_V2;
const D = set.features.length;

/** Errors of the float network on the judged link rows, the normaliser learning by `rule` (null: by the true labels). */
function replay(rows: readonly Row[], net: FloatNetwork, rule: Rule | null, threshold: number): { y: string; e: number }[] {
  const out: { y: string; e: number }[] = [];
  const raw = new Float64Array(D);
  const z = new Float64Array(D);
  for (const group of byAgent(rows)) {
    const norms = new Map<string, Normalizer>();
    const runs = new Map<string, number>();
    for (const r of group) {
      if (r.target !== 'link') continue;
      let n = norms.get(r.key);
      if (!n) norms.set(r.key, (n = new Normalizer(set.features, 0.01)));
      for (let k = 0; k < D; k++) raw[k] = r.f[k] ?? 0;
      if (n.samples < WARMUP) {
        n.update(raw);
        continue;
      }
      n.zScores(raw, z);
      for (let k = 0; k < D; k++) z[k] = quantizeValue(z[k] as number, STANDARD_INPUT_SCALE, 0) * STANDARD_INPUT_SCALE;
      const y = floatForward(net, z);
      let e = 0;
      for (let k = 0; k < D; k++) e += ((y[k] as number) - (z[k] as number)) ** 2;
      out.push({ y: r.y, e });
      const run = e < threshold ? 0 : (runs.get(r.key) ?? 0) + 1;
      runs.set(r.key, run);
      if (rule === null) {
        if (r.y === 'normal' || r.y === 'setup') n.update(raw);
      } else rule.learn(n, raw, e, threshold, run);
    }
  }
  return out;
}

const run = process.argv[2] ?? 'ulm-probes';
const rows = readRows(join(process.cwd(), 'model/data', `${run}.jsonl.gz`));
const widths = [12, 6, 12, D];
const net = initNetwork(D, widths, rng(9));
train(net, trainingInputs(rows, set).slice(0, 30_000), { hidden: widths, epochs: 40, batch: 64, learningRate: 0.003, weightDecay: 1e-4, seed: 9 });
const reference = replay(rows, net, null, Number.POSITIVE_INFINITY);
const refNormal = reference.filter((x) => x.y === 'normal').map((x) => x.e);
process.stdout.write(`${run}: link rows, float network ${D}-${widths.join('-')}; per quantile: F1 on the selection kinds / on all kinds / false alarm cycles\n`);
for (const rule of RULES) {
  const cells = QUANTILE_CANDIDATES.map((ppm) => {
    const th = quantile(refNormal, ppm);
    const o = rule.name.startsWith('told') ? reference : replay(rows, net, rule, th);
    const normal = o.filter((x) => x.y === 'normal').map((x) => x.e);
    const sel = o.filter((x) => SELECTION_KINDS.includes(x.y)).map((x) => x.e);
    const all = o.filter((x) => SELECTION_KINDS.includes(x.y) || HELD_OUT_KINDS.includes(x.y)).map((x) => x.e);
    return `${ppm / 1e4} %: ${f1At(th, normal, sel).toFixed(3)} / ${f1At(th, normal, all).toFixed(3)} / ${normal.filter((e) => e >= th).length}`;
  });
  process.stdout.write(`${rule.name.padEnd(36)} ${cells.join(' | ')}\n`);
}
