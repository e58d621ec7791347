#!/usr/bin/env node
// Reads a dead-link run (tests/lab/scenarios/dead-link-*.json: one link loses every packet,
// carrier kept, then is restored, several times) and prints what docs/performance.md
// reports: per trial, how long each end's agent took to open neighbor-lost for the other
// end, batman-adv's own reroute of the first route that used the link; then the median and
// the p95 (nearest rank) over all ends and trials, and every action any agent took.
//
//   node tests/lab/analysis/dead-link.mjs RUN_DIR
import { readRunTimeline } from './run-dir.mjs';

const recs = readRunTimeline('dead-link.mjs');
const setup = recs.find((r) => r.type === 'lab' && r.what === 'setup');
const faults = recs.filter((r) => r.type === 'fault');
const lost = faults.filter((f) => f.fault.do === 'link_lost');
if (lost.length === 0) {
  console.error('no link_lost fault in this run');
  process.exit(1);
}
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const agentLines = recs.filter((r) => r.type === 'agent' && typeof r.line === 'string');
// The MAC each node's hard interface of the link has: "02:0X:..:YY" is node YY's interface X
// in the lab's addressing; rather than rely on that, match the neighbour's node by the
// interface name the link uses on the detecting end.
const linkDef = (name) => setup.links.find((l) => l.link === name);
const opened = /incident \S+ opened: neighbor-lost link:([^/]+)\//;
const values = [];
console.log(`dead-link trials: ${lost.length}, link ${lost[0].fault.link}`);
for (const [i, f] of lost.entries()) {
  const [a, b] = f.fault.link.split('~');
  const def = linkDef(`${a}~${b}`);
  const restore = faults.find((g) => g.t > f.t && g.fault.do === 'link_restore');
  const until = restore ? restore.t : f.t + 30_000;
  const ends = [];
  for (const [node, ifname] of [[a, def.ifA], [b, def.ifB]]) {
    const hit = agentLines.find((r) => r.node === node && r.t >= f.t && r.t <= until && opened.exec(r.line)?.[1] === ifname);
    const ms = hit ? hit.t - f.t : null;
    if (ms !== null) values.push(ms);
    ends.push(`${node} ${ms === null ? 'MISSED' : `${Math.round(ms)} ms`}`);
  }
  const moved = recs.find((r) => r.type === 'route' && r.t >= f.t && r.t <= until && r.prevLink === `${a}~${b}`);
  console.log(`  trial ${String(i + 1).padStart(2)}: ${ends.join(', ')}; batman-adv moved the first route after ${moved ? s(moved.t - f.t) : '-'}`);
}
const sorted = [...values].sort((x, y) => x - y);
const rank = (p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
console.log(`neighbor-lost on ${values.length} of ${2 * lost.length} ends: median ${s(rank(50))}, p95 ${s(rank(95))} (nearest rank), max ${s(sorted.at(-1))}`);
const actions = agentLines.filter((r) => /notice action \S+ (done|advised|failed|refused)/.test(r.line));
console.log(`actions: ${actions.length}`);
for (const r of actions) console.log(`  ${s(r.t)} ${r.node} ${r.line.slice(r.line.indexOf('action'), r.line.indexOf('action') + 150)}`);
