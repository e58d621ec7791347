// Messages between the host (tests/lab/lab.ts) and the guest helper (tests/lab/guest.ts)
// over the virtio-serial control port: one JSON object per line.
//   host -> guest: {"id": N, "op": "...", ...args}
//   guest -> host: {"id": N, "ok": true, "result": ...} | {"id": N, "ok": false, "error": "..."}
//                  {"ev": {...}}   (unsolicited timeline events, stamped with the guest clock)
// Every time `t` is the guest's CLOCK_MONOTONIC in milliseconds.

/** Per-direction link impairment, applied with netem on the wire side of a link. */
export interface Impair {
  loss?: number; // percent, 0..100
  delay?: number; // ms
  jitter?: number; // ms
  rate?: string; // tc rate, e.g. "1mbit"
}

export interface PlanNode {
  idx: number;
  id: string; // id in the topology file
  name: string; // display name (unique in the lab)
  ns: string; // network namespace in the guest
  mac: string; // MAC of the node's primary0 dummy = batman-adv originator address
  gateway: boolean;
}

export interface PlanLink {
  idx: number;
  a: number; // node idx
  b: number;
  ifA: string; // interface name in a's namespace
  ifB: string;
  macA: string;
  macB: string;
  ab: Impair; // impairment of packets a -> b
  ba: Impair;
  type?: string;
}

export interface AgentSpec {
  /** argv template; {state} {config} {node} {ns} are replaced per node. */
  argv: string[];
  /** Extra fields merged into each node's config file. */
  config: Record<string, unknown>;
  env: Record<string, string>;
}

export interface Plan {
  nodes: PlanNode[];
  links: PlanLink[];
  algo: "BATMAN_IV" | "BATMAN_V";
  origIntervalMs?: number;
  hopPenalty?: number;
  sampleMs: number;
  fullSamples: boolean;
  probe: string; // path of the sampler binary (host path, visible in the guest)
  agent: AgentSpec | null;
}

export const WIRE_NS = "wire";

/** MAC of node idx's primary0 (its batman-adv originator address). */
export function nodeMac(idx: number): string {
  return `02:00:00:00:${hex(idx >> 8)}:${hex(idx & 255)}`;
}
/** MAC of node idx's end of link l; side 1 = a, 2 = b. */
export function linkMac(l: number, side: 1 | 2, node: number): string {
  return `02:0${side}:${hex(l >> 8)}:${hex(l & 255)}:${hex(node >> 8)}:${hex(node & 255)}`;
}
/** Decodes a lab MAC: {node, link?} or null for a foreign MAC. */
export function decodeMac(mac: string): { node: number; link: number | null } | null {
  const p = mac.split(":").map((x) => Number.parseInt(x, 16));
  if (p.length !== 6 || p[0] !== 2) return null;
  const node = ((p[4] ?? 0) << 8) | (p[5] ?? 0);
  if (p[1] === 0 && p[2] === 0 && p[3] === 0) return { node, link: null };
  if (p[1] === 1 || p[1] === 2) return { node, link: ((p[2] ?? 0) << 8) | (p[3] ?? 0) };
  return null;
}
function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** Fault and control operations understood by the guest's "fault" op. */
export type Fault =
  | { do: "link_down" | "link_up" | "link_lost" | "link_restore"; link: number }
  | { do: "set_link"; link: number; dir?: "both" | "ab" | "ba"; impair: Impair }
  /** Without impair: carrier down/up cycles; with it: the impairment on, then off again. */
  | { do: "flap"; link: number; period: number; duty: number; count: number; impair?: Impair }
  | { do: "deaf"; node: number; link: number; stuck?: boolean }
  | { do: "node_crash" | "node_restore"; node: number }
  | { do: "agent_kill"; node: number; signal?: string }
  | { do: "agent_restart" | "agent_start" | "agent_stop"; node: number }
  | { do: "uplink_loss" | "uplink_restore"; node: number }
  | { do: "exec"; node: number; argv: string[] }
  | { do: "mark"; label: string };

/** Timeline events produced by the guest (the host adds scenario/lab records). */
export type GuestEvent =
  | { type: "hello"; t: number; kernel: string; batadv: string; uptime: number }
  | { type: "route"; t: number; node: number; orig: number; via: number | null; link: number | null; prev: number | null; prevLink: number | null; metric: number | null }
  | { type: "neigh"; t: number; node: number; peer: number; link: number | null; up: boolean }
  | { type: "gw"; t: number; node: number; gw: number; up: boolean; best: boolean }
  | { type: "sample"; t: number; tick: number; origs: number[]; errors: number }
  | { type: "batadv"; t: number; node: number; o: [string, string, string, number | null][]; n: [string, string][]; g: [string, number][] }
  | { type: "fault"; t: number; tEnd: number; fault: Fault; detail?: string }
  | { type: "agent"; t: number; node: number; stream: "stdout" | "stderr"; line: string; json?: Record<string, unknown> }
  | { type: "agent_start"; t: number; node: number; pid: number }
  | { type: "agent_exit"; t: number; node: number; code: number | null; signal: string | null }
  | { type: "log"; t: number; msg: string };
