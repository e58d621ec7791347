// The end-of-run summary, computed from the timeline alone: convergence time, route
// changes per originator, per fault the time until batman-adv rerouted every affected
// route (and, after a recovery, until it used the link again), and the agents' first
// detection and healing reports after each fault.
import type { Fault, Plan } from "./protocol.js";
import type { Rec, Route } from "./timeline.js";

export interface FaultSummary {
  t: number; // ms since setup
  fault: Fault;
  what: string;
  detail?: string;
  affected?: number; // (node, originator) routes that used a failed link
  partitioned?: number; // of those, routes with no alternative path
  rerouted?: number;
  firstRerouteMs?: number | null;
  rerouteMs?: number | null; // until the last affected route moved (null: not all did)
  reuseMs?: number | null; // recovery: until a route used the restored link again
  agentDetectMs?: number | null;
  agentHealMs?: number | null;
}

export interface Summary {
  nodes: number;
  links: number;
  algo: string;
  bootMs?: number;
  setupMs: number | null;
  convergenceMs: number | null;
  samples: number;
  maxSampleGapMs: number | null;
  routeChanges: number; // after convergence
  routeChangesByOrig: Record<string, number>;
  faults: FaultSummary[];
  agents: string;
  agentLines: number;
  agentEvents: number;
}

const BREAKS = new Set(["link_down", "link_lost", "deaf", "node_crash"]);
const RECOVERS = new Set(["link_up", "link_restore", "node_restore"]);
const DETECT = /detect|anomal|suspect|fault|degrad/i;
const HEAL = /heal|repair|recover|remediat|fixed|restor/i;

// x0tta6bl4's own log lines: "... notice incident <id> opened: <kind> <target>: ..." and
// "... notice action <id> done: <action> <target> for <kind> <incident>: ...".
const AGENT_OPENED = /\bincident \S+ opened: /;
const AGENT_DONE = /\baction \S+ done: /;

function agentKind(j: Record<string, unknown> | undefined, line?: string): "detect" | "heal" | null {
  if (line !== undefined) {
    if (AGENT_DONE.test(line)) return "heal";
    if (AGENT_OPENED.test(line)) return "detect";
  }
  if (!j) return null;
  const s = ["event", "type", "kind", "msg", "action"].map((k) => (typeof j[k] === "string" ? j[k] : "")).join(" ");
  if (HEAL.test(s)) return "heal";
  if (DETECT.test(s)) return "detect";
  return null;
}

function faultLinks(plan: Plan, f: Fault): number[] {
  if ("link" in f && typeof f.link === "number") return [f.link];
  if (f.do === "node_crash" || f.do === "node_restore") return plan.links.filter((l) => l.a === f.node || l.b === f.node).map((l) => l.idx);
  return [];
}

/** Nodes reachable from `from` over links not in `failed`, avoiding crashed nodes. */
export function reachable(plan: Plan, from: number, failed: Set<number>, crashed: Set<number>): Set<number> {
  const adj = new Map<number, number[]>();
  for (const l of plan.links) {
    if (failed.has(l.idx) || crashed.has(l.a) || crashed.has(l.b)) continue;
    adj.set(l.a, [...(adj.get(l.a) ?? []), l.b]);
    adj.set(l.b, [...(adj.get(l.b) ?? []), l.a]);
  }
  const seen = new Set([from]);
  const q = [from];
  while (q.length) {
    const x = q.shift() as number;
    for (const y of adj.get(x) ?? []) {
      if (!seen.has(y)) {
        seen.add(y);
        q.push(y);
      }
    }
  }
  return seen;
}

export function summarize(plan: Plan, recs: Rec[], extra: { bootMs?: number; agents: string }): Summary {
  const name = (i: number) => plan.nodes[i]?.name ?? `#${i}`;
  const up = recs.find((r) => r.type === "lab" && r.what === "up");
  const conv = recs.find((r) => r.type === "converged");
  const convT = conv?.t ?? null;
  const samples = recs.filter((r) => r.type === "sample");
  let maxGap: number | null = null;
  for (let i = 1; i < samples.length; i++) {
    const g = (samples[i] as Rec).t - (samples[i - 1] as Rec).t;
    if (maxGap === null || g > maxGap) maxGap = g;
  }
  const byOrig: Record<string, number> = {};
  let changes = 0;
  for (const r of recs) {
    if (r.type === "route" && convT !== null && r.t > convT) {
      changes++;
      byOrig[name(r.orig)] = (byOrig[name(r.orig)] ?? 0) + 1;
    }
  }
  // Replay the route table and evaluate each fault.
  const routes = new Map<number, Map<number, Route>>(plan.nodes.map((n) => [n.idx, new Map()]));
  const failed = new Map<number, number>(); // link -> number of active failures
  const crashed = new Set<number>();
  const faults: FaultSummary[] = [];
  type Open = { fs: FaultSummary; pairs: Map<string, { node: number; orig: number }>; links: Set<number>; t: number; done: Map<string, number> };
  const open: Open[] = [];
  const reuse: { fs: FaultSummary; links: Set<number>; t: number }[] = [];
  const agentOpen: FaultSummary[] = [];
  let agentLines = 0;
  let agentEvents = 0;
  for (const r of recs) {
    if (r.type === "route") {
      const m = routes.get(r.node) as Map<number, Route>;
      if (r.via === null) m.delete(r.orig);
      else m.set(r.orig, { via: r.via, link: r.link });
      const key = `${r.node}>${r.orig}`;
      for (const o of open) {
        if (o.pairs.has(key) && !o.done.has(key) && r.via !== null && r.link !== null && !o.links.has(r.link)) o.done.set(key, r.t - o.t);
      }
      for (const u of reuse) {
        if (u.fs.reuseMs === null && r.link !== null && u.links.has(r.link)) u.fs.reuseMs = round(r.t - u.t);
      }
    } else if (r.type === "agent") {
      agentLines++;
      const k = agentKind(r.json, r.line);
      if (k) agentEvents++;
      for (const fs of agentOpen) {
        if (k === "detect" && fs.agentDetectMs === null) fs.agentDetectMs = round(r.t - fs.t);
        if (k === "heal" && fs.agentHealMs === null) fs.agentHealMs = round(r.t - fs.t);
      }
    } else if (r.type === "fault") {
      const f = r.fault;
      const fs: FaultSummary = { t: r.t, fault: f, what: f.do, ...(r.detail ? { detail: r.detail } : {}) };
      if (r.detail?.startsWith("restarted")) {
        // a stuck deaf interface was restarted and is still deaf: nothing changes
        fs.what = "deaf_restarted";
        faults.push(fs);
        continue;
      }
      if (r.detail?.startsWith("cleared")) {
        // deaf cleared by an interface restart: the link works again
        for (const l of faultLinks(plan, f)) failed.set(l, Math.max(0, (failed.get(l) ?? 1) - 1));
        fs.what = "deaf_cleared";
        faults.push(fs);
        continue;
      }
      const ls = faultLinks(plan, f);
      if (BREAKS.has(f.do)) {
        for (const l of ls) failed.set(l, (failed.get(l) ?? 0) + 1);
        if (f.do === "node_crash") crashed.add(f.node);
        const failedNow = new Set([...failed].filter(([, c]) => c > 0).map(([l]) => l));
        const lset = new Set(ls);
        const pairs = new Map<string, { node: number; orig: number }>();
        let partitioned = 0;
        for (const [node, m] of routes) {
          if (crashed.has(node)) continue;
          const reach = reachable(plan, node, failedNow, crashed);
          for (const [orig, rt] of m) {
            if (crashed.has(orig) || rt.link === null || !lset.has(rt.link)) continue;
            if (!reach.has(orig)) partitioned++;
            else pairs.set(`${node}>${orig}`, { node, orig });
          }
        }
        fs.affected = pairs.size + partitioned;
        fs.partitioned = partitioned;
        fs.agentDetectMs = null;
        fs.agentHealMs = null;
        open.push({ fs, pairs, links: lset, t: r.t, done: new Map() });
        agentOpen.push(fs);
      } else if (RECOVERS.has(f.do)) {
        for (const l of ls) failed.set(l, Math.max(0, (failed.get(l) ?? 1) - 1));
        if (f.do === "node_restore") crashed.delete(f.node);
        fs.reuseMs = null;
        reuse.push({ fs, links: new Set(ls), t: r.t });
      } else if (["agent_kill", "uplink_loss", "set_link", "agent_stop"].includes(f.do)) {
        fs.agentDetectMs = null;
        fs.agentHealMs = null;
        agentOpen.push(fs);
      }
      faults.push(fs);
    }
  }
  for (const o of open) {
    const times = [...o.done.values()].sort((a, b) => a - b);
    o.fs.rerouted = times.length;
    o.fs.firstRerouteMs = times.length ? round(times[0] as number) : null;
    o.fs.rerouteMs = times.length === o.pairs.size && times.length > 0 ? round(times.at(-1) as number) : o.pairs.size === 0 ? 0 : null;
  }
  return {
    nodes: plan.nodes.length,
    links: plan.links.length,
    algo: plan.algo,
    ...(extra.bootMs !== undefined ? { bootMs: extra.bootMs } : {}),
    setupMs: up ? round(up.t) : null,
    convergenceMs: conv && conv.type === "converged" ? conv.ms : null,
    samples: samples.length,
    maxSampleGapMs: maxGap === null ? null : round(maxGap),
    routeChanges: changes,
    routeChangesByOrig: byOrig,
    faults,
    agents: extra.agents,
    agentLines,
    agentEvents,
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

const sec = (ms: number | null | undefined): string => (ms === null || ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);

export function formatSummary(s: Summary, plan: Plan, linkName: (l: number) => string): string {
  const name = (i: number) => plan.nodes[i]?.name ?? `#${i}`;
  const lines: string[] = [];
  lines.push(`mesh: ${s.nodes} nodes, ${s.links} links, ${s.algo}`);
  if (s.bootMs !== undefined) lines.push(`VM boot: ${sec(s.bootMs)}`);
  lines.push(`mesh setup: ${sec(s.setupMs)}; converged ${s.convergenceMs === null ? "NOT within the time limit" : `after ${sec(s.convergenceMs)} (every node has every other as originator)`}`);
  lines.push(`batman-adv samples: ${s.samples} (largest gap ${sec(s.maxSampleGapMs)})`);
  const top = Object.entries(s.routeChangesByOrig).sort((a, b) => b[1] - a[1]);
  lines.push(`route changes after convergence: ${s.routeChanges}${top.length ? ` (per originator: ${top.slice(0, 12).map(([o, c]) => `${o} ${c}`).join(", ")}${top.length > 12 ? ", ..." : ""})` : ""}`);
  if (s.faults.length) lines.push("faults:");
  for (const f of s.faults) {
    const ff = f.fault;
    const target = "link" in ff && typeof ff.link === "number" ? linkName(ff.link) : "node" in ff ? name(ff.node) : "label" in ff ? ff.label : "";
    let line = `  ${sec(f.t).padStart(8)}  ${f.what} ${target}${f.detail ? ` (${f.detail})` : ""}`;
    if (f.affected !== undefined) {
      line += `: ${f.affected} routes affected`;
      if (f.partitioned) line += ` (${f.partitioned} without alternative path)`;
      const movable = f.affected - (f.partitioned ?? 0);
      if (movable > 0) line += f.rerouteMs === null ? `, batman-adv rerouted ${f.rerouted}/${movable} (first after ${sec(f.firstRerouteMs)})` : `, batman-adv rerouted all after ${sec(f.rerouteMs)} (first ${sec(f.firstRerouteMs)})`;
    }
    if (f.reuseMs !== undefined) line += f.reuseMs === null ? ": link not used again" : `: link used again after ${sec(f.reuseMs)}`;
    if (f.agentDetectMs !== undefined) line += `; agents: detected ${sec(f.agentDetectMs)}, healed ${sec(f.agentHealMs)}`;
    lines.push(line);
  }
  lines.push(`agents: ${s.agents}; ${s.agentLines} output lines, ${s.agentEvents} detection/healing events`);
  return lines.join("\n");
}
