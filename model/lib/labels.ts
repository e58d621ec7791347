/**
 * The labeller: joins what the agents recorded in a lab run (record_features, one
 * file per node under <run>/agents/<node>/) with the run's timeline (the faults the
 * lab injected, when they began and ended) into labelled examples.
 *
 * A fault interval belongs to a lab link (both endpoints' rows of that link get its
 * label) or, for a crashed node, to every link of the crashed node (its neighbours'
 * rows). Labels: the fault kind while it lasts; "recovery" for RECOVERY_S after it
 * (the 30-sample feature window still holds the fault; evaluation leaves these out);
 * "setup" before the scenario's first event (the mesh was still forming); else
 * "normal". A node row takes the label of a fault on any link of the node.
 *
 * Pure (no file access): it runs in the unit tests on both engines.
 *
 * Fault kinds (from the timeline's fault records):
 *   loss       a lasting packet loss (flap with an impairment, one cycle; or set_link loss)
 *   loss-flap  packet loss that comes and goes (flap with a loss impairment, several cycles)
 *   delay      added delay and jitter (flap with a delay impairment)
 *   flap       carrier down/up cycles (flap without an impairment)
 *   dead-link  carrier up, nothing passes (link_lost .. link_restore)
 *   link-down  carrier down (link_down .. link_up)
 *   node-crash the neighbour crashed (node_crash .. node_restore)
 *   deaf       one end hears nothing (deaf; lasts to the end of the run)
 */
import { LINK_FEATURES_V2, LINK_PROBE_AT, NODE_FEATURES_V1, NODE_FEATURES_V2, NODE_PROBE_AT, NodeProbeSummary, silenceSecondsFromLog } from '../../runtime/src/model/features.js';

export const RECOVERY_S = 60;

export interface Row {
  run: string;
  topo: string;
  node: string;
  /** Agent process number on this node (a crash restarts it, with fresh state). */
  epoch: number;
  target: 'link' | 'node';
  /** The agent's link key (ifname/mac), or "node". */
  key: string;
  /** The lab link "a~b", or null (node rows, foreign links). */
  link: string | null;
  /** Seconds since the scenario started. */
  t: number;
  c: number;
  y: string;
  live: boolean;
  /** The raw metric (TQ or kbit/s), null when none this cycle. */
  m: number | null;
  /** Recording format 4 on: the link's hard interface up with its carrier (null: unknown); absent before. */
  up?: boolean | null;
  /** Recording format 5 on: the link's probe delay in ms above its fastest (null: not measured); absent before. */
  dl?: number | null;
  f: number[];
}

export interface FaultInterval {
  kind: string;
  /** The lab links it affects. */
  links: string[];
  start: number;
  end: number;
}

interface SetupRec {
  guestT0: number;
  topology: string;
  nodes: { name: string }[];
  links: { link: string; ifA: string; ifB: string }[];
}

export interface Timeline {
  setup: SetupRec;
  /** Scenario start (s since setup). */
  start: number;
  /** Last record (s). */
  end: number;
  faults: FaultInterval[];
  /** Incidents the agents opened: node, s, kind, target. */
  incidents: { node: string; t: number; kind: string; target: string }[];
  /** Per node, the label of the anomaly model its agent said it loaded (the `model` setting), if any. */
  models: Record<string, string>;
}

type Rec = Record<string, unknown> & { type: string; t: number };

const flapRe = /^flap (\d+)\/(\d+)/;
/** The agent's line when it loads a model (loop/agent-loop.ts): `model: PATH ("LABEL"), link threshold ...`. */
const modelRe = / model: \S+ \("(.*)"\), link threshold /;

export function parseTimeline(text: string): Timeline {
  let setup: SetupRec | null = null;
  let start: number | null = null;
  let end = 0;
  const faults: FaultInterval[] = [];
  const open = new Map<string, FaultInterval>(); // "kind|link" -> interval
  const flaps = new Map<string, FaultInterval>(); // link -> running flap
  const incidents: Timeline['incidents'] = [];
  const models: Record<string, string> = {};
  const linksOf = (node: string): string[] => (setup?.links ?? []).filter((l) => l.link.split('~').includes(node)).map((l) => l.link);
  const begin = (kind: string, links: string[], t: number, key: string) => {
    const iv = { kind, links, start: t, end: Number.POSITIVE_INFINITY };
    faults.push(iv);
    open.set(key, iv);
  };
  const close = (key: string, t: number) => {
    const iv = open.get(key);
    if (iv) iv.end = t;
    open.delete(key);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as Rec;
    const t = r.t / 1000;
    if (t > end) end = t;
    if (r.type === 'lab' && r.what === 'setup') setup = r as unknown as SetupRec;
    if (r.type === 'agent') {
      const m = /incident (\S+) opened: (\S+) (\S+):/.exec(String(r.line));
      if (m) incidents.push({ node: String(r.node), t, kind: m[2] as string, target: m[3] as string });
      const model = modelRe.exec(String(r.line));
      if (model) models[String(r.node)] = model[1] as string;
      continue;
    }
    if (r.type !== 'fault') continue;
    const f = r.fault as { do: string; link?: string; node?: string; impair?: Record<string, number>; count?: number };
    const detail = typeof r.detail === 'string' ? r.detail : '';
    if (start === null) start = t; // the scenario's first event
    const link = f.link ?? '';
    const flapStep = flapRe.exec(detail);
    if (flapStep) {
      const iv = flaps.get(link);
      if (iv) {
        iv.end = t;
        if (flapStep[1] === flapStep[2] && (f.do === 'link_up' || detail.endsWith('restored'))) flaps.delete(link);
      }
      continue;
    }
    switch (f.do) {
      case 'flap': {
        const imp = f.impair;
        const kind = !imp ? 'flap' : (imp.delay ?? 0) > 0 ? 'delay' : (f.count ?? 1) > 1 ? 'loss-flap' : 'loss';
        const iv = { kind, links: [link], start: t, end: t };
        faults.push(iv);
        flaps.set(link, iv);
        break;
      }
      case 'set_link': {
        close(`loss|${link}`, t);
        if ((f.impair?.loss ?? 0) > 0) begin('loss', [link], t, `loss|${link}`);
        break;
      }
      case 'link_lost':
        begin('dead-link', [link], t, `dead-link|${link}`);
        break;
      case 'link_restore':
        close(`dead-link|${link}`, t);
        break;
      case 'link_down':
        begin('link-down', [link], t, `link-down|${link}`);
        break;
      case 'link_up':
        close(`link-down|${link}`, t);
        break;
      case 'node_crash':
        begin('node-crash', linksOf(String(f.node)), t, `node-crash|${String(f.node)}`);
        break;
      case 'node_restore':
        close(`node-crash|${String(f.node)}`, t);
        break;
      case 'deaf':
        begin('deaf', [link], t, `deaf|${link}`);
        break;
      default:
        break;
    }
  }
  if (!setup || typeof setup.guestT0 !== 'number') throw new Error('timeline: no setup record with guestT0 (a run from before the labeller existed?)');
  for (const iv of faults) if (!Number.isFinite(iv.end)) iv.end = end;
  const s0 = start ?? 0;
  // Everything in seconds since the scenario started.
  for (const iv of faults) {
    iv.start -= s0;
    iv.end -= s0;
  }
  for (const i of incidents) i.t -= s0;
  return { setup, start: s0, end: end - s0, faults, incidents, models };
}

/** The label of a row of lab links `links` (one link, or all of a node's) at time t. */
export function labelAt(faults: readonly FaultInterval[], links: readonly string[], t: number): string {
  if (t < 0) return 'setup';
  let recovering = false;
  for (const iv of faults) {
    if (!iv.links.some((l) => links.includes(l))) continue;
    if (t >= iv.start && t <= iv.end) return iv.kind;
    if (t > iv.end && t <= iv.end + RECOVERY_S) recovering = true;
  }
  return recovering ? 'recovery' : 'normal';
}

interface RecordedLine {
  v: number;
  t: number;
  c: number;
  node: number[] | null;
  links: { k: string; if: string; nb: string; live: boolean; m: number | null; up?: boolean | null; dl?: number | null; f: number[] }[];
}

/**
 * One node's recording to labelled rows. Lines that do not parse (a torn last line)
 * are skipped and counted.
 */
export function labelNode(run: string, topo: string, node: string, text: string, tl: Timeline): { rows: Row[]; skipped: number } {
  const rows: Row[] = [];
  let skipped = 0;
  const ifLink = new Map<string, string>();
  for (const l of tl.setup.links) {
    const [a, b] = l.link.split('~');
    if (a === node) ifLink.set(l.ifA, l.link);
    if (b === node) ifLink.set(l.ifB, l.link);
  }
  const nodeLinks = [...ifLink.values()];
  let epoch = 0;
  let lastCycle = -1;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let r: RecordedLine;
    try {
      r = JSON.parse(line) as RecordedLine;
    } catch {
      skipped++;
      continue;
    }
    if (!(Number.isInteger(r.v) && r.v >= 1 && r.v <= 5) || !Array.isArray(r.links)) {
      skipped++;
      continue;
    }
    if (r.c <= lastCycle) epoch++;
    lastCycle = r.c;
    const t = Math.round((r.t - tl.setup.guestT0) / 100) / 10 - tl.start;
    for (const l of r.links) {
      const link = ifLink.get(l.if) ?? null;
      rows.push({ run, topo, node, epoch, target: 'link', key: l.k, link, t: Math.round(t * 10) / 10, c: r.c, y: link ? labelAt(tl.faults, [link], t) : t < 0 ? 'setup' : 'normal', live: l.live, m: l.m, ...(l.up !== undefined && { up: l.up }), ...(l.dl !== undefined && { dl: l.dl }), f: l.f });
    }
    if (r.node) rows.push({ run, topo, node, epoch, target: 'node', key: 'node', link: null, t: Math.round(t * 10) / 10, c: r.c, y: labelAt(tl.faults, nodeLinks, t), live: true, m: null, f: r.node });
  }
  return { rows, skipped };
}

/** Rows grouped per agent process (run, node, epoch), each group in recorded order. */
export function byAgent(rows: readonly Row[]): Row[][] {
  const m = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.run}|${r.node}|${r.epoch}`;
    let g = m.get(k);
    if (!g) m.set(k, (g = []));
    g.push(r);
  }
  return [...m.values()];
}

/**
 * Node rows recorded before node features v2 (recording format 2: 15 numbers) get the
 * four probe summaries from the same cycle's link rows (the links the agent had a
 * metric for, as NODE_FEATURES_V2 takes them), computed by the agent's own
 * NodeProbeSummary. Rows of format 3 already have them; runs without the link probe
 * features stay as they are (no model uses their node rows).
 */
export function withNodeProbeSummaries(rows: Row[]): Row[] {
  const links = new Map<string, Row[]>();
  const cycleKey = (r: Row) => `${r.run}|${r.node}|${r.epoch}|${r.c}`;
  for (const r of rows) {
    if (r.target !== 'link' || r.f.length < LINK_FEATURES_V2.features.length) continue;
    const k = cycleKey(r);
    const list = links.get(k);
    if (list) list.push(r);
    else links.set(k, [r]);
  }
  if (links.size === 0) return rows;
  const summary = new NodeProbeSummary();
  const out = new Float64Array(NODE_FEATURES_V2.features.length);
  for (const r of rows) {
    if (r.target !== 'node' || r.f.length !== NODE_FEATURES_V1.features.length) continue;
    summary.reset();
    for (const l of links.get(cycleKey(r)) ?? []) summary.add(l.f, LINK_PROBE_AT);
    summary.write(out, NODE_PROBE_AT);
    r.f = [...r.f, ...Array.from(out.subarray(NODE_PROBE_AT), (x) => Math.round(x * 10_000) / 10_000)];
  }
  return rows;
}

/**
 * Rows as features v3 (link and node): recordings hold v2, whose last feature is the
 * probe silence as log2p1(ms); v3 has it in seconds (silenceSecondsFromLog, exact to 2 ms).
 * Rows without the probe features (recorded before them) are returned as they are.
 */
export function withSilenceSeconds(rows: readonly Row[]): Row[] {
  const link = LINK_FEATURES_V2.features.length;
  const node = NODE_FEATURES_V2.features.length;
  return rows.map((r) => {
    const n = r.target === 'link' ? link : node;
    if (r.f.length !== n) return r;
    const f = r.f.slice();
    f[n - 1] = silenceSecondsFromLog(f[n - 1] as number);
    return { ...r, f };
  });
}
