/// <reference types="node" />
/**
 * `npm run model:label -- --role train|test|reserve RUN_DIR [NAME]`: a lab run's recordings
 * (<RUN_DIR>/agents/<node>/features.jsonl, written by agents with record_features) and
 * its timeline into model/data/<NAME>.jsonl.gz, listed in model/data/runs.json.
 * `reserve` keeps a held-out run out of model:train and model:eval, so that a later
 * change can be judged on data nobody has read (docs/model.md, "Data").
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { countLabels, type RunInfo, rowLinkFeatures, writeRows } from './lib/dataset.js';
import { labelNode, parseTimeline, type Row, type Timeline } from './lib/labels.js';

const root = process.cwd(); // npm runs scripts at the repository's root
const dataDir = join(root, 'model/data');

/** The model label every recording node's agent loaded, or null (none, or not all the same). */
function sameModel(tl: Timeline, nodes: readonly string[]): string | null {
  const labels = new Set(nodes.map((n) => tl.models[n] ?? ''));
  const [only] = labels;
  return labels.size === 1 && only ? only : null;
}

function main(): number {
  const { values, positionals } = parseArgs({ options: { role: { type: 'string' }, file: { type: 'string', default: 'features.jsonl' } }, allowPositionals: true });
  const [dir, nameArg] = positionals;
  const role = values.role;
  if (!dir || (role !== 'train' && role !== 'test' && role !== 'reserve')) {
    process.stderr.write('usage: npm run model:label -- --role train|test|reserve RUN_DIR [NAME]\n');
    return 2;
  }
  const name = nameArg ?? basename(resolve(dir));
  const tl = parseTimeline(readFileSync(join(dir, 'timeline.jsonl'), 'utf8'));
  const agentsDir = join(dir, 'agents');
  if (!existsSync(agentsDir)) {
    process.stderr.write(`${agentsDir}: no recordings (run the lab with --agent-config tests/lab/agent-configs/record-features.json)\n`);
    return 1;
  }
  const topo = basename(tl.setup.topology).replace(/\.json$/, '');
  const rows: Row[] = [];
  let skipped = 0;
  for (const node of readdirSync(agentsDir).sort()) {
    const f = join(agentsDir, node, values.file as string);
    if (!existsSync(f)) continue;
    const r = labelNode(name, topo, node, readFileSync(f, 'utf8'), tl);
    rows.push(...r.rows);
    skipped += r.skipped;
  }
  const out = join(dataDir, `${name}.jsonl.gz`);
  const liveModel = sameModel(tl, [...new Set(rows.map((r) => r.node))]);
  writeRows(out, rows);
  const scenario = JSON.parse(readFileSync(join(dir, 'timeline.jsonl'), 'utf8').split('\n')[0] as string).scenario as string;
  const info: RunInfo = { run: name, file: basename(out), topology: topo, role, scenario, nodes: tl.setup.nodes.length, seconds: Math.round(tl.end), rows: rows.length, labels: countLabels(rows, 'link'), faults: tl.faults, incidents: tl.incidents, links: tl.setup.links.map((l) => ({ link: l.link, ifA: l.ifA, ifB: l.ifB })), linkFeatures: rowLinkFeatures(rows), ...(liveModel !== null && { liveModel }) };
  const runsFile = join(dataDir, 'runs.json');
  const runs: RunInfo[] = existsSync(runsFile) ? (JSON.parse(readFileSync(runsFile, 'utf8')) as RunInfo[]) : [];
  const next = [...runs.filter((r) => r.run !== name), info].sort((a, b) => a.run.localeCompare(b.run));
  writeFileSync(runsFile, `${JSON.stringify(next, null, 1)}\n`);
  process.stdout.write(`${out}: ${rows.length} rows (${skipped} torn lines skipped); link labels ${JSON.stringify(info.labels)}\n`);
  if (liveModel !== null) process.stdout.write(`the agents ran the model "${liveModel}" (its incidents are compared live in model:eval)\n`);
  process.stdout.write(`faults: ${tl.faults.map((f) => `${f.kind} ${f.links.join(',')} ${f.start.toFixed(0)}-${f.end.toFixed(0)} s`).join('; ')}\n`);
  return 0;
}

process.exit(main());
