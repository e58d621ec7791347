/// <reference types="node" />
// The lab: boots the VM once, then runs scenarios in it (mesh setup, convergence, timed
// faults, waits, teardown), recording the timeline and computing the summary.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDeps } from "./deps.js";
import { type Kernel, ensureInitramfs, findKernel } from "./initramfs.js";
import type { AgentSpec, Fault, GuestEvent, Plan } from "./protocol.js";
import { formatReport, readTimeline } from "./report.js";
import type { LinkRef, Scenario, ScenarioEvent } from "./scenario.js";
import { type Summary, formatSummary, reachable, summarize } from "./summary.js";
import { Timeline } from "./timeline.js";
import { type Topology, findNode, isConnected, toPlanParts } from "./topology.js";
import { LabError, cacheDir, log, runSync, sha256, sleep } from "./util.js";
import { Vm } from "./vm.js";

export interface LabOptions {
  root: string; // repository root (holds dist/lab/guest.mjs and tests/lab/probe.c)
  memMb?: number;
  cpus?: number;
  accel?: "auto" | "kvm" | "tcg";
}

export interface RunOptions {
  topology: Topology;
  scenario: Scenario;
  algo: "BATMAN_IV" | "BATMAN_V";
  sampleMs: number;
  fullSamples?: boolean;
  origIntervalMs?: number;
  hopPenalty?: number;
  tqLoss: boolean;
  tqScale: number;
  gateways: string[];
  agent: AgentSpec | null;
  outDir: string | null;
  convergeTimeoutS?: number;
  tailS?: number;
  /** Files in every agent's state directory copied to <outDir>/agents/<node>/ before teardown (e.g. record_features). */
  collectAgentFiles?: string[];
}

export interface RunResult {
  plan: Plan;
  timeline: Timeline;
  summary: Summary;
  text: string;
  timelineFile: string | null;
}

/** Compiles the netlink sampler into the cache (keyed by its source and the compiler). */
export function ensureProbe(root: string): string {
  const src = join(root, "tests/lab/probe.c");
  const code = readFileSync(src);
  const cc = runSync("gcc", ["--version"], 10_000).stdout.split("\n")[0] ?? "";
  const out = join(cacheDir(), `probe-${sha256(code, cc).slice(0, 16)}`);
  if (existsSync(out)) return out;
  const r = runSync("gcc", ["-O2", "-Wall", "-Wextra", "-o", `${out}.tmp`, src], 120_000);
  if (r.code !== 0) throw new LabError(`building the sampler failed:\n${r.stderr}`);
  runSync("mv", [`${out}.tmp`, out]);
  return out;
}

export class Lab {
  vm!: Vm;
  kernel!: Kernel;
  probe = "";
  private runs = 0;

  static async start(o: LabOptions): Promise<Lab> {
    const lab = new Lab();
    await lab.init(o);
    return lab;
  }

  private async init(o: LabOptions): Promise<void> {
    await ensureDeps();
    // The guest puts its own tmpfs on /tmp and /run; paths of ours there are bind-mounted
    // back on top of it by the guest's /init (a repository cloned into /tmp, say).
    const keep = [o.root, cacheDir()].filter((p) => /^\/(tmp|run)\//.test(p));
    for (const p of keep) {
      if (/\s/.test(p)) throw new LabError(`${p}: a path under /tmp or /run with spaces cannot be passed to the guest`);
    }
    const guest = join(o.root, "dist/lab/guest.mjs");
    if (!existsSync(guest)) throw new LabError(`${guest} missing: build it first (scripts/lab.sh does)`);
    this.kernel = findKernel();
    const initrd = ensureInitramfs(this.kernel);
    this.probe = ensureProbe(o.root);
    this.vm = await Vm.boot({ kernel: this.kernel, initrd, guestScript: guest, memMb: o.memMb, cpus: o.cpus, accel: o.accel, keepPaths: keep });
  }

  get bootMs(): number {
    return this.vm.bootMs;
  }

  /** Runs a command in the guest, in a node's namespace when ns is given. */
  exec(argv: string[], ns?: string, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string; t0: number; t1: number }> {
    return this.vm.conn.request("exec", { argv, ...(ns ? { ns } : {}), timeoutMs }, timeoutMs + 5000);
  }

  async run(o: RunOptions): Promise<RunResult> {
    this.runs++;
    const s = o.scenario;
    const parts = toPlanParts(o.topology, { tqLoss: o.tqLoss, tqScale: o.tqScale, gateways: o.gateways });
    if (!isConnected(o.topology)) log("warning: the topology is not connected; it cannot converge");
    const plan: Plan = {
      ...parts,
      algo: o.algo,
      sampleMs: o.sampleMs,
      fullSamples: o.fullSamples ?? parts.nodes.length <= 10,
      probe: this.probe,
      agent: o.agent,
      ...(o.origIntervalMs ? { origIntervalMs: o.origIntervalMs } : {}),
      ...(o.hopPenalty !== undefined ? { hopPenalty: o.hopPenalty } : {}),
    };
    let agentNote = "disabled (--no-agents)";
    if (o.agent) {
      const bin = o.agent.argv[0] ?? "";
      if (bin.startsWith("/") && !existsSync(bin)) {
        agentNote = `agent binary not built (${bin} missing); mesh runs without agents`;
        plan.agent = null;
      } else agentNote = `running: ${o.agent.argv.join(" ")}`;
    }
    log(`scenario "${s.name}": ${plan.nodes.length} nodes, ${plan.links.length} links from ${o.topology.source}, ${plan.algo}`);
    if (plan.agent === null) log(`agents: ${agentNote}`);
    if (o.outDir) mkdirSync(o.outDir, { recursive: true });
    const file = o.outDir ? join(o.outDir, "timeline.jsonl") : null;

    // Events may arrive before the setup answer (the sampler starts inside setup).
    const early: GuestEvent[] = [];
    let tl: Timeline | null = null;
    const off = this.vm.conn.onEvent((ev) => {
      if (ev.type === "log") log(`guest: ${ev.msg}`);
      if (tl) tl.guest(ev);
      else early.push(ev);
    });
    try {
      const setup = await this.vm.conn.request<{ tStart: number; tUp: number; agents: string }>("setup", { plan }, 600_000);
      tl = new Timeline(plan, setup.tStart, file);
      const timeline = tl;
      timeline.host({ type: "lab", t: 0, what: "setup", guestT0: setup.tStart, scenario: s.name, topology: o.topology.source, nodes: plan.nodes.map((n) => ({ name: n.name, id: n.id, ns: n.ns, mac: n.mac, gateway: n.gateway })), links: plan.links.map((l) => ({ link: timeline.linkName(l.idx), ifA: l.ifA, ifB: l.ifB, ab: l.ab, ba: l.ba, type: l.type })), algo: plan.algo, sampleMs: plan.sampleMs });
      const upT = Math.round((setup.tUp - setup.tStart) * 10) / 10;
      timeline.host({ type: "lab", t: upT, what: "up", agents: plan.agent ? setup.agents : agentNote });
      for (const ev of early.splice(0)) timeline.guest(ev);
      log(`mesh up in ${((setup.tUp - setup.tStart) / 1000).toFixed(1)} s; waiting for convergence`);

      const convTimeout = (o.convergeTimeoutS ?? s.convergeTimeout ?? 60 + 2 * plan.nodes.length) * 1000;
      const ok = await this.waitFor(timeline, () => timeline.converged(), convTimeout);
      if (ok !== null) {
        timeline.host({ type: "converged", t: ok, ms: Math.round((ok - upT) * 10) / 10, complete: true });
        log(`converged ${((ok - upT) / 1000).toFixed(1)} s after the mesh came up`);
      } else {
        timeline.host({ type: "lab", t: timeline.lastT, what: "not_converged", timeoutMs: convTimeout });
        log(`NOT converged within ${convTimeout / 1000} s`);
      }

      await this.runEvents(timeline, plan, o.topology, s.events);
      const tail = (o.tailS ?? s.tail ?? 2) * 1000;
      if (tail > 0) await sleep(tail);
      if (o.outDir && plan.agent) for (const f of o.collectAgentFiles ?? []) await this.collectAgentFile(plan, f, o.outDir, timeline);
      const td = await this.vm.conn.request<{ ms: number }>("teardown", {}, 180_000);
      timeline.host({ type: "lab", t: timeline.lastT, what: "teardown", ms: Math.round(td.ms) });
      const summary = summarize(plan, timeline.recs, { bootMs: this.runs === 1 ? this.vm.bootMs : undefined, agents: agentNote } as { bootMs?: number; agents: string });
      const text = formatSummary(summary, plan, (l) => timeline.linkName(l) ?? `#${l}`);
      if (o.outDir) {
        writeFileSync(join(o.outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
        writeFileSync(join(o.outDir, "summary.txt"), `${text}\n`);
        if (file) writeFileSync(join(o.outDir, "report.txt"), `${formatReport(readTimeline(file))}\n`);
      }
      return { plan, timeline, summary, text, timelineFile: file };
    } finally {
      off();
      tl?.close();
    }
  }

  /** Copies one file from every node's agent state directory into <outDir>/agents/<node>/, in slices. */
  private async collectAgentFile(plan: Plan, file: string, outDir: string, tl: Timeline): Promise<void> {
    const slice = 1 << 20;
    let total = 0;
    for (const nd of plan.nodes) {
      const dir = join(outDir, "agents", nd.name);
      let offset = 0;
      let size = 0;
      const parts: Buffer[] = [];
      do {
        const r = await this.vm.conn.request<{ size: number; data: string }>("read_agent_file", { node: nd.name, file, offset, max: slice }, 60_000);
        size = r.size;
        if (size < 0) break;
        const b = Buffer.from(r.data, "base64");
        if (b.length === 0) break;
        parts.push(b);
        offset += b.length;
      } while (offset < size);
      if (size < 0) continue;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), Buffer.concat(parts));
      total += offset;
    }
    tl.host({ type: "lab", t: tl.lastT, what: "collected", file, bytes: total });
    log(`collected ${file} from the agents: ${total} bytes in ${join(outDir, "agents")}`);
  }

  /** Resolves when pred() holds after a timeline record (returns its t), or null on timeout. */
  private waitFor(tl: Timeline, pred: () => boolean, timeoutMs: number): Promise<number | null> {
    if (pred()) return Promise.resolve(tl.lastT);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, timeoutMs);
      const off = tl.onRecord((r) => {
        if (r.type !== "sample") return; // decide once per complete sample
        if (pred()) {
          clearTimeout(timer);
          off();
          resolve(r.t);
        }
      });
    });
  }

  private async runEvents(tl: Timeline, plan: Plan, topo: Topology, events: ScenarioEvent[]): Promise<void> {
    const start = Date.now();
    let prev = start;
    let lastBreak: number[] = []; // links failed by the last break fault
    let lastRestore: number[] = [];
    const nodeRef = (ref: string | undefined): number => findNode(topo, ref ?? "");
    const linkRef = (ref: LinkRef | undefined, kind: "break" | "restore" | "other"): number => {
      if (ref === "auto" || ref === undefined) {
        if (kind !== "break" && lastBreak.length === 1) return lastBreak[0] as number;
        return autoLink(tl, plan);
      }
      const a = nodeRef(ref[0]);
      const b = nodeRef(ref[1]);
      const l = plan.links.find((x) => (x.a === a && x.b === b) || (x.a === b && x.b === a));
      if (!l) throw new LabError(`no link between ${ref[0]} and ${ref[1]} in this topology`);
      return l.idx;
    };
    for (const e of events) {
      const due = e.at !== undefined ? start + e.at * 1000 : prev + (e.after ?? 0) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      prev = Date.now();
      if (e.do === "wait") {
        const timeout = (e.timeout ?? 30) * 1000;
        const t0 = tl.lastT;
        let pred: () => boolean;
        if (e.until === "converged") pred = () => tl.converged();
        else if (e.until === "rerouted") pred = () => rerouted(tl, plan, lastBreak);
        else if (e.until === "reused") pred = () => [...tl.routes.values()].some((m) => [...m.values()].some((r) => r.link !== null && lastRestore.includes(r.link)));
        else {
          const quiet = (e.quiet ?? 5) * 1000;
          pred = () => {
            const last = tl.recs.findLast((r) => r.type === "route");
            return tl.lastT - Math.max(t0, last?.t ?? 0) >= quiet;
          };
        }
        const t = await this.waitFor(tl, pred, timeout);
        tl.host({ type: "wait", t: t ?? tl.lastT, until: e.until as string, ok: t !== null, ms: Math.round((t ?? tl.lastT) - t0) });
        log(`wait until ${e.until}: ${t !== null ? `after ${(((t ?? 0) - t0) / 1000).toFixed(1)} s` : `not within ${timeout / 1000} s`}`);
        prev = Date.now();
        continue;
      }
      let f: Fault;
      switch (e.do) {
        case "link_down":
        case "link_lost":
          f = { do: e.do, link: linkRef(e.link, "break") };
          lastBreak = [f.link];
          break;
        case "link_up":
        case "link_restore":
          f = { do: e.do, link: linkRef(e.link, "restore") };
          lastRestore = [f.link];
          break;
        case "set_link":
          f = { do: "set_link", link: linkRef(e.link, "other"), impair: e.impair ?? {}, ...(e.dir ? { dir: e.dir } : {}) };
          break;
        case "flap":
          f = { do: "flap", link: linkRef(e.link, "break"), period: e.period ?? 4, duty: e.duty ?? 0.5, count: e.count ?? 3, ...(e.impair ? { impair: e.impair } : {}) };
          break;
        case "deaf": {
          const node = nodeRef(e.node);
          const peer = nodeRef(e.peer);
          const l = plan.links.find((x) => (x.a === node && x.b === peer) || (x.a === peer && x.b === node));
          if (!l) throw new LabError(`deaf: ${e.node} has no link to ${e.peer}`);
          f = { do: "deaf", node, link: l.idx, ...(e.stuck === true ? { stuck: true } : {}) };
          lastBreak = [l.idx];
          break;
        }
        case "node_crash":
        case "node_restore": {
          const node = nodeRef(e.node);
          f = { do: e.do, node };
          const ls = plan.links.filter((l) => l.a === node || l.b === node).map((l) => l.idx);
          if (e.do === "node_crash") lastBreak = ls;
          else lastRestore = ls;
          break;
        }
        case "agent_kill":
          f = { do: "agent_kill", node: nodeRef(e.node), ...(e.signal ? { signal: e.signal } : {}) };
          break;
        case "agent_restart":
        case "agent_start":
        case "agent_stop":
        case "uplink_loss":
        case "uplink_restore":
          f = { do: e.do, node: nodeRef(e.node) };
          break;
        case "exec":
          f = { do: "exec", node: nodeRef(e.node), argv: e.cmd ?? [] };
          break;
        case "mark":
          f = { do: "mark", label: e.label ?? "" };
          break;
        default:
          throw new LabError(`unknown event ${e.do}`);
      }
      const r = await this.vm.conn.request<{ t: number; tEnd: number }>("fault", { fault: f }, 60_000);
      log(`${e.do} ${JSON.stringify(tl.namedFault(f))} injected at ${((r.t - tl.t0) / 1000).toFixed(1)} s`);
    }
  }

  private closed = false;
  async close(outDir?: string | null): Promise<void> {
    if (!this.vm || this.closed) return;
    this.closed = true;
    await this.vm.shutdown(20_000, outDir ? join(outDir, "console.log") : undefined);
  }
}

/** All routes that used the failed links have moved, except those with no alternative path. */
function rerouted(tl: Timeline, plan: Plan, failedLinks: number[]): boolean {
  const failed = new Set(failedLinks);
  for (const [node, m] of tl.routes) {
    if (tl.crashed.has(node)) continue;
    let reach: Set<number> | null = null;
    for (const [orig, r] of m) {
      if (r.link === null || !failed.has(r.link) || tl.crashed.has(orig)) continue;
      reach ??= reachable(plan, node, failed, tl.crashed);
      if (reach.has(orig)) return false;
    }
  }
  return true;
}

/** The link most routes use whose failure keeps the mesh connected. */
function autoLink(tl: Timeline, plan: Plan): number {
  const use = new Map<number, number>();
  for (const m of tl.routes.values()) for (const r of m.values()) if (r.link !== null) use.set(r.link, (use.get(r.link) ?? 0) + 1);
  const all = plan.nodes.length;
  const candidates = plan.links
    .filter((l) => reachable(plan, 0, new Set([l.idx]), new Set()).size === all)
    .sort((x, y) => (use.get(y.idx) ?? 0) - (use.get(x.idx) ?? 0) || x.idx - y.idx);
  const pick = candidates[0];
  if (!pick) throw new LabError(`link "auto": every link of this topology is a bridge (no alternative path); name a link`);
  return pick.idx;
}
