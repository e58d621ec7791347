/// <reference types="node" />
/**
 * Session 15: every row's z-scores (on the int8 grid) from a normaliser told the labels
 * (it learns normal and setup rows in full, no fault row), for told-labels.py. One CSV per
 * target in $OUT: run, label, node, epoch, key, cycle, farthest |z|, the z-scores.
 */
import { writeFileSync } from 'node:fs';
import { readModelRows } from '../../lib/dataset.js';
import { byAgent } from '../../lib/labels.js';
import { MODEL_SETS } from '../../lib/selection.js';
import { Normalizer, STANDARD_INPUT_SCALE } from '../../../runtime/src/model/normalizer.js';
import { quantizeValue } from '../../../runtime/src/model/quantize.js';
import { SCORER_DEFAULTS } from '../../../runtime/src/model/scorer.js';
const runs = process.argv.slice(2);
for (const set of MODEL_SETS) {
  const lines: string[] = [];
  for (const run of runs) {
    const rows = readModelRows(`model/data/${run}.jsonl.gz`);
    const raw = new Float64Array(set.features.length);
    const z = new Float64Array(set.features.length);
    for (const group of byAgent(rows)) {
      const norms = new Map<string, Normalizer>();
      for (const r of group) {
        if (r.target !== set.target) continue;
        let n = norms.get(r.key);
        if (!n) norms.set(r.key, (n = new Normalizer(set.features, SCORER_DEFAULTS.alpha[set.target])));
        for (let k = 0; k < raw.length; k++) raw[k] = r.f[k] ?? 0;
        if (n.samples < SCORER_DEFAULTS.warmup) { n.update(raw); continue; }
        n.zScores(raw, z);
        const far = n.farthestZ;
        const g = Array.from(z, (v) => (quantizeValue(v, STANDARD_INPUT_SCALE, 0) * STANDARD_INPUT_SCALE).toFixed(4));
        lines.push([run, r.y, r.node, r.epoch, r.key, r.c, far.toFixed(2), ...g].join(','));
        if (r.y === 'normal' || r.y === 'setup') n.update(raw);
      }
    }
  }
  writeFileSync(`${process.env.OUT}/${set.target}.csv`, `${lines.join('\n')}\n`);
  console.log(set.target, lines.length);
}
