/// <reference types="node" />
/**
 * Checks the evaluation's placing of the model's early cycles (model/lib/replay.ts,
 * earlyCycleTimes) against runs recorded with the model running in every agent, whose rows
 * hold the early cycles the agents really ran: for each fault, the int8 model's detection
 * delay replayed on every row (what the agents did: docs/model.md, "The early
 * cycle"), then on the rows without the off-cadence cycles (as a run recorded
 * without the model has them), with the early cycles placed and without.
 *
 *   node dist/model/early-cycle-check.mjs MODEL_FILE RUN[,RUN...]
 * (bundle with esbuild as scripts/model.sh does; MODEL_FILE: the model the run's agents ran)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOP_DEFAULTS } from '../../runtime/src/loop/settings.js';
import { decodeModel } from '../../runtime/src/model/format.js';
import { readModelRows, type RunInfo } from '../lib/dataset.js';
import { byAgent, type Row } from '../lib/labels.js';
import { detectionDelays, incidentRows } from '../lib/metrics.js';
import { incidentsByRun, replayInt8 } from '../lib/replay.js';

/** A cycle less than this after the agent's previous one was an early cycle (the regular one comes every second). */
const OFF_CADENCE_S = 0.85;

const [modelFile, names] = process.argv.slice(2);
if (!modelFile || !names) {
  process.stderr.write('usage: early-cycle-check MODEL_FILE RUN[,RUN...]\n');
  process.exit(2);
}
const decoded = decodeModel(new Uint8Array(readFileSync(modelFile)));
if (!decoded.ok) throw new Error(decoded.error);
const model = decoded.value;
const all = JSON.parse(readFileSync('model/data/runs.json', 'utf8')) as RunInfo[];
const runs = names.split(',').map((n) => {
  const r = all.find((x) => x.run === n);
  if (!r) throw new Error(`no run ${n} in model/data/runs.json`);
  return r;
});
const incidents = incidentsByRun(runs);

function withoutEarlyCycles(rows: readonly Row[]): Row[] {
  const keep = new Set<Row>();
  for (const group of byAgent(rows)) {
    let last = Number.NEGATIVE_INFINITY;
    let cycle = Number.NaN;
    let keepCycle = true;
    for (const r of group) {
      if (r.c !== cycle) {
        cycle = r.c;
        keepCycle = r.t - last >= OFF_CADENCE_S;
        if (keepCycle) last = r.t;
      }
      if (keepCycle) keep.add(r);
    }
  }
  return rows.filter((r) => keep.has(r));
}

let same = 0;
let sameWithout = 0;
let both = 0;
for (const run of runs) {
  const rows = readModelRows(join('model/data', run.file));
  const faults = run.faults.map((f) => ({ ...f, run: run.run }));
  const delays = (rs: readonly Row[], placed: boolean) => {
    const s = replayInt8(model, rs, 'link', undefined, incidents);
    return detectionDelays(rs, faults, incidentRows(rs, s.alarm, LOOP_DEFAULTS.degradedCycles, s.urgent), placed ? s.at : undefined);
  };
  const stripped = withoutEarlyCycles(rows);
  const truth = delays(rows, false);
  const placed = delays(stripped, true);
  const unplaced = delays(stripped, false);
  console.log(`${run.run}: ${rows.length} rows, ${rows.length - stripped.length} in early cycles`);
  truth.forEach((t, k) => {
    const p = placed[k]?.delay ?? null;
    const u = unplaced[k]?.delay ?? null;
    if (t.delay === null && p === null && u === null) return;
    both++;
    const close = (a: number | null) => (a === null) === (t.delay === null) && (a === null || Math.abs(a - (t.delay as number)) <= 0.1 + 1e-9);
    if (close(p)) same++;
    if (close(u)) sameWithout++;
    console.log(`  ${t.kind.padEnd(10)} ${t.links.join(',').padEnd(40)} agents ${String(t.delay).padStart(5)}  placed ${String(p).padStart(5)}  not placed ${String(u).padStart(5)}`);
  });
}
console.log(`faults detected by one of the three: ${both}; within 0.1 s of the agents: placed ${same}, not placed ${sameWithout}`);
