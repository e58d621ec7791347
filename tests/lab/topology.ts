/// <reference types="node" />
// Topologies in meshnet-lab's JSON format ({nodes:[{id,name}], links:[{source,target,...}]}),
// connected subgraphs of them (breadth-first from a chosen node) and the lab plan:
// one namespace per node, one veth pair per link end, netem impairments per direction.
//
// Link fields we read (all optional except source/target):
//   source_tq, target_tq  batman-adv TQ (0..1) recorded at each end (Freifunk maps)
//   loss (%), delay (ms), jitter (ms), rate (tc rate, e.g. "2mbit")  both directions
//   type                  kept for the record ("wifi", "vpn", "other")
// Node fields: id, name, gateway (true: gets an uplink namespace and gw_mode server).
//
// TQ -> loss: batman-adv IV computes a neighbour's TQ as the share of its own OGMs that
// the neighbour echoes back, divided by the share of the neighbour's OGMs it receives:
// (d_fwd * d_back) / d_back = d_fwd, the delivery ratio from this end to the other.
// So source_tq approximates the delivery ratio source -> target and we drop
// loss = (1 - tq) * 100 % (times --tq-scale) of packets in that direction.
import { readFileSync } from "node:fs";
import { type Impair, type PlanLink, type PlanNode, linkMac, nodeMac } from "./protocol.js";
import { LabError } from "./util.js";

export interface TopoNode {
  id: string;
  name: string;
  gateway: boolean;
}
export interface TopoLink {
  a: number;
  b: number;
  tqAB?: number; // TQ recorded at a (towards b)
  tqBA?: number;
  impair: Impair; // explicit impairment, both directions
  type?: string;
}
export interface Topology {
  source: string;
  nodes: TopoNode[];
  links: TopoLink[];
}

type RawLink = { source: unknown; target: unknown; source_tq?: unknown; target_tq?: unknown; loss?: unknown; delay?: unknown; jitter?: unknown; rate?: unknown; type?: unknown };
type RawNode = { id: unknown; name?: unknown; gateway?: unknown };

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

export function parseTopology(text: string, source = "<inline>"): Topology {
  let raw: { nodes?: RawNode[]; links?: RawLink[] };
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabError(`${source}: not JSON: ${(e as Error).message}`);
  }
  if (!raw || !Array.isArray(raw.links)) throw new LabError(`${source}: no "links" array`);
  const nodes: TopoNode[] = [];
  const index = new Map<string, number>();
  const addNode = (id: string, name?: string, gateway = false) => {
    if (index.has(id)) return index.get(id) as number;
    index.set(id, nodes.length);
    nodes.push({ id, name: name ?? id, gateway });
    return nodes.length - 1;
  };
  for (const n of raw.nodes ?? []) {
    if (n.id === undefined || n.id === null) throw new LabError(`${source}: node without id`);
    addNode(String(n.id), typeof n.name === "string" && n.name ? n.name : undefined, n.gateway === true);
  }
  const seen = new Set<string>();
  const links: TopoLink[] = [];
  for (const l of raw.links) {
    if (l.source === undefined || l.target === undefined) throw new LabError(`${source}: link without source/target`);
    const a = addNode(String(l.source));
    const b = addNode(String(l.target));
    if (a === b) continue;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (seen.has(key)) continue; // one link per pair of nodes
    seen.add(key);
    const impair: Impair = {};
    if (num(l.loss) !== undefined) impair.loss = num(l.loss);
    if (num(l.delay) !== undefined) impair.delay = num(l.delay);
    if (num(l.jitter) !== undefined) impair.jitter = num(l.jitter);
    if (typeof l.rate === "string") impair.rate = l.rate;
    links.push({ a, b, tqAB: num(l.source_tq), tqBA: num(l.target_tq), impair, ...(typeof l.type === "string" ? { type: l.type } : {}) });
  }
  // Names must be unique and usable as directory names.
  const used = new Set<string>();
  for (const n of nodes) {
    let base = n.name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 40) || n.id;
    if (base.startsWith(".")) base = `_${base}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    n.name = name;
  }
  return { source, nodes, links };
}

export function loadTopology(path: string): Topology {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LabError(`cannot read topology ${path}: ${(e as Error).message}`);
  }
  return parseTopology(text, path);
}

export function findNode(t: Topology, ref: string): number {
  const byId = t.nodes.findIndex((n) => n.id === ref);
  if (byId >= 0) return byId;
  const byName = t.nodes.findIndex((n) => n.name === ref);
  if (byName >= 0) return byName;
  throw new LabError(`${t.source}: no node with id or name "${ref}"`);
}

function adjacency(t: Topology): number[][] {
  const adj: number[][] = t.nodes.map(() => []);
  for (const l of t.links) {
    adj[l.a]?.push(l.b);
    adj[l.b]?.push(l.a);
  }
  for (const a of adj) a.sort((x, y) => x - y);
  return adj;
}

function bfs(adj: number[][], start: number, n: number): number[] {
  const order = [start];
  const seen = new Set(order);
  for (let i = 0; i < order.length && order.length < n; i++) {
    for (const y of adj[order[i] as number] ?? []) {
      if (order.length >= n) break;
      if (!seen.has(y)) {
        seen.add(y);
        order.push(y);
      }
    }
  }
  return order;
}

/**
 * The connected subgraph of n nodes found breadth-first from `start` (id or name), with
 * every link among them. Without a start: the start whose subgraph has the most links
 * (ties: the first node), so that small labs have alternative paths to reroute over.
 */
export function subgraph(t: Topology, n: number, start?: string): Topology {
  if (n >= t.nodes.length && start === undefined) return t;
  const adj = adjacency(t);
  let order: number[];
  if (start !== undefined) order = bfs(adj, findNode(t, start), n);
  else {
    let best: number[] = [];
    let bestLinks = -1;
    for (let s = 0; s < t.nodes.length; s++) {
      const o = bfs(adj, s, n);
      const set = new Set(o);
      const cnt = t.links.filter((l) => set.has(l.a) && set.has(l.b)).length;
      if (o.length > best.length || (o.length === best.length && cnt > bestLinks)) {
        best = o;
        bestLinks = cnt;
      }
    }
    order = best;
  }
  if (order.length < n) throw new LabError(`${t.source}: only ${order.length} nodes reachable from the start node, ${n} wanted`);
  return induced(t, order);
}

/** The nodes at `order` (renumbered in that order) with every link among them. */
function induced(t: Topology, order: readonly number[]): Topology {
  const map = new Map(order.map((old, i) => [old, i]));
  return {
    source: t.source,
    nodes: order.map((i) => t.nodes[i] as TopoNode),
    links: t.links.filter((l) => map.has(l.a) && map.has(l.b)).map((l) => ({ ...l, a: map.get(l.a) as number, b: map.get(l.b) as number })),
  };
}

/**
 * The subgraph of exactly the nodes named (ids or names, in that order), with every link
 * among them. For a region that breadth-first search cannot pick: one that avoids the nodes
 * of other runs, or a hub with many VPN links, which BFS from a nearby start takes in first.
 */
export function region(t: Topology, refs: readonly string[]): Topology {
  if (refs.length === 0) throw new LabError(`${t.source}: an empty region`);
  const order = refs.map((r) => findNode(t, r));
  const dup = order.find((x, i) => order.indexOf(x) !== i);
  if (dup !== undefined) throw new LabError(`${t.source}: node "${t.nodes[dup]?.id}" named twice in the region`);
  const sub = induced(t, order);
  const reach = new Set(bfs(adjacency(sub), 0, sub.nodes.length));
  if (reach.size < sub.nodes.length) {
    const cut = sub.nodes.filter((_, i) => !reach.has(i)).map((n) => n.id);
    throw new LabError(`${t.source}: the region is not connected by its own links (not reached from "${sub.nodes[0]?.id}": ${cut.join(", ")})`);
  }
  return sub;
}

export function isConnected(t: Topology): boolean {
  if (t.nodes.length === 0) return true;
  return bfs(adjacency(t), 0, t.nodes.length).length === t.nodes.length;
}

export interface PlanOptions {
  tqLoss: boolean; // map recorded TQ to netem loss
  tqScale: number;
  gateways: string[]; // extra gateway node refs
}

function tqImpair(base: Impair, tq: number | undefined, o: PlanOptions): Impair {
  const i: Impair = { ...base };
  if (i.loss === undefined && o.tqLoss && tq !== undefined) {
    const loss = Math.round(Math.min(100, Math.max(0, (1 - tq) * 100 * o.tqScale)) * 10) / 10;
    if (loss > 0) i.loss = loss;
  }
  return i;
}

export function toPlanParts(t: Topology, o: PlanOptions): { nodes: PlanNode[]; links: PlanLink[] } {
  if (t.nodes.length > 4000) throw new LabError("too many nodes");
  const gws = new Set(o.gateways.map((g) => findNode(t, g)));
  const nodes: PlanNode[] = t.nodes.map((n, idx) => ({ idx, id: n.id, name: n.name, ns: `n${idx}`, mac: nodeMac(idx), gateway: n.gateway || gws.has(idx) }));
  const links: PlanLink[] = t.links.map((l, idx) => ({
    idx,
    a: l.a,
    b: l.b,
    ifA: `mesh${idx}`,
    ifB: `mesh${idx}`,
    macA: linkMac(idx, 1, l.a),
    macB: linkMac(idx, 2, l.b),
    ab: tqImpair(l.impair, l.tqAB, o),
    ba: tqImpair(l.impair, l.tqBA, o),
    ...(l.type ? { type: l.type } : {}),
  }));
  return { nodes, links };
}
