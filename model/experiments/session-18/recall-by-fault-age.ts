/// <reference types="node" />
/**
 * Where in a fault the shipped node network stops alarming (docs/model-journal.md, "The
 * node learning clipped below its threshold"): the router's own scorer replayed on the test
 * runs' node rows (as model:eval does), and per fault kind the share of fault rows it
 * alarms on, by the row's time since its fault began.
 *
 *   node_modules/.bin/esbuild model/experiments/session-18/recall-by-fault-age.ts --bundle \
 *     --platform=node --format=esm --outfile=dist/model/fault-age.mjs && node dist/model/fault-age.mjs
 */
import { readFileSync } from 'node:fs';
import { decodeModel } from '../../../runtime/src/model/format.js';
import { type RunInfo, readModelRows } from '../../lib/dataset.js';
import { incidentsByRun, replayInt8 } from '../../lib/replay.js';

const AGES_S = [5, 10, 20, 40, 80, Number.POSITIVE_INFINITY];

function main(): void {
  const runs = (JSON.parse(readFileSync('model/data/runs.json', 'utf8')) as RunInfo[]).filter((r) => r.role === 'test');
  const model = decodeModel(new Uint8Array(readFileSync('model/x0tta6bl4.model')));
  if (!model.ok) throw new Error(model.error);
  const incidents = incidentsByRun(runs);
  // kind → per age bucket [rows, alarmed]
  const byKind = new Map<string, number[][]>();
  for (const run of runs) {
    const rows = readModelRows(`model/data/${run.file}`).filter((r) => r.target === 'node');
    const scored = replayInt8(model.value, rows, 'node', undefined, incidents);
    rows.forEach((r, i) => {
      if (r.y === 'normal' || r.y === 'setup' || r.y === 'recovery' || scored.error[i] === null) return;
      const starts = run.faults.filter((f) => f.kind === r.y && r.t >= f.start && r.t < f.end).map((f) => f.start);
      const age = starts.length > 0 ? r.t - Math.max(...starts) : 0;
      let buckets = byKind.get(r.y);
      if (!buckets) byKind.set(r.y, (buckets = AGES_S.map(() => [0, 0])));
      const b = buckets[AGES_S.findIndex((a) => age < a)] as number[];
      b[0] = (b[0] as number) + 1;
      if (scored.alarm[i]) b[1] = (b[1] as number) + 1;
    });
  }
  for (const [kind, buckets] of byKind) {
    const cells = buckets.map(([n, a], j) => `<${AGES_S[j]} s: ${n ? ((a as number) / n).toFixed(2) : '-'} (${n})`);
    console.log(`${kind.padEnd(11)} ${cells.join('  ')}`);
  }
}

main();
