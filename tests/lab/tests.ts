/// <reference types="node" />
// The lab's own tests: one VM boot, several scenarios in it, checked against batman-adv
// itself (batctl in the guest) and against the host (no QEMU, namespace or temp file
// left behind). Prints one line per test and, last, "N passed, N failed".
import { existsSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Lab, type RunOptions, type RunResult } from "./lab";
import { type AgentSpec, decodeMac } from "./protocol";
import { type Scenario, parseScenario } from "./scenario";
import { type Topology, findNode, loadTopology, subgraph } from "./topology";
import { cacheDir, runCleanups, setQuiet } from "./util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const topo = (f: string) => loadTopology(join(root, "tests/lab/topologies", f));
const verbose = process.env.X0_LAB_VERBOSE === "1";
setQuiet(!verbose);

class Fail extends Error {}
function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Fail(msg);
}

const tests: { name: string; fn: () => Promise<void> }[] = [];
const test = (name: string, fn: () => Promise<void>) => tests.push({ name, fn });

let lab: Lab | null = null;
const agentBin = join(root, "dist/x0tta6bl4");
// These tests check the lab and batman-adv themselves: the agents run, detect and
// advise, but must not heal the faults the tests inject (mode advise).
const agent: AgentSpec = { argv: [agentBin, "agent", "--state-dir", "{state}", "--config", "{config}"], config: { log_level: "debug", mode: "advise" }, env: {} };
const outBase = join(cacheDir(), "test-runs");
rmSync(outBase, { recursive: true, force: true });
const tmpBefore = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("x0lab-")));

function opts(name: string, t: Topology, scenario: Scenario, extra: Partial<RunOptions> = {}): RunOptions {
  return { topology: t, scenario, algo: "BATMAN_IV", sampleMs: 500, tqLoss: true, tqScale: 1, gateways: [], agent, outDir: join(outBase, name), ...extra };
}
const scen = (o: object): Scenario => parseScenario(JSON.stringify(o));

interface OrigLine {
  orig: string;
  router: string;
  best: boolean;
}
function parseBatctlO(out: string): OrigLine[] {
  const res: OrigLine[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*(\*)?\s*([0-9a-f:]{17})\s+\S+\s+\(\s*\d+\)\s+([0-9a-f:]{17})/.exec(line);
    if (m) res.push({ best: m[1] === "*", orig: m[2] as string, router: m[3] as string });
  }
  return res;
}

/** Polls `batctl o -H` in ns until stopped; each poll keeps the guest times around it. */
function pollBatctl(ns: string, origMac: string) {
  const polls: { t0: number; t1: number; router: string | null }[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop && lab) {
      const r = await lab.exec(["batctl", "meshif", "bat0", "o", "-H"], ns, 10_000).catch(() => null);
      if (r && r.code === 0) {
        const best = parseBatctlO(r.stdout).find((l) => l.best && l.orig === origMac);
        polls.push({ t0: r.t0, t1: r.t1, router: best?.router ?? null });
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  })();
  return {
    polls,
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

test("boots the VM with batman-adv and the host's root", async () => {
  lab = await Lab.start({ root });
  check(lab.vm.hello.batadv === "2022.3" || /^\d{4}\.\d/.test(lab.vm.hello.batadv), `batman-adv version ${lab.vm.hello.batadv}`);
  const r = await lab.exec(["sh", "-c", "batctl -v && test -r /work/main/package.json && ! touch /work/main/.lab-ro-check 2>/dev/null"]);
  check(r.code === 0, `guest checks failed: ${r.stdout} ${r.stderr}`);
  check(/batman-adv: 2022\.3/.test(r.stdout), `batctl -v: ${r.stdout}`);
});

test("5-node mesh from a real Freifunk topology converges", async () => {
  check(lab, "no VM");
  const t = subgraph(topo("freifunk-leipzig.json"), 5);
  const withAgents = existsSync(agentBin);
  const events = withAgents
    ? [
        { at: 0.5, do: "agent_kill", node: t.nodes[1]?.id },
        { after: 1, do: "agent_restart", node: t.nodes[1]?.id },
      ]
    : [];
  const r = await lab.run(opts("converge5", t, scen({ name: "converge5", events, tail: 1 })));
  const s = r.summary;
  check(s.convergenceMs !== null, "did not converge");
  check(s.convergenceMs < 30_000, `converged only after ${s.convergenceMs} ms`);
  check(s.maxSampleGapMs !== null && s.maxSampleGapMs <= 1000, `samples too sparse: largest gap ${s.maxSampleGapMs} ms`);
  check(r.timeline.recs.some((x) => x.type === "batadv"), "no full batman-adv samples recorded for a 5-node lab");
  if (withAgents) {
    const starts = r.timeline.recs.filter((x) => x.type === "agent_start");
    check(starts.length >= 5, `only ${starts.length} agents started`);
    const killed = r.timeline.recs.find((x) => x.type === "agent_exit" && x.node === 1 && x.signal === "SIGKILL");
    check(killed, "agent_kill did not show up as an agent exit by SIGKILL");
  }
});

test("link down: batctl o shows the reroute and the timeline reports it at the right time", async () => {
  check(lab, "no VM");
  const t = topo("triangle.json");
  const [A, B, C] = ["A", "B", "C"].map((x) => findNode(t, x)) as [number, number, number];
  const bMac = `02:00:00:00:00:0${B}`;
  // Make A-C-B the worse path so that A reaches B directly while the link is up.
  t.links.forEach((l) => {
    if (l.a === C || l.b === C) l.impair = { loss: 5 };
  });
  const sc = scen({
    name: "reroute",
    events: [
      { at: 0, do: "wait", until: "stable", quiet: 2, timeout: 20 },
      { after: 0, do: "link_down", link: ["A", "B"] },
      { after: 0, do: "wait", until: "rerouted", timeout: 40 },
      { after: 2, do: "mark", label: "end" },
    ],
    tail: 0,
  });
  const poll = pollBatctl(`n${A}`, bMac);
  let r: RunResult;
  try {
    r = await lab.run(opts("reroute", t, sc));
  } finally {
    await poll.stop();
  }
  const tl = r.timeline;
  const fault = tl.recs.find((x) => x.type === "fault" && x.fault.do === "link_down");
  check(fault && fault.type === "fault", "no link_down in the timeline");
  const abLink = r.plan.links.find((l) => (l.a === A && l.b === B) || (l.a === B && l.b === A))?.idx;
  const before = tl.recs.findLast((x) => x.type === "route" && x.node === A && x.orig === B && x.t < fault.t);
  check(before && before.type === "route" && before.link === abLink, `before the fault A did not reach B over A-B (${JSON.stringify(before)})`);
  const after = tl.recs.find((x) => x.type === "route" && x.node === A && x.orig === B && x.t > fault.t);
  check(after && after.type === "route", "the timeline has no route change A->B after the link went down");
  check(after.via === C, `A->B rerouted via ${after.via}, expected C (${C})`);
  // batctl, polled independently in the guest, must agree with the timeline.
  const rel = (x: number) => x - tl.t0;
  const firstNew = poll.polls.find((p) => p.router !== null && decodeMac(p.router)?.node === C && rel(p.t0) > fault.t);
  check(firstNew, `batctl o never showed A->B via C (${poll.polls.length} polls)`);
  const lastOld = poll.polls.filter((p) => p.router !== null && decodeMac(p.router)?.node === B && rel(p.t1) < rel(firstNew.t0)).at(-1);
  check(lastOld, "batctl o never showed the direct route before the reroute");
  const slack = 500 + 150; // one sample period plus scheduling
  check(after.t <= rel(firstNew.t1) + slack, `timeline reroute at ${after.t} ms but batctl showed it by ${rel(firstNew.t1).toFixed(0)} ms`);
  check(after.t >= rel(lastOld.t0) - slack, `timeline reroute at ${after.t} ms but batctl still showed the old route at ${rel(lastOld.t0).toFixed(0)} ms`);
  const fs = r.summary.faults.find((f) => f.what === "link_down");
  check(fs && fs.rerouteMs !== null && fs.rerouteMs !== undefined, "summary has no reroute time");
  // The summary's figure is when the last route that used A-B moved off it.
  const firstMove = new Map<string, number>();
  for (const x of tl.recs) {
    if (x.type === "route" && x.t > fault.t && x.prevLink === abLink && x.via !== null && !firstMove.has(`${x.node}>${x.orig}`)) firstMove.set(`${x.node}>${x.orig}`, x.t);
  }
  check(firstMove.has(`${A}>${B}`) && firstMove.has(`${B}>${A}`), "A->B and B->A did not both move");
  const last = Math.max(...firstMove.values()) - fault.t;
  check(fs.affected === firstMove.size, `summary: ${fs.affected} routes affected, timeline shows ${firstMove.size} moving off A-B`);
  check(Math.abs((fs.rerouteMs ?? -1) - last) < 1, `summary reroute ${fs.rerouteMs} ms, timeline ${last} ms`);
  check(fs.rerouteMs < 30_000, `reroute took ${fs.rerouteMs} ms`);
});

test("link lost keeps the carrier, batman-adv reroutes; restore is used again", async () => {
  check(lab, "no VM");
  const t = topo("square.json");
  const A = findNode(t, "A");
  const B = findNode(t, "B");
  const D = findNode(t, "D");
  const sc = scen({
    name: "lost",
    gateways: [],
    events: [
      { at: 0, do: "wait", until: "stable", quiet: 3, timeout: 20 },
      { after: 0, do: "link_lost", link: ["A", "B"] },
      { after: 0, do: "wait", until: "rerouted", timeout: 40 },
      { after: 0, do: "link_restore", link: ["A", "B"] },
      { after: 0, do: "wait", until: "reused", timeout: 40 },
    ],
    tail: 0,
  });
  // While the link is lost (the wire drops everything towards A), A's interface keeps its carrier.
  let carrier = "";
  let stopProbe = false;
  const probe = (async () => {
    while (!stopProbe && !carrier) {
      await new Promise((res) => setTimeout(res, 500));
      const r = await lab?.exec(["sh", "-c", `tc -n wire qdisc show dev w0a | grep -q 'loss 100%' && ip -n n${A} -o link show mesh0`]).catch(() => null);
      if (r?.code === 0) carrier = r.stdout;
    }
  })();
  let r: RunResult;
  try {
    r = await lab.run(opts("lost", t, sc));
  } finally {
    stopProbe = true;
    await probe;
  }
  check(carrier !== "", "never saw the link lost (no 100% loss on the wire)");
  check(/LOWER_UP/.test(carrier) && !/NO-CARRIER/.test(carrier), `A's interface lost its carrier while the link was lost: ${carrier}`);
  const f = r.summary.faults.find((x) => x.what === "link_lost");
  check(f?.affected && f.affected > 0, "no route used the lost link");
  check(f.rerouteMs !== null && f.rerouteMs !== undefined && f.rerouteMs < 40_000, `not rerouted (${f.rerouted}/${f.affected})`);
  const moved = r.timeline.recs.find((x) => x.type === "route" && x.node === A && x.orig === B && x.t > f.t);
  check(moved && moved.type === "route" && moved.via !== B, "A->B did not move off the lost link");
  const rs = r.summary.faults.find((x) => x.what === "link_restore");
  check(rs && rs.reuseMs !== null && rs.reuseMs !== undefined, "the restored link was not used again");
  const gw = r.timeline.recs.find((x) => x.type === "gw" && x.node === A && x.gw === D && x.up);
  check(gw, "A never saw gateway D (square.json marks D as gateway)");
});

test("deaf interface, cleared by an interface restart; gateway uplink loss", async () => {
  check(lab, "no VM");
  const t = topo("square.json");
  const D = findNode(t, "D");
  const sc = scen({
    name: "deaf-crash-uplink",
    events: [
      { at: 1, do: "deaf", node: "A", peer: "B" },
      { after: 0, do: "wait", until: "rerouted", timeout: 40 },
      // what an agent would do: reset the hung interface
      { after: 0, do: "exec", node: "A", cmd: "ip link set mesh0 down && sleep 0.2 && ip link set mesh0 up" },
      { after: 0, do: "uplink_loss", node: "D" },
      { after: 0, do: "exec", node: "D", cmd: "ip link show uplink" },
    ],
    tail: 0,
  });
  const r = await lab.run(opts("deaf", t, sc));
  const recs = r.timeline.recs;
  const deaf = r.summary.faults.find((x) => x.what === "deaf");
  check(deaf?.affected && deaf.affected > 0, "no route used the deaf interface");
  check(deaf.rerouteMs !== null && deaf.rerouteMs !== undefined, `batman-adv did not reroute around the deaf interface (${deaf.rerouted}/${deaf.affected})`);
  const cleared = recs.find((x) => x.type === "fault" && x.fault.do === "deaf" && x.detail?.startsWith("cleared"));
  check(cleared, "deafness was not cleared by the interface restart");
  const gone = recs.find((x) => x.type === "fault" && x.fault.do === "exec" && x.fault.node === D);
  check(gone && gone.type === "fault" && gone.detail?.startsWith("exit 1"), `D's uplink still exists after uplink_loss: ${gone && gone.type === "fault" ? gone.detail : ""}`);
});

test("node crash: routes through the node move, its agent is killed", async () => {
  check(lab, "no VM");
  const t = topo("square.json");
  const A = findNode(t, "A");
  const B = findNode(t, "B");
  const D = findNode(t, "D");
  const sc = scen({
    name: "crash",
    events: [
      { at: 1, do: "node_crash", node: "B" },
      { after: 0, do: "wait", until: "rerouted", timeout: 40 },
      { after: 0, do: "node_restore", node: "B" },
    ],
    tail: 1,
  });
  const r = await lab.run(opts("crash", t, sc));
  const crash = r.summary.faults.find((x) => x.what === "node_crash");
  check(crash?.affected && crash.affected > 0, "no route went through the crashed node");
  check(crash.rerouteMs !== null && crash.rerouteMs !== undefined, `routes through the crashed node were not rerouted (${crash.rerouted}/${crash.affected})`);
  const moved = r.timeline.recs.find((x) => x.type === "route" && x.node === A && x.orig === D && x.t > crash.t);
  check(moved && moved.type === "route" && moved.via !== B, "A->D still via the crashed node");
  if (existsSync(agentBin)) {
    const killed = r.timeline.recs.find((x) => x.type === "agent_exit" && x.node === B && x.t >= crash.t);
    check(killed && killed.type === "agent_exit" && killed.signal === "SIGKILL", "B's agent was not killed by the crash");
  }
});

test("teardown and shutdown leave no namespace, QEMU process or temp file", async () => {
  check(lab, "no VM");
  const ns = await lab.exec(["ip", "netns", "list"]);
  check(ns.stdout.trim() === "", `namespaces left in the guest: ${ns.stdout}`);
  const ps = await lab.exec(["sh", "-c", "ps -eo comm | grep -E 'x0tta6bl4|probe-' || true"]);
  check(ps.stdout.trim() === "", `processes left in the guest: ${ps.stdout}`);
  const pid = lab.vm.pid;
  await lab.close();
  lab = null;
  let alive = false;
  try {
    if (pid) process.kill(pid, 0);
    alive = pid !== undefined;
  } catch {
    alive = false;
  }
  check(!alive, `QEMU (pid ${pid}) still running`);
  const left = readdirSync(tmpdir()).filter((f) => f.startsWith("x0lab-") && !tmpBefore.has(f));
  check(left.length === 0, `temp files left: ${left.join(", ")}`);
});

async function main(): Promise<number> {
  let passed = 0;
  let failed = 0;
  const limit = setTimeout(() => {
    process.stdout.write("lab tests: time limit (15 min) exceeded\n");
    runCleanups();
    process.stdout.write(`${passed} passed, ${failed + 1} failed\n`);
    process.exit(1);
  }, 15 * 60_000);
  for (const t of tests) {
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      process.stdout.write(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    } catch (e) {
      failed++;
      const msg = e instanceof Fail ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      process.stdout.write(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n     ${msg.split("\n").join("\n     ")}\n`);
    }
  }
  if (lab) await lab.close().catch(() => {});
  clearTimeout(limit);
  runCleanups();
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    process.stdout.write(`lab tests crashed: ${String(e)}\n0 passed, ${tests.length} failed\n`);
    process.exit(1);
  },
);
