/// <reference types="node" />
// Scenario files: a topology choice plus timed events (faults, recoveries, waits).
// See docs/lab.md for the format. Node references are topology ids or names; a link
// is a pair of node references, or "auto" (at that moment, the link that carries the
// most routes and whose loss leaves the mesh connected).
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Impair } from "./protocol.js";
import { LabError } from "./util.js";

export type LinkRef = [string, string] | "auto";

export interface ScenarioEvent {
  at?: number; // s after the scenario starts (the mesh converged)
  after?: number; // s after the previous event
  do: string;
  link?: LinkRef;
  node?: string;
  peer?: string; // deaf: the interface of `node` that faces `peer`
  impair?: Impair; // set_link; flap with loss/delay/jitter/rate toggles them instead of the carrier
  dir?: "both" | "ab" | "ba";
  period?: number; // flap, s
  duty?: number; // flap: share of the period the link is up
  count?: number; // flap cycles
  signal?: string; // agent_kill
  label?: string; // mark
  cmd?: string[]; // exec: argv run in the node's namespace (a string runs with sh -c)
  until?: "converged" | "rerouted" | "reused" | "stable"; // wait
  timeout?: number; // wait, s
  quiet?: number; // wait until stable: s without route changes
  stuck?: boolean; // deaf: a restart of the interface does not cure it
}

export interface Scenario {
  name: string;
  file?: string;
  topology?: string;
  nodes?: number;
  start?: string;
  region?: string[]; // exactly these nodes (ids or names) instead of nodes/start
  algo?: "BATMAN_IV" | "BATMAN_V";
  origIntervalMs?: number;
  gateways?: string[];
  convergeTimeout?: number; // s
  tail?: number; // s to keep observing after the last event
  events: ScenarioEvent[];
}

const FAULTS = new Set([
  "link_down", "link_up", "link_lost", "link_restore", "set_link", "flap", "deaf",
  "node_crash", "node_restore", "agent_kill", "agent_restart", "agent_start", "agent_stop",
  "uplink_loss", "uplink_restore", "exec", "mark", "wait",
]);
const NEEDS_LINK = new Set(["link_down", "link_up", "link_lost", "link_restore", "set_link", "flap"]);
const NEEDS_NODE = new Set(["exec", "deaf", "node_crash", "node_restore", "agent_kill", "agent_restart", "agent_start", "agent_stop", "uplink_loss", "uplink_restore"]);

export function parseScenario(text: string, file?: string): Scenario {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabError(`${file ?? "scenario"}: not JSON: ${(e as Error).message}`);
  }
  const where = file ?? "scenario";
  if (!raw || typeof raw !== "object" || !Array.isArray(raw.events)) throw new LabError(`${where}: needs an "events" array`);
  const events: ScenarioEvent[] = [];
  (raw.events as Record<string, unknown>[]).forEach((e, i) => {
    const w = `${where}: events[${i}]`;
    if (typeof e.do !== "string" || !FAULTS.has(e.do)) throw new LabError(`${w}: unknown "do" ${JSON.stringify(e.do)} (one of ${[...FAULTS].join(", ")})`);
    if (e.at !== undefined && typeof e.at !== "number") throw new LabError(`${w}: "at" must be seconds`);
    if (e.after !== undefined && typeof e.after !== "number") throw new LabError(`${w}: "after" must be seconds`);
    if (NEEDS_LINK.has(e.do)) {
      const l = e.link;
      if (!(l === "auto" || (Array.isArray(l) && l.length === 2 && l.every((x) => typeof x === "string" || typeof x === "number")))) throw new LabError(`${w}: "link" must be ["nodeA","nodeB"] or "auto"`);
      if (Array.isArray(l)) e.link = [String(l[0]), String(l[1])];
    }
    if (NEEDS_NODE.has(e.do)) {
      if (typeof e.node !== "string" && typeof e.node !== "number") throw new LabError(`${w}: "${e.do}" needs "node"`);
      e.node = String(e.node);
    }
    if (e.do === "deaf" && typeof e.peer !== "string" && typeof e.peer !== "number") throw new LabError(`${w}: deaf needs "peer" (the neighbour the deaf interface faces)`);
    if (e.peer !== undefined) e.peer = String(e.peer);
    if (e.do === "set_link" || e.do === "flap") {
      const imp: Impair = {};
      for (const k of ["loss", "delay", "jitter"] as const) if (typeof e[k] === "number") imp[k] = e[k] as number;
      if (typeof e.rate === "string") imp.rate = e.rate;
      // flap: with an impairment it toggles that impairment instead of the carrier
      if (e.do === "set_link" || Object.keys(imp).length) e.impair = imp;
    }
    if (e.do === "exec") {
      if (typeof e.cmd === "string") e.cmd = ["sh", "-c", e.cmd];
      if (!Array.isArray(e.cmd) || e.cmd.length === 0 || !e.cmd.every((x) => typeof x === "string")) throw new LabError(`${w}: exec needs "cmd" (a string or an argv array)`);
    }
    if (e.do === "flap") {
      if (typeof e.period !== "number" || e.period <= 0) throw new LabError(`${w}: flap needs "period" (s)`);
      e.duty = typeof e.duty === "number" ? e.duty : 0.5;
      e.count = typeof e.count === "number" ? e.count : 3;
    }
    if (e.do === "wait" && !["converged", "rerouted", "reused", "stable"].includes(String(e.until))) throw new LabError(`${w}: wait needs "until": converged | rerouted | reused | stable`);
    events.push(e as unknown as ScenarioEvent);
  });
  const base = file ? dirname(file) : process.cwd();
  const s: Scenario = { name: typeof raw.name === "string" ? raw.name : (file ?? "scenario"), events };
  if (file) s.file = file;
  if (typeof raw.topology === "string") s.topology = isAbsolute(raw.topology) ? raw.topology : resolve(base, raw.topology);
  if (typeof raw.nodes === "number") s.nodes = raw.nodes;
  if (raw.start !== undefined) s.start = String(raw.start);
  if (raw.region !== undefined) {
    if (!Array.isArray(raw.region) || raw.region.length === 0) throw new LabError(`${where}: "region" must be a non-empty list of node ids or names`);
    if (raw.nodes !== undefined || raw.start !== undefined) throw new LabError(`${where}: "region" names the nodes; leave out "nodes" and "start"`);
    s.region = raw.region.map(String);
  }
  if (raw.algo === "BATMAN_IV" || raw.algo === "BATMAN_V") s.algo = raw.algo;
  if (typeof raw.orig_interval_ms === "number") s.origIntervalMs = raw.orig_interval_ms;
  if (Array.isArray(raw.gateways)) s.gateways = raw.gateways.map(String);
  if (typeof raw.converge_timeout === "number") s.convergeTimeout = raw.converge_timeout;
  if (typeof raw.tail === "number") s.tail = raw.tail;
  return s;
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new LabError(`cannot read scenario ${file}: ${(e as Error).message}`);
  }
  return parseScenario(text, resolve(file));
}
