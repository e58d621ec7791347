/// <reference types="node" />
// The lab's guest helper: runs inside the VM (the host's node, chrooted into the host's
// root shared over 9p), talks to the host over the virtio-serial port "lab.ctl", builds
// the mesh (network namespaces, veth pairs, batman-adv), injects faults, samples
// batman-adv through the netlink sampler and runs the agents. Every event carries the
// guest's CLOCK_MONOTONIC in ms (`t`), the lab's single clock.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, read, readFileSync, readSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { type Fault, type GuestEvent, type Impair, type Plan, type PlanLink, WIRE_NS, decodeMac } from "./protocol.js";

process.env.UV_THREADPOOL_SIZE = "8";
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- control port
function findPort(): string {
  const base = "/sys/class/virtio-ports";
  for (const p of existsSync(base) ? readdirSync(base) : []) {
    try {
      if (readFileSync(`${base}/${p}/name`, "utf8").trim() === "lab.ctl") return `/dev/${p}`;
    } catch {
      /* next */
    }
  }
  throw new Error("virtio-serial port lab.ctl not found");
}
const portPath = findPort();
const portFd = openSync(portPath, "r+");

function send(obj: unknown): void {
  const buf = Buffer.from(`${JSON.stringify(obj)}\n`);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(portFd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") continue;
      throw e;
    }
  }
}
function emit(ev: GuestEvent): void {
  send({ ev });
}
function glog(msg: string): void {
  emit({ type: "log", t: now(), msg });
}

function readLoop(onLine: (line: string) => void): void {
  const buf = Buffer.alloc(65536);
  let acc = "";
  const next = (): void => {
    read(portFd, buf, 0, buf.length, null, (err, n) => {
      if (err) {
        setTimeout(next, 50);
        return;
      }
      if (n === 0) {
        setTimeout(next, 20); // host not connected (yet): the port reads EOF
        return;
      }
      acc += buf.toString("utf8", 0, n);
      let nl = acc.indexOf("\n");
      while (nl >= 0) {
        const line = acc.slice(0, nl);
        acc = acc.slice(nl + 1);
        if (line.trim()) onLine(line);
        nl = acc.indexOf("\n");
      }
      next();
    });
  };
  next();
}

// ---------------------------------------------------------------- commands
interface Res {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Res> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const p = spawn(cmd as string, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    p.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    p.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(e) });
    });
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    p.stdin.on("error", () => {});
    p.stdin.end(opts.input ?? "");
  });
}
async function must(argv: string[], input?: string, timeoutMs?: number): Promise<string> {
  const r = await run(argv, { input, timeoutMs });
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
  return r.stdout;
}
const meshAddress = (idx: number): string => `10.99.${(idx + 1) >> 8}.${(idx + 1) & 255}`;
const inNs = (ns: string, argv: string[]): string[] => ["nsenter", `--net=/run/netns/${ns}`, "--", ...argv];

// ---------------------------------------------------------------- mesh state
interface End {
  dev: string; // wire-side device in WIRE_NS facing this end's node
  impair: Impair; // impairment of packets delivered to this end's node
  lost: boolean;
  deaf: boolean;
  applied: string; // last netem spec applied ("" = none)
}
interface LinkState {
  spec: PlanLink;
  down: boolean; // link_down (carrier lost)
  flapDown: boolean;
  toA: End; // packets b -> a leave the wire through toA.dev
  toB: End;
  up: boolean; // wire ends currently up
}
interface Agent {
  proc: ChildProcess | null;
  stateDir: string;
  config: string;
  stopping: boolean;
}

let plan: Plan | null = null;
let links: LinkState[] = [];
const crashed = new Set<number>();
const agents = new Map<number, Agent>();
let probe: ChildProcess | null = null;
const namespaces = new Set<string>();
const monitors = new Set<ChildProcess>();
let flapping = new Set<number>();
let generation = 0; // bumps at teardown, cancels flaps
const AGENT_ROOT = "/tmp/lab/agents";

function netemSpec(e: End): string {
  if (e.lost || e.deaf) return "loss 100%";
  const i = e.impair;
  const parts: string[] = [];
  if (i.delay) parts.push(`delay ${i.delay}ms${i.jitter ? ` ${i.jitter}ms` : ""}`);
  if (i.loss) parts.push(`loss ${i.loss}%`);
  if (i.rate) parts.push(`rate ${i.rate}`);
  return parts.join(" ");
}
function netemCmd(e: End): string | null {
  const spec = netemSpec(e);
  if (spec === e.applied) return null;
  const cmd = spec ? `qdisc replace dev ${e.dev} root netem ${spec}` : `qdisc del dev ${e.dev} root`;
  e.applied = spec;
  return cmd;
}
async function applyNetem(ends: End[]): Promise<void> {
  const cmds = ends.map(netemCmd).filter((c): c is string => c !== null);
  if (cmds.length) await must(["tc", "-n", WIRE_NS, "-force", "-batch", "-"], `${cmds.join("\n")}\n`);
}
async function applyCarrier(ls: LinkState[]): Promise<void> {
  const cmds: string[] = [];
  for (const l of ls) {
    const up = !l.down && !l.flapDown && !crashed.has(l.spec.a) && !crashed.has(l.spec.b);
    if (up === l.up) continue;
    l.up = up;
    for (const e of [l.toA, l.toB]) cmds.push(`link set dev ${e.dev} ${up ? "up" : "down"}`);
  }
  if (cmds.length) await must(["ip", "-n", WIRE_NS, "-batch", "-"], `${cmds.join("\n")}\n`);
}

function uplinkCmds(node: number): { root: string[]; n: string[]; u: string[] } {
  const p = plan as Plan;
  const nd = p.nodes[node];
  if (!nd) throw new Error(`no node ${node}`);
  const net = `10.${200 + (node >> 8)}.${node & 255}`;
  const u = `u${node}`;
  return {
    root: [`netns add ${u}`, `link add name uplink netns ${nd.ns} type veth peer name wan netns ${u}`],
    n: [`addr add ${net}.2/24 dev uplink`, "link set uplink up", `route add default via ${net}.1`],
    u: ["link set lo up", `addr add ${net}.1/24 dev wan`, "link set wan up", "addr add 198.51.100.1/32 dev lo"],
  };
}
async function uplinkUp(node: number): Promise<void> {
  const c = uplinkCmds(node);
  const nd = (plan as Plan).nodes[node] as Plan["nodes"][number];
  await must(["ip", "-batch", "-"], `${c.root.join("\n")}\n`);
  namespaces.add(`u${node}`);
  await must(["ip", "-n", `u${node}`, "-batch", "-"], `${c.u.join("\n")}\n`);
  await must(["ip", "-n", nd.ns, "-batch", "-"], `${c.n.join("\n")}\n`);
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

async function setup(p: Plan): Promise<{ tStart: number; tUp: number; agents: string }> {
  if (plan) await teardown();
  const tStart = now();
  plan = p;
  crashed.clear();
  flapping = new Set();
  await must(["sh", "-c", `echo ${p.algo} > /sys/module/batman_adv/parameters/routing_algo`]);
  const root: string[] = [`netns add ${WIRE_NS}`];
  namespaces.add(WIRE_NS);
  for (const n of p.nodes) {
    root.push(`netns add ${n.ns}`);
    namespaces.add(n.ns);
  }
  for (const n of p.nodes) {
    root.push(`link add name primary0 address ${n.mac} netns ${n.ns} type dummy`);
    root.push(`link add name bat0 netns ${n.ns} type batadv`);
  }
  links = [];
  for (const l of p.links) {
    const na = p.nodes[l.a];
    const nb = p.nodes[l.b];
    if (!na || !nb) throw new Error(`link ${l.idx}: unknown node`);
    const wa = `w${l.idx}a`;
    const wb = `w${l.idx}b`;
    root.push(`link add name ${wa} netns ${WIRE_NS} mtu 1532 type veth peer name ${l.ifA} address ${l.macA} mtu 1532 netns ${na.ns}`);
    root.push(`link add name ${wb} netns ${WIRE_NS} mtu 1532 type veth peer name ${l.ifB} address ${l.macB} mtu 1532 netns ${nb.ns}`);
    links.push({
      spec: l,
      down: false,
      flapDown: false,
      up: true,
      toA: { dev: wa, impair: l.ba, lost: false, deaf: false, applied: "" },
      toB: { dev: wb, impair: l.ab, lost: false, deaf: false, applied: "" },
    });
  }
  await must(["ip", "-batch", "-"], `${root.join("\n")}\n`, 300_000);
  // Each node: primary0 first (stable originator address), then its links, then bat0 up.
  const perNode = new Map<number, string[]>();
  for (const n of p.nodes) perNode.set(n.idx, ["link set lo up", "link set primary0 mtu 1532", "link set primary0 master bat0"]);
  for (const l of p.links) {
    perNode.get(l.a)?.push(`link set ${l.ifA} master bat0`);
    perNode.get(l.b)?.push(`link set ${l.ifB} master bat0`);
  }
  for (const n of p.nodes) {
    const c = perNode.get(n.idx) as string[];
    c.push("link set primary0 up");
    for (const l of p.links) {
      if (l.a === n.idx) c.push(`link set ${l.ifA} up`);
      if (l.b === n.idx) c.push(`link set ${l.ifB} up`);
    }
    c.push("link set bat0 up");
    // An IPv4 address on the mesh (10.99.0.1 for n0, ...): IP traffic across the mesh,
    // e.g. Prometheus in one node scraping the agents of all the others.
    c.push(`addr add ${meshAddress(n.idx)}/16 dev bat0`);
  }
  const wire: string[] = ["link set lo up"];
  const tcw: string[] = [];
  for (const l of links) {
    for (const [from, to] of [
      [l.toA.dev, l.toB.dev],
      [l.toB.dev, l.toA.dev],
    ]) {
      wire.push(`link set ${from} up`);
      tcw.push(`qdisc add dev ${from} clsact`, `filter add dev ${from} ingress matchall action mirred egress redirect dev ${to}`);
    }
    for (const e of [l.toA, l.toB]) {
      const c = netemCmd(e);
      if (c) tcw.push(c);
    }
  }
  await must(["ip", "-n", WIRE_NS, "-batch", "-"], `${wire.join("\n")}\n`, 120_000);
  await must(["tc", "-n", WIRE_NS, "-batch", "-"], `${tcw.join("\n")}\n`, 120_000);
  // batman-adv settings that differ from the defaults (batctl, in the node's namespace).
  const hasGw = p.nodes.some((n) => n.gateway);
  await pool(p.nodes, 4, async (n) => {
    const c = perNode.get(n.idx) as string[];
    // No duplicate-address detection on bat0: its IPv6 link-local address (alfred's) is usable at once.
    await must(inNs(n.ns, ["sysctl", "-qw", "net.ipv6.conf.bat0.accept_dad=0"]));
    await must(["ip", "-n", n.ns, "-batch", "-"], `${c.join("\n")}\n`, 60_000);
    const bc = (args: string[]) => must(inNs(n.ns, ["batctl", "meshif", "bat0", ...args]));
    if (p.origIntervalMs) await bc(["orig_interval", String(p.origIntervalMs)]);
    if (p.hopPenalty !== undefined) await bc(["hop_penalty", String(p.hopPenalty)]);
    if (hasGw) await bc(["gw_mode", n.gateway ? "server" : "client"]);
  });
  for (const n of p.nodes) if (n.gateway) await uplinkUp(n.idx);
  const tUp = now();
  startProbe(p);
  let agentNote = "agents disabled";
  if (p.agent) {
    const bin = p.agent.argv[0] ?? "";
    if (bin.startsWith("/") && !existsSync(bin)) agentNote = `agent binary not built (${bin} missing)`;
    else {
      for (const n of p.nodes) startAlfred(n.idx);
      for (const n of p.nodes) startAgent(n.idx);
      agentNote = `agents started: ${p.agent.argv.join(" ")}`;
    }
  }
  return { tStart, tUp, agents: agentNote };
}

// ---------------------------------------------------------------- sampling
interface NodeView {
  routes: Map<number, { via: number | null; link: number | null; metric: number | null }>;
  neigh: Map<string, { peer: number; link: number | null }>;
  gws: Map<number, boolean>;
  raw: string;
}
let views = new Map<number, NodeView>();

function startProbe(p: Plan): void {
  views = new Map(p.nodes.map((n) => [n.idx, { routes: new Map(), neigh: new Map(), gws: new Map(), raw: "" }]));
  const nsIdx = new Map(p.nodes.map((n) => [n.ns, n.idx]));
  const lastNs = p.nodes.at(-1)?.ns;
  const args = [String(p.sampleMs), ...p.nodes.map((n) => `${n.ns}=/run/netns/${n.ns}`)];
  const proc = spawn(p.probe, args, { stdio: ["ignore", "pipe", "pipe"] });
  probe = proc;
  proc.on("error", (e) => glog(`probe failed to start: ${e.message}`));
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => glog(`probe: ${d.trim()}`));
  proc.on("exit", (code, sig) => {
    if (probe === proc) glog(`probe exited (${code ?? sig})`);
  });
  let errors = 0;
  const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  rl.on("line", (line) => {
    let s: { t: number; tick: number; ns: string; err?: string; o?: [string, string, string, number | null, number][]; n?: [string, string, number][]; g?: [string, string | null, number, number, number][] };
    try {
      s = JSON.parse(line);
    } catch {
      return;
    }
    const node = nsIdx.get(s.ns);
    if (node === undefined) return;
    const v = views.get(node) as NodeView;
    if (s.err) errors++;
    else {
      v.raw = line;
      diffView(node, v, s.t, s.o ?? [], s.n ?? [], s.g ?? []);
      if (p.fullSamples) {
        emit({
          type: "batadv",
          t: s.t,
          node,
          o: (s.o ?? []).map((e) => [e[0], e[1], e[2], e[3]]),
          n: (s.n ?? []).map((e) => [e[0], e[1]]),
          g: (s.g ?? []).map((e) => [e[0], e[2]]),
        });
      }
    }
    if (s.ns === lastNs) {
      emit({ type: "sample", t: s.t, tick: s.tick, origs: p.nodes.map((n) => views.get(n.idx)?.routes.size ?? 0), errors });
      errors = 0;
    }
  });
}

function diffView(node: number, v: NodeView, t: number, o: [string, string, string, number | null, number][], n: [string, string, number][], g: [string, string | null, number, number, number][]): void {
  const seen = new Set<number>();
  for (const [origMac, routerMac, , metric] of o) {
    const orig = decodeMac(origMac);
    if (!orig || orig.link !== null || orig.node === node) continue;
    seen.add(orig.node);
    const r = decodeMac(routerMac);
    const via = r ? r.node : null;
    const link = r ? r.link : null;
    const prev = v.routes.get(orig.node);
    if (!prev || prev.via !== via || prev.link !== link) {
      emit({ type: "route", t, node, orig: orig.node, via, link, prev: prev?.via ?? null, prevLink: prev?.link ?? null, metric });
    }
    v.routes.set(orig.node, { via, link, metric });
  }
  for (const [orig, prev] of v.routes) {
    if (!seen.has(orig)) {
      emit({ type: "route", t, node, orig, via: null, link: null, prev: prev.via, prevLink: prev.link, metric: null });
      v.routes.delete(orig);
    }
  }
  const nseen = new Set<string>();
  for (const [mac] of n) {
    nseen.add(mac);
    if (!v.neigh.has(mac)) {
      const d = decodeMac(mac);
      const e = { peer: d ? d.node : -1, link: d ? d.link : null };
      v.neigh.set(mac, e);
      emit({ type: "neigh", t, node, peer: e.peer, link: e.link, up: true });
    }
  }
  for (const [mac, e] of v.neigh) {
    if (!nseen.has(mac)) {
      v.neigh.delete(mac);
      emit({ type: "neigh", t, node, peer: e.peer, link: e.link, up: false });
    }
  }
  const gseen = new Set<number>();
  for (const [mac, , best] of g) {
    const d = decodeMac(mac);
    if (!d) continue;
    gseen.add(d.node);
    const b = best === 1;
    if (v.gws.get(d.node) !== b) emit({ type: "gw", t, node, gw: d.node, up: true, best: b });
    v.gws.set(d.node, b);
  }
  for (const gw of v.gws.keys()) {
    if (!gseen.has(gw)) {
      v.gws.delete(gw);
      emit({ type: "gw", t, node, gw, up: false, best: false });
    }
  }
}

// ---------------------------------------------------------------- agents
/**
 * Debian's alfred in master mode on each node's bat0 (no batman-adv lookups: -b none),
 * with its socket next to the agent's state; default sync period (10 s), as on a router.
 * The agents share their summaries through it and read the others'.
 */
const alfreds = new Map<number, ChildProcess>();
const alfredSocket = (name: string) => `${AGENT_ROOT}/${name}/alfred.sock`;
function startAlfred(node: number): void {
  const nd = (plan as Plan).nodes[node];
  if (!nd || alfreds.has(node)) return;
  mkdirSync(`${AGENT_ROOT}/${nd.name}`, { recursive: true });
  const argv = inNs(nd.ns, ["alfred", "-i", "bat0", "-b", "none", "-m", "-u", alfredSocket(nd.name)]);
  const proc = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  proc.on("error", (e) => glog(`alfred ${nd.name}: ${e.message}`));
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => glog(`alfred ${nd.name}: ${d.trim().slice(0, 300)}`));
  alfreds.set(node, proc);
}

/**
 * The agent options for one node: plain values apply to every node; an object value
 * applies only to the gateways (key "gateways") or to the node with that id or name.
 */
function nodeOptions(config: Record<string, unknown>, nd: { id: string; name: string; gateway: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const scoped: Record<string, unknown>[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) out[k] = v;
    else if ((k === "gateways" && nd.gateway) || k === nd.id || k === nd.name) scoped.push(v as Record<string, unknown>);
  }
  return Object.assign(out, ...scoped);
}

function startAgent(node: number): void {
  const p = plan as Plan;
  const spec = p.agent;
  const nd = p.nodes[node];
  if (!spec || !nd) return;
  const cur = agents.get(node);
  if (cur?.proc) return;
  const stateDir = `${AGENT_ROOT}/${nd.name}/state`;
  const config = `${AGENT_ROOT}/${nd.name}/x0tta6bl4.uci`;
  mkdirSync(stateDir, { recursive: true });
  const ifaces = p.links.flatMap((l) => (l.a === node ? [l.ifA] : l.b === node ? [l.ifB] : []));
  // The agent reads OpenWrt UCI (section "agent"); the lab's view of the node goes
  // next to it as JSON for tools that want it.
  const opts: Record<string, unknown> = { state_dir: stateDir, syslog: "0", alfred_socket: alfredSocket(nd.name), ...nodeOptions(spec.config, nd) };
  const uci = Object.entries(opts).map(([k, v]) => `\toption ${k} '${String(v).replaceAll("'", "'\\''")}'`);
  writeFileSync(config, `config agent 'agent'\n${uci.join("\n")}\n`);
  writeFileSync(`${AGENT_ROOT}/${nd.name}/lab.json`, JSON.stringify({ node: nd.name, ns: nd.ns, meshInterface: "bat0", interfaces: ifaces, primary: "primary0", gateway: nd.gateway, uplink: nd.gateway ? "uplink" : null }, null, 2));
  const sub = (s: string) => s.replaceAll("{state}", stateDir).replaceAll("{config}", config).replaceAll("{node}", nd.name).replaceAll("{ns}", nd.ns);
  const argv = inNs(nd.ns, spec.argv.map(sub));
  const proc = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], cwd: stateDir, env: { ...process.env, X0_NODE: nd.name, ...spec.env } });
  const a: Agent = { proc, stateDir, config, stopping: false };
  agents.set(node, a);
  proc.on("error", (e) => glog(`agent ${nd.name}: ${e.message}`));
  if (proc.pid) emit({ type: "agent_start", t: now(), node, pid: proc.pid });
  for (const stream of ["stdout", "stderr"] as const) {
    const rl = createInterface({ input: proc[stream] as NodeJS.ReadableStream });
    rl.on("line", (line) => {
      const t = now();
      let json: Record<string, unknown> | undefined;
      if (line.startsWith("{")) {
        try {
          json = JSON.parse(line);
        } catch {
          /* plain text */
        }
      }
      emit({ type: "agent", t, node, stream, line: line.slice(0, 4000), ...(json ? { json } : {}) });
    });
  }
  proc.on("exit", (code, signal) => {
    emit({ type: "agent_exit", t: now(), node, code, signal });
    if (agents.get(node)?.proc === proc) (agents.get(node) as Agent).proc = null;
  });
}
async function stopAgent(node: number, signal: NodeJS.Signals = "SIGTERM", waitMs = 5000): Promise<void> {
  const a = agents.get(node);
  const proc = a?.proc;
  if (!a || !proc) return;
  a.stopping = true;
  const done = new Promise<void>((r) => proc.once("exit", () => r()));
  proc.kill(signal);
  const ok = await Promise.race([done.then(() => true), sleep(waitMs).then(() => false)]);
  if (!ok) {
    proc.kill("SIGKILL");
    await Promise.race([done, sleep(2000)]);
  }
}

// ---------------------------------------------------------------- faults
function linkState(i: number): LinkState {
  const l = links[i];
  if (!l) throw new Error(`no link ${i}`);
  return l;
}
function nodeLinks(node: number): LinkState[] {
  return links.filter((l) => l.spec.a === node || l.spec.b === node);
}

/**
 * Watch the deaf interface for a restart (taken down by the node). A plain deaf fault
 * clears then, as a hung radio that a reset cures; a stuck one stays deaf and each
 * restart is recorded ("restarted: ..."), so a scenario can count them.
 */
function watchDeaf(node: number, l: LinkState, stuck: boolean): void {
  const nd = (plan as Plan).nodes[node] as Plan["nodes"][number];
  const ifname = l.spec.a === node ? l.spec.ifA : l.spec.ifB;
  const end = l.spec.a === node ? l.toA : l.toB;
  const mon = spawn("ip", ["-n", nd.ns, "-o", "monitor", "link"], { stdio: ["ignore", "pipe", "ignore"] });
  monitors.add(mon);
  const gen = generation;
  let up = true; // one record per down, however many messages the kernel sends
  const rl = createInterface({ input: mon.stdout as NodeJS.ReadableStream });
  rl.on("line", async (line) => {
    const m = /^\d+:\s+([^:@]+)[@:].*?<([^>]*)>/.exec(line);
    if (!m || m[1] !== ifname) return;
    const flags = (m[2] ?? "").split(",");
    const wasUp = up;
    up = flags.includes("UP");
    if (up || !end.deaf || gen !== generation) return;
    if (stuck) {
      if (!wasUp) return;
      emit({ type: "fault", t: now(), tEnd: now(), fault: { do: "deaf", node, link: l.spec.idx, stuck: true }, detail: `restarted: ${ifname} went down; still deaf (stuck)` });
      return;
    }
    // The node took its interface down: the "radio" is reset, deafness clears.
    end.deaf = false;
    mon.kill();
    monitors.delete(mon);
    await applyNetem([end]);
    emit({ type: "fault", t: now(), tEnd: now(), fault: { do: "deaf", node, link: l.spec.idx }, detail: `cleared: ${ifname} was restarted` });
  });
}

async function flap(f: Extract<Fault, { do: "flap" }>): Promise<void> {
  const l = linkState(f.link);
  const gen = generation;
  flapping.add(f.link);
  try {
    if (f.impair) return await flapImpair(l, f, gen);
    for (let i = 0; i < f.count && gen === generation; i++) {
      let t = now();
      l.flapDown = true;
      await applyCarrier([l]);
      emit({ type: "fault", t, tEnd: now(), fault: { do: "link_down", link: f.link }, detail: `flap ${i + 1}/${f.count}` });
      await sleep(f.period * (1 - f.duty) * 1000);
      if (gen !== generation) return;
      t = now();
      l.flapDown = false;
      await applyCarrier([l]);
      emit({ type: "fault", t, tEnd: now(), fault: { do: "link_up", link: f.link }, detail: `flap ${i + 1}/${f.count}` });
      await sleep(f.period * f.duty * 1000);
    }
  } finally {
    flapping.delete(f.link);
  }
}

/** A link whose impairment comes and goes: `impair` for (1 - duty) of each period, then what it had before. */
async function flapImpair(l: LinkState, f: Extract<Fault, { do: "flap" }>, gen: number): Promise<void> {
  const before = { toA: { ...l.toA.impair }, toB: { ...l.toB.impair } };
  for (let i = 0; i < f.count && gen === generation; i++) {
    let t = now();
    l.toA.impair = { ...before.toA, ...f.impair };
    l.toB.impair = { ...before.toB, ...f.impair };
    await applyNetem([l.toA, l.toB]);
    emit({ type: "fault", t, tEnd: now(), fault: { do: "set_link", link: f.link, impair: { ...f.impair } }, detail: `flap ${i + 1}/${f.count}: impaired` });
    await sleep(f.period * (1 - f.duty) * 1000);
    if (gen !== generation) return;
    t = now();
    l.toA.impair = { ...before.toA };
    l.toB.impair = { ...before.toB };
    await applyNetem([l.toA, l.toB]);
    emit({ type: "fault", t, tEnd: now(), fault: { do: "set_link", link: f.link, impair: { ...before.toA } }, detail: `flap ${i + 1}/${f.count}: restored` });
    await sleep(f.period * f.duty * 1000);
  }
}

async function fault(f: Fault): Promise<{ t: number; tEnd: number }> {
  if (!plan) throw new Error("no mesh is set up");
  const t = now();
  let detail: string | undefined;
  switch (f.do) {
    case "link_down":
    case "link_up": {
      const l = linkState(f.link);
      l.down = f.do === "link_down";
      await applyCarrier([l]);
      break;
    }
    case "link_lost":
    case "link_restore": {
      const l = linkState(f.link);
      l.toA.lost = l.toB.lost = f.do === "link_lost";
      await applyNetem([l.toA, l.toB]);
      break;
    }
    case "set_link": {
      const l = linkState(f.link);
      const dir = f.dir ?? "both";
      if (dir !== "ba") l.toB.impair = { ...f.impair };
      if (dir !== "ab") l.toA.impair = { ...f.impair };
      await applyNetem([l.toA, l.toB]);
      break;
    }
    case "flap":
      void flap(f).catch((e) => glog(`flap failed: ${String(e)}`));
      detail = "started";
      break;
    case "deaf": {
      const l = linkState(f.link);
      if (l.spec.a !== f.node && l.spec.b !== f.node) throw new Error(`node ${f.node} is not on link ${f.link}`);
      const end = l.spec.a === f.node ? l.toA : l.toB;
      end.deaf = true;
      watchDeaf(f.node, l, f.stuck === true);
      await applyNetem([end]);
      break;
    }
    case "node_crash":
      crashed.add(f.node);
      await Promise.all([applyCarrier(nodeLinks(f.node)), stopAgent(f.node, "SIGKILL")]);
      break;
    case "node_restore":
      crashed.delete(f.node);
      await applyCarrier(nodeLinks(f.node));
      startAgent(f.node);
      break;
    case "agent_kill": {
      const a = agents.get(f.node);
      if (!a?.proc) detail = "no agent running";
      else a.proc.kill((f.signal ?? "SIGKILL") as NodeJS.Signals);
      break;
    }
    case "agent_stop":
      await stopAgent(f.node);
      break;
    case "agent_start":
      startAgent(f.node);
      break;
    case "agent_restart":
      await stopAgent(f.node);
      startAgent(f.node);
      break;
    case "uplink_loss":
      // Deleting the pair first makes the uplink vanish now (netns cleanup is deferred).
      await run(["ip", "-n", `u${f.node}`, "link", "del", "wan"]);
      await must(["ip", "netns", "del", `u${f.node}`]);
      namespaces.delete(`u${f.node}`);
      break;
    case "uplink_restore":
      await uplinkUp(f.node);
      break;
    case "exec": {
      const nd = plan.nodes[f.node];
      if (!nd) throw new Error(`no node ${f.node}`);
      // {agent}: the agent binary the lab runs (scenarios ask the agents through it)
      const bin = plan.agent?.argv[0] ?? "x0tta6bl4";
      const r = await run(inNs(nd.ns, f.argv.map((a) => a.replaceAll("{agent}", bin))), { timeoutMs: 30_000 });
      // Up to 4000 characters of output: scenarios read the agents' records with it.
      detail = `exit ${r.code}${r.stdout.trim() ? `: ${r.stdout.trim().slice(0, 4000)}` : ""}${r.stderr.trim() ? ` (stderr: ${r.stderr.trim().slice(0, 300)})` : ""}`;
      break;
    }
    case "mark":
      break;
    default:
      throw new Error(`unknown fault ${(f as { do: string }).do}`);
  }
  const tEnd = now();
  emit({ type: "fault", t, tEnd, fault: f, ...(detail ? { detail } : {}) });
  return { t, tEnd };
}

async function teardown(): Promise<{ ms: number }> {
  const t = now();
  generation++;
  await Promise.all([...agents.keys()].map((n) => stopAgent(n, "SIGTERM", 3000)));
  agents.clear();
  for (const a of alfreds.values()) a.kill("SIGTERM");
  alfreds.clear();
  if (probe) {
    const p = probe;
    probe = null;
    p.kill("SIGTERM");
  }
  for (const m of monitors) m.kill();
  monitors.clear();
  if (namespaces.size) {
    const cmds = [...namespaces].map((n) => `netns del ${n}`);
    await run(["ip", "-force", "-batch", "-"], { input: `${cmds.join("\n")}\n`, timeoutMs: 120_000 });
    namespaces.clear();
  }
  rmSync(AGENT_ROOT, { recursive: true, force: true });
  plan = null;
  links = [];
  return { ms: now() - t };
}

/**
 * A slice of a file in a node's agent state directory (what an agent recorded, e.g.
 * record_features), base64; the host reads it in slices before teardown removes it.
 */
function readAgentFile(name: string, file: string, offset: number, max: number): { size: number; data: string } {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(file) || file.startsWith(".")) throw new Error(`read_agent_file: bad file name ${JSON.stringify(file)}`);
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) throw new Error(`read_agent_file: bad node name ${JSON.stringify(name)}`);
  const path = `${AGENT_ROOT}/${name}/state/${file}`;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { size: -1, data: "" };
  }
  try {
    const size = fstatSync(fd).size;
    const n = Math.max(0, Math.min(max, 4 << 20, size - offset));
    const buf = Buffer.alloc(n);
    const got = n > 0 ? readSync(fd, buf, 0, n, offset) : 0;
    return { size, data: buf.subarray(0, got).toString("base64") };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------- dispatch
type Req = { id: number; op: string; [k: string]: unknown };
async function handle(req: Req): Promise<unknown> {
  switch (req.op) {
    case "ping":
      return { t: now() };
    case "setup":
      return setup(req.plan as Plan);
    case "fault":
      return fault(req.fault as Fault);
    case "teardown":
      return teardown();
    case "exec": {
      const argv = req.argv as string[];
      const ns = req.ns as string | undefined;
      const t0 = now();
      const r = await run(ns ? inNs(ns, argv) : argv, { timeoutMs: (req.timeoutMs as number) ?? 30_000 });
      return { ...r, t0, t1: now() };
    }
    case "read_agent_file":
      return readAgentFile(String(req.node), String(req.file), Number(req.offset ?? 0), Number(req.max ?? 1 << 20));
    case "views":
      return Object.fromEntries([...views].map(([n, v]) => [n, { routes: Object.fromEntries(v.routes), raw: v.raw }]));
    case "shutdown":
      await teardown();
      // A pending read on the port occupies a libuv pool thread that process.exit()
      // would wait for: end hard, /init powers the VM off.
      setTimeout(() => process.kill(process.pid, "SIGKILL"), 100);
      return { t: now() };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

readLoop((line) => {
  let req: Req;
  try {
    req = JSON.parse(line);
  } catch {
    glog(`bad request: ${line.slice(0, 200)}`);
    return;
  }
  handle(req).then(
    (result) => send({ id: req.id, ok: true, result }),
    (e: unknown) => send({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on("uncaughtException", (e) => glog(`uncaught: ${e.stack ?? e.message}`));
process.on("unhandledRejection", (e) => glog(`unhandled rejection: ${String(e)}`));

const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
let batadv = "?";
try {
  batadv = readFileSync("/sys/module/batman_adv/version", "utf8").trim();
} catch {
  /* not loaded */
}
emit({ type: "hello", t: now(), kernel, batadv, uptime: Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) });
