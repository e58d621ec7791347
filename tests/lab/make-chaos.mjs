#!/usr/bin/env node
// Writes a chaos scenario for the square topology: random faults, one after another,
// for --minutes, from a seeded generator (the same seed gives the same scenario), then
// every agent's audit records read back through the CLI (`x0tta6bl4 actions`).
//   node tests/lab/make-chaos.mjs --seed 1 --minutes 10 > tests/lab/scenarios/chaos-10min.json
import { parseArgs } from "node:util";

const { values: v } = parseArgs({ options: { seed: { type: "string", default: "1" }, minutes: { type: "string", default: "10" } } });
let state = Number(v.seed) >>> 0 || 1;
/** mulberry32: a small deterministic generator, enough for picking faults. */
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const between = (lo, hi) => Math.round(lo + rand() * (hi - lo));

// square.json: A-B, B-D, A-C (10 % loss), C-D (10 % loss); B and D are gateways here.
const nodes = ["A", "B", "C", "D"];
const links = [
  [["A", "B"], 0],
  [["B", "D"], 0],
  [["A", "C"], 10],
  [["C", "D"], 10],
];
const neighbours = { A: ["B", "C"], B: ["A", "D"], C: ["A", "D"], D: ["B", "C"] };
const gateways = ["B", "D"];

/** One fault and its recovery; returns the events and roughly how long they take (s). */
const FAULTS = {
  lost() {
    const [l] = pick(links);
    const d = between(5, 25);
    return [[{ after: 0, do: "link_lost", link: l }, { after: d, do: "link_restore", link: l }], d];
  },
  loss() {
    const [l, base] = pick(links);
    const d = between(10, 40);
    return [[{ after: 0, do: "set_link", link: l, loss: between(20, 60) }, { after: d, do: "set_link", link: l, loss: base }], d];
  },
  flap() {
    const [l] = pick(links);
    const period = between(4, 12);
    const count = between(3, 6);
    // the flap runs in the background; wait it out before the next fault
    return [[{ after: 0, do: "flap", link: l, period, duty: 0.5, count, loss: 40 }, { after: period * count, do: "mark", label: "flap over" }], period * count];
  },
  down() {
    const [l] = pick(links);
    const d = between(5, 20);
    return [[{ after: 0, do: "link_down", link: l }, { after: d, do: "link_up", link: l }], d];
  },
  kill() {
    const n = pick(nodes);
    const d = between(1, 5);
    return [[{ after: 0, do: "agent_kill", node: n, signal: "SIGKILL" }, { after: d, do: "agent_start", node: n }], d];
  },
  uplink() {
    const g = pick(gateways);
    const d = between(15, 40);
    return [[{ after: 0, do: "uplink_loss", node: g }, { after: d, do: "uplink_restore", node: g }], d];
  },
  crash() {
    const n = pick(nodes);
    const d = between(10, 30);
    return [[{ after: 0, do: "node_crash", node: n }, { after: d, do: "node_restore", node: n }], d];
  },
  isolate() {
    const n = pick(nodes);
    const d = between(10, 30);
    const ls = neighbours[n].map((p) => [n, p]);
    return [[...ls.map((l) => ({ after: 0, do: "link_down", link: l })), { after: d, do: "mark", label: `${n} isolated for ${d} s` }, ...ls.map((l) => ({ after: 0, do: "link_up", link: l }))], d];
  },
  deaf() {
    const n = pick(nodes);
    // cleared when the node restarts that interface (the agent's remedy); 30 s to do it
    return [[{ after: 0, do: "deaf", node: n, peer: pick(neighbours[n]) }, { after: 30, do: "mark", label: "deaf for 30 s" }], 30];
  },
};
// Agent kills are what the store must survive: they come twice as often.
const menu = ["lost", "loss", "flap", "down", "kill", "kill", "uplink", "crash", "isolate", "deaf"];

const events = [
  { at: 0, do: "wait", until: "stable", quiet: 3, timeout: 30 },
  { after: 20, do: "mark", label: "chaos begins" },
];
let t = 0;
const limit = Number(v.minutes) * 60;
while (t < limit) {
  const [evs, d] = FAULTS[pick(menu)]();
  // Often an agent is also killed while the fault is on: in the middle of detecting or healing it.
  if (rand() < 0.4 && d >= 8) {
    const n = pick(nodes);
    const k = between(2, Math.min(6, d - 4));
    const [first, ...rest] = evs;
    evs.splice(0, evs.length, first, { after: k, do: "agent_kill", node: n, signal: "SIGKILL" }, { after: between(1, 3), do: "agent_start", node: n }, ...rest);
  }
  const gap = between(3, 15);
  events.push(...evs, { after: gap, do: "mark", label: `t+${t + d + gap} s` });
  t += d + gap;
}
events.push({ after: 0, do: "mark", label: "chaos over" });
// Whatever is left (a deaf interface nobody restarted) is cleared; then the agents settle.
for (const [l, base] of links) events.push({ after: 0, do: "set_link", link: l, loss: base });
events.push({ after: 30, do: "mark", label: "settled" });
// Every agent's audit records: id, result, restoring (r) or change (c), time, kind.
const list =
  "{agent} actions --json --limit 1000 | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).map(a=>[a.id,a.result,a.restoring?\"r\":\"c\",a.at_ms,a.action].join(\",\")).join(\" \")))'";
for (const n of nodes) events.push({ after: 0, do: "exec", node: n, cmd: list });

process.stdout.write(
  `${JSON.stringify(
    {
      name: `chaos: random faults for ${v.minutes} minutes (seed ${v.seed}): links lost, lossy, flapping, down; agents killed with SIGKILL; uplinks lost; nodes crashed, isolated; deaf interfaces`,
      topology: "../topologies/square.json",
      gateways: ["B"],
      events,
      tail: 1,
    },
    null,
    1,
  )}\n`,
);
