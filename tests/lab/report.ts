/// <reference types="node" />
// The healing report: what the agents did during a run and what it changed, from a
// timeline file (node and link names, as written by the lab). Windows are the
// scenario's `exec` events that ran a measurement (a ping), so each measurement
// comes with the batman-adv route changes made while it ran. Used by
// `npm run lab -- --report TIMELINE` and by the lab tests.
import { readFileSync } from "node:fs";

export interface TRec {
  type: string;
  t: number;
  [k: string]: unknown;
}

export interface AgentLine {
  t: number;
  node: string;
  line: string;
}

export interface AgentAction extends AgentLine {
  id: string;
  result: string; // done, advised, refused, failed, rolled-back
  kind: string; // set-hop-penalty, set-gateway-mode, restart-interface, run-hook, alert
  target: string;
}

export interface AgentIncident extends AgentLine {
  id: string;
  event: "opened" | "resolved";
  kind: string;
  target: string;
}

export interface Window {
  label: string;
  node: string;
  t: number;
  tEnd: number;
  transmitted: number | null;
  received: number | null;
  /** Route changes in [t, tEnd] of routes that used, or moved to or from, a watched link. */
  routeChanges: number;
  routeChangesPerMin: number;
}

export function readTimeline(file: string): TRec[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as TRec);
}

function agentLines(recs: TRec[]): AgentLine[] {
  return recs.filter((r) => r.type === "agent" && typeof r.line === "string").map((r) => ({ t: r.t, node: String(r.node), line: r.line as string }));
}

// "... notice action <id> <result>: <kind> <target>[ for ...]: <detail>"
const ACTION = /\baction (\S+) (done|advised|refused|failed|rolled-back): (\S+) (\S+)/;
// "... incident <id> opened: <kind> <target>: ..." / "incident <id> resolved (<why>): <kind> <target>"
const INCIDENT = /\bincident (\S+) (opened|resolved)(?: \([^)]*\))?: (\S+) (\S+?):?(?:\s|$)/;

export function agentActions(recs: TRec[]): AgentAction[] {
  const out: AgentAction[] = [];
  for (const a of agentLines(recs)) {
    const m = ACTION.exec(a.line);
    if (m) out.push({ ...a, id: m[1] as string, result: m[2] as string, kind: m[3] as string, target: m[4] as string });
  }
  return out;
}

export function agentIncidents(recs: TRec[]): AgentIncident[] {
  const out: AgentIncident[] = [];
  for (const a of agentLines(recs)) {
    const m = INCIDENT.exec(a.line);
    if (m) out.push({ ...a, id: m[1] as string, event: m[2] as "opened" | "resolved", kind: m[3] as string, target: m[4] as string });
  }
  return out;
}

/** Links touched by link faults (set_link, flap, link_down, ...): their names. */
export function faultedLinks(recs: TRec[]): Set<string> {
  const out = new Set<string>();
  for (const r of recs) {
    const f = r.fault as { link?: unknown } | undefined;
    if (r.type === "fault" && f && typeof f.link === "string") out.add(f.link);
  }
  return out;
}

export function routeChanges(recs: TRec[], from: number, to: number, links: Set<string>): TRec[] {
  return recs.filter((r) => r.type === "route" && r.t >= from && r.t <= to && (links.has(String(r.link)) || links.has(String(r.prevLink))));
}

const PING = /(\d+) packets transmitted, (\d+) (?:packets )?received/g;
// A line "X-Y" before a ping's summary names the pair it measured (two pings at once).
const PAIR = /^([\w.-]+)-([\w.-]+)$/;

/**
 * Every `exec` that ran a ping, as measurement windows: one per ping summary in its
 * output. A summary after a line "X-Y" is the pair X, Y, and counts the route changes
 * on link X~Y only (two links measured at once); otherwise those on every watched link.
 */
export function pingWindows(recs: TRec[], links: Set<string> = faultedLinks(recs)): Window[] {
  const out: Window[] = [];
  let label = "";
  for (const r of recs) {
    if (r.type !== "fault") continue;
    const f = r.fault as { do: string; label?: string; node?: string; argv?: string[] };
    if (f.do === "mark") label = f.label ?? "";
    if (f.do !== "exec" || !(f.argv ?? []).join(" ").includes("ping")) continue;
    const tEnd = typeof r.tEnd === "number" ? r.tEnd : r.t;
    const detail = String(r.detail ?? "").replace(/^exit \d+: ?/, "");
    const found: { pair: string | null; tx: number; rx: number }[] = [];
    let pair: string | null = null;
    for (const line of detail.split("\n")) {
      const p = PAIR.exec(line.trim());
      if (p) pair = `${p[1]}~${p[2]}`;
      for (const m of line.matchAll(PING)) found.push({ pair, tx: Number(m[1]), rx: Number(m[2]) });
    }
    if (found.length === 0) found.push({ pair: null, tx: Number.NaN, rx: Number.NaN });
    for (const x of found) {
      const on = x.pair !== null ? new Set([x.pair]) : links;
      const n = routeChanges(recs, r.t, tEnd, on).length;
      out.push({
        label,
        node: x.pair ?? String(f.node),
        t: r.t,
        tEnd,
        transmitted: Number.isNaN(x.tx) ? null : x.tx,
        received: Number.isNaN(x.rx) ? null : x.rx,
        routeChanges: n,
        routeChangesPerMin: tEnd > r.t ? Math.round((n * 60_000 * 10) / (tEnd - r.t)) / 10 : 0,
      });
    }
  }
  return out;
}

/** Totals over the windows whose mark label matches. */
export function phase(windows: Window[], label: RegExp, node?: string): { windows: number; seconds: number; transmitted: number; received: number; delivery: number | null; routeChangesPerMin: number | null } {
  const ws = windows.filter((w) => label.test(w.label) && (node === undefined || w.node === node));
  const ms = ws.reduce((s, w) => s + (w.tEnd - w.t), 0);
  const tx = ws.reduce((s, w) => s + (w.transmitted ?? 0), 0);
  const rx = ws.reduce((s, w) => s + (w.received ?? 0), 0);
  const rc = ws.reduce((s, w) => s + w.routeChanges, 0);
  return {
    windows: ws.length,
    seconds: Math.round(ms / 100) / 10,
    transmitted: tx,
    received: rx,
    delivery: tx > 0 ? Math.round((rx / tx) * 1000) / 10 : null,
    routeChangesPerMin: ms > 0 ? Math.round((rc * 60_000 * 10) / ms) / 10 : null,
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatReport(recs: TRec[]): string {
  const lines: string[] = [];
  const links = faultedLinks(recs);
  lines.push(`watched links (faulted): ${[...links].join(", ") || "none"}`);
  const inc = agentIncidents(recs);
  lines.push(`incidents: ${inc.filter((i) => i.event === "opened").length} opened, ${inc.filter((i) => i.event === "resolved").length} resolved`);
  for (const i of inc) lines.push(`  ${s(i.t).padStart(8)}  ${i.node}  ${i.event} ${i.kind} ${i.target}`);
  const acts = agentActions(recs);
  lines.push(`actions: ${acts.length} audit lines (${["done", "advised", "refused", "failed", "rolled-back"].map((r) => `${acts.filter((a) => a.result === r).length} ${r}`).join(", ")})`);
  for (const a of acts) lines.push(`  ${s(a.t).padStart(8)}  ${a.node}  ${a.result} ${a.kind} ${a.target}  ${a.line.replace(/^.*?: \S+ \S+/, "").slice(0, 160)}`);
  const ws = pingWindows(recs, links);
  if (ws.length) lines.push("measurements (ping; route changes of routes on the watched links while it ran):");
  const groups = [...new Set(ws.map((w) => `${w.label}\u0000${w.node}`))];
  if (groups.length > 1) {
    lines.push("per phase (mark) and measured pair:");
    for (const g of groups) {
      const [label, node] = g.split("\u0000") as [string, string];
      const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
      const p = phase(ws, exact, node);
      lines.push(`  [${label}] ${node}: ${p.windows} windows, ${p.seconds} s: ${p.received}/${p.transmitted} delivered (${p.delivery ?? "-"} %), ${p.routeChangesPerMin ?? "-"} route changes/min`);
    }
  }
  for (const w of ws) {
    const d = w.transmitted ? `${w.received}/${w.transmitted} (${((100 * (w.received ?? 0)) / w.transmitted).toFixed(0)} %)` : "no ping summary";
    lines.push(`  ${s(w.t).padStart(8)}-${s(w.tEnd).padStart(8)}  [${w.label}] ${w.node}: ${d}; ${w.routeChanges} route changes (${w.routeChangesPerMin}/min)`);
  }
  const checks = storeChecks(recs);
  if (checks.some((c) => c.stored !== null)) lines.push(formatStoreChecks(checks));
  return lines.join("\n");
}

export interface StoreCheck {
  node: string;
  /** Audit lines the agent logged over all its lives (every result). */
  logged: number;
  /** Records read back from its store at the end (`x0tta6bl4 actions`), or null if none were read. */
  stored: number | null;
  /** Logged audit ids that are not in the store at the end. */
  missing: string[];
  /** The most changes (done, not an undo, not an alert) in any 10 minutes, by the store's times. */
  maxChangesIn10Min: number;
  kills: number;
  starts: number;
  /** "recovered after a crash" warnings, and "running without a knowledge store" errors. */
  recovered: number;
  storeLost: number;
}

// What make-chaos.mjs reads back: "id,result,r|c,at_ms,kind" records separated by spaces.
const RECORD = /^(act-[\w-]+),([\w-]+),([rc]),(\d+),([\w-]+)$/;

/** Per node: did every action leave an audit record that survived the kills, and did the budget hold? */
export function storeChecks(recs: TRec[]): StoreCheck[] {
  const nodes = new Set<string>();
  for (const r of recs) if (r.type === "agent_start") nodes.add(String(r.node));
  const out: StoreCheck[] = [];
  const actions = agentActions(recs);
  for (const node of [...nodes].sort()) {
    const logged = actions.filter((a) => a.node === node);
    let stored: { id: string; result: string; restoring: boolean; at: number; kind: string }[] | null = null;
    for (const r of recs) {
      const f = r.fault as { do: string; node?: string; argv?: string[] } | undefined;
      if (r.type !== "fault" || f?.do !== "exec" || f.node !== node || !(f.argv ?? []).join(" ").includes(" actions ")) continue;
      const body = String(r.detail ?? "").replace(/^exit \d+: ?/, "");
      stored = body
        .split(/\s+/)
        .map((x) => RECORD.exec(x))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ id: m[1] as string, result: m[2] as string, restoring: m[3] === "r", at: Number(m[4]), kind: m[5] as string }));
    }
    const ids = new Set((stored ?? []).map((s) => s.id));
    const changes = (stored ?? []).filter((s) => s.result === "done" && !s.restoring && s.kind !== "alert").map((s) => s.at).sort((a, b) => a - b);
    let max = 0;
    for (let i = 0, j = 0; i < changes.length; i++) {
      while ((changes[i] as number) - (changes[j] as number) >= 600_000) j++;
      max = Math.max(max, i - j + 1);
    }
    const lines = recs.filter((r) => r.type === "agent" && r.node === node).map((r) => String(r.line));
    out.push({
      node,
      logged: logged.length,
      stored: stored ? stored.length : null,
      missing: stored ? logged.filter((a) => !ids.has(a.id)).map((a) => a.id) : [],
      maxChangesIn10Min: max,
      kills: recs.filter((r) => (r.type === "agent_exit" && r.node === node && r.signal === "SIGKILL") || false).length,
      starts: recs.filter((r) => r.type === "agent_start" && r.node === node).length,
      recovered: lines.filter((l) => l.includes("recovered after a crash")).length,
      storeLost: lines.filter((l) => l.includes("running without a knowledge store")).length,
    });
  }
  return out;
}

export function formatStoreChecks(checks: StoreCheck[]): string {
  const lines = ["audit records and the store (per node):"];
  for (const c of checks) {
    lines.push(
      `  ${c.node}: ${c.starts} start(s), ${c.kills} SIGKILL; ${c.logged} audit lines logged, ${c.stored ?? "?"} records in the store at the end, ${c.missing.length} missing${c.missing.length ? ` (${c.missing.join(", ")})` : ""}; at most ${c.maxChangesIn10Min} changes in any 10 minutes; store recovered ${c.recovered}x, lost ${c.storeLost}x`,
    );
  }
  return lines.join("\n");
}
