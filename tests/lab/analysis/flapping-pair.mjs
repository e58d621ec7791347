#!/usr/bin/env node
// Reads a flapping-pair run (tests/lab/scenarios/flapping-pair*.json: A~B with agents in
// auto, D~E with agents in advise, both flapping at the same time) and prints what
// docs/performance.md reports: when each end's agent detected the flapping, when the hop
// penalty rose and was restored, route changes per minute of A<->B and D<->E, and ping
// delivery, before and after the first raise, side by side.
//
//   node tests/lab/analysis/flapping-pair.mjs RUN_DIR
import { readRunTimeline } from './run-dir.mjs';

const recs = readRunTimeline('flapping-pair.mjs');
const flaps = recs.filter((r) => r.type === 'fault' && r.fault.do === 'flap');
if (flaps.length === 0) {
  console.error('no flap fault in this run');
  process.exit(1);
}
const start = Math.min(...flaps.map((f) => f.t));
const f0 = flaps[0].fault;
// The last toggle back to clean: under emulation the schedule slips (600 s of flapping
// took 660 s in one run), so the planned length would misplace the end.
const lastRestore = recs.filter((r) => r.type === 'fault' && r.fault.do === 'set_link' && /flap (\d+)\/\1: restored/.test(String(r.detail ?? '')));
const end = lastRestore.length > 0 ? Math.max(...lastRestore.map((r) => r.t)) : start + f0.period * f0.count * 1000;
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(`flapping: ${flaps.map((f) => f.fault.link).join(', ')}, ${f0.impair?.loss ?? '?'} % loss for ${f0.period * f0.duty} s of every ${f0.period} s, ${f0.count} times; from ${s(start)} to ${s(end)}`);

// The agents' incidents and actions on the flapping links.
const agentLines = recs.filter((r) => r.type === 'agent' && typeof r.line === 'string');
const opened = /incident (\S+) opened: (route-flapping|link-flapping|link-degraded) (\S+)/;
const action = /action \S+ (done|advised): set-hop-penalty (\S+)/;
const firstOpen = new Map();
const lines = [];
for (const r of agentLines) {
  const m = opened.exec(r.line);
  if (m && r.t >= start) {
    const k = `${r.node} ${m[2]}`;
    if (!firstOpen.has(k)) firstOpen.set(k, r.t - start);
    lines.push(`  ${s(r.t - start).padStart(9)}  ${r.node}  opened ${m[2]} ${m[3]}`);
  }
  const a = action.exec(r.line);
  if (a) lines.push(`  ${s(r.t - start).padStart(9)}  ${r.node}  ${a[1]} ${r.line.slice(r.line.indexOf('set-hop-penalty')).slice(0, 150)}`);
}
console.log('after the flapping began (incidents on flapping kinds, hop-penalty actions):');
for (const l of lines.slice(0, 60)) console.log(l);
if (lines.length > 60) console.log(`  ... ${lines.length - 60} more`);
console.log('first detection per node and kind:');
for (const [k, v] of [...firstOpen].sort((a, b) => a[1] - b[1])) console.log(`  ${k}: ${s(v)}`);

// First raise on the auto side (A, B, C): the split point.
const raise = agentLines.find((r) => r.t >= start && /action \S+ done: set-hop-penalty/.test(r.line) && !/restore/.test(r.line) && ['A', 'B', 'C'].includes(r.node));
const split = raise ? raise.t : null;
console.log(split ? `first raise on the auto side: ${raise.node} at ${s(split - start)}` : 'no raise on the auto side');

// Route changes of the pair's direct routes.
const routes = recs.filter((r) => r.type === 'route');
const pair = (a, b) => routes.filter((r) => (r.node === a && r.orig === b) || (r.node === b && r.orig === a));
const perMin = (rs, from, to) => (to > from ? (rs.filter((r) => r.t >= from && r.t < to).length / ((to - from) / 60000)).toFixed(2) : '-');

// Ping delivery from the exec windows ("A-B\n100 packets transmitted, N received ... D-E\n...").
const pings = recs.filter((r) => r.type === 'fault' && r.fault.do === 'exec' && typeof r.detail === 'string' && r.detail.includes('A-B'));
function delivery(from, to, which) {
  let sent = 0;
  let got = 0;
  for (const p of pings) {
    if (p.t < from || p.t >= to) continue;
    const part = p.detail.split(which === 'AB' ? 'A-B' : 'D-E')[1] ?? '';
    const m = /(\d+) packets transmitted, (\d+) received/.exec(part);
    if (m) {
      sent += Number(m[1]);
      got += Number(m[2]);
    }
  }
  return sent ? `${got}/${sent} (${((100 * got) / sent).toFixed(1)} %)` : '-';
}
const windows = [
  ['before the flapping', start - 60_000, start],
  ['flapping, before the first raise', start, split ?? end],
  ...(split ? [['flapping, from the first raise to the end', split, end]] : []),
  ['the whole flapping', start, end],
  ['after the flapping', end, Math.max(...recs.map((r) => r.t))],
];
console.log('| window | A<->B (auto) changes/min, ping | D<->E (advise) changes/min, ping |');
console.log('|---|---:|---:|');
for (const [name, from, to] of windows) {
  console.log(`| ${name} (${s(to - from)}) | ${perMin(pair('A', 'B'), from, to)}, ${delivery(from, to, 'AB')} | ${perMin(pair('D', 'E'), from, to)}, ${delivery(from, to, 'DE')} |`);
}
// Hop penalties read back by batctl in the scenario's exec steps.
for (const r of recs.filter((x) => x.type === 'fault' && x.fault.do === 'exec' && /hop_penalty/.test(x.fault.argv?.join(' ') ?? ''))) {
  console.log(`batctl at ${s(r.t - start)} on ${r.fault.node}: ${String(r.detail).replace(/\s+/g, ' ').slice(0, 60)}`);
}
