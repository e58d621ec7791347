/// <reference types="node" />
// `npm run lab`: boots the lab VM, builds a mesh from a topology, runs a scenario and
// prints the timeline summary. Run with --help for the options.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Lab } from "./lab.js";
import { formatReport, readTimeline } from "./report.js";
import type { AgentSpec } from "./protocol.js";
import { type Scenario, loadScenario } from "./scenario.js";
import { loadTopology, region, subgraph } from "./topology.js";
import { LabError, cacheDir, log, runCleanups, setQuiet, warn } from "./util.js";

const HELP = `usage: npm run lab -- [options]
  --topology FILE       meshnet-lab JSON (default: the scenario's, else tests/lab/topologies/freifunk-leipzig.json)
  --nodes N             connected subgraph of N nodes, breadth-first (default: scenario's, else 5;
                        a scenario's "region" lists its nodes, and --nodes/--start/--topology set it aside)
  --start ID|NAME       start node of the subgraph (default: the one giving the most links)
  --scenario FILE       scenario JSON (default: tests/lab/scenarios/link-failure.json)
  --algo BATMAN_IV|BATMAN_V                 (default BATMAN_IV)
  --orig-interval MS    batman-adv originator interval (default: kernel's, 1000)
  --sample-ms MS        batman-adv sampling period (default 500)
  --full-samples / --changes-only   record whole tables every sample (default: when <= 10 nodes)
  --tq-loss on|off      map recorded TQ to netem loss (default on); --tq-scale K (default 1)
  --gateways ID,...     nodes with an uplink namespace and gw_mode server
  --agent-cmd "ARGV"    agent command; {state} {config} {node} {ns} are replaced
                        (default: "<repo>/dist/x0tta6bl4 agent --state-dir {state} --config {config}")
  --agent-config FILE   JSON object of extra UCI options for the agents' "agent" section
                        ("{root}" in a value is this checkout, e.g. "{root}/model/x0tta6bl4.model")
  --no-agents           do not start agents
  --collect FILE[,FILE]  copy these files from every agent's state directory to <out>/agents/<node>/
                        before teardown (default: the agent config's record_features, when relative)
  --out DIR             where the timeline and summary go (default <cache>/lab/runs/<time>)
  --converge-timeout S  (default 60 + 2 s per node)
  --timeout S           hard limit for the whole run (default 900)
  --mem MB, --cpus N, --accel auto|kvm|tcg   VM settings (default 2048, host cores, auto)
  --json                print the summary as JSON on stdout
  --report TIMELINE     print the healing report of a finished run (incidents, actions,
                        ping measurements with the route changes while they ran) and exit
                        (also written as report.txt next to every run's timeline)
  -q, --quiet           less progress output`;

async function main(): Promise<number> {
  const { values: v } = parseArgs({
    options: {
      topology: { type: "string" },
      nodes: { type: "string" },
      start: { type: "string" },
      scenario: { type: "string" },
      algo: { type: "string" },
      "orig-interval": { type: "string" },
      "sample-ms": { type: "string" },
      "full-samples": { type: "boolean" },
      "changes-only": { type: "boolean" },
      "tq-loss": { type: "string" },
      "tq-scale": { type: "string" },
      gateways: { type: "string" },
      "agent-cmd": { type: "string" },
      "agent-config": { type: "string" },
      "no-agents": { type: "boolean" },
      out: { type: "string" },
      collect: { type: "string" },
      "converge-timeout": { type: "string" },
      timeout: { type: "string" },
      mem: { type: "string" },
      cpus: { type: "string" },
      accel: { type: "string" },
      json: { type: "boolean" },
      report: { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (v.report) {
    process.stdout.write(`${formatReport(readTimeline(v.report))}\n`);
    return 0;
  }
  setQuiet(v.quiet === true);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const int = (s: string | undefined, what: string): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new LabError(`--${what} needs a number, got ${s}`);
    return n;
  };
  const hardLimit = (int(v.timeout, "timeout") ?? 900) * 1000;
  const watchdog = setTimeout(() => {
    warn(`run exceeded --timeout (${hardLimit / 1000} s); stopping`);
    runCleanups();
    process.exit(124);
  }, hardLimit);
  watchdog.unref();

  const scenario: Scenario = loadScenario(v.scenario ?? join(root, "tests/lab/scenarios/link-failure.json"));
  const topoFile = v.topology ?? scenario.topology ?? join(root, "tests/lab/topologies/freifunk-leipzig.json");
  let topo = loadTopology(topoFile);
  const n = int(v.nodes, "nodes") ?? scenario.nodes ?? Math.min(5, topo.nodes.length);
  const start = v.start ?? scenario.start;
  if (scenario.region && v.nodes === undefined && v.start === undefined && v.topology === undefined) topo = region(topo, scenario.region);
  else if (n < topo.nodes.length || start !== undefined) topo = subgraph(topo, n, start);
  const algo = (v.algo ?? scenario.algo ?? "BATMAN_IV").toUpperCase();
  if (algo !== "BATMAN_IV" && algo !== "BATMAN_V") throw new LabError(`--algo must be BATMAN_IV or BATMAN_V`);
  const accel = v.accel ?? "auto";
  if (!["auto", "kvm", "tcg"].includes(accel)) throw new LabError("--accel must be auto, kvm or tcg");

  let agent: AgentSpec | null = null;
  if (!v["no-agents"]) {
    const argv = v["agent-cmd"] ? v["agent-cmd"].split(/\s+/).filter(Boolean) : [join(root, "dist/x0tta6bl4"), "agent", "--state-dir", "{state}", "--config", "{config}"];
    let config: Record<string, unknown> = {};
    // "{root}" in a string value is this checkout (the guest sees the host's files at the same paths): e.g. the model file.
    if (v["agent-config"]) config = JSON.parse(readFileSync(v["agent-config"], "utf8").replaceAll("{root}", root));
    agent = { argv, config, env: {} };
  }

  let outDir = v.out ? resolve(v.out) : null;
  if (!outDir) {
    const runs = join(cacheDir(), "runs");
    mkdirSync(runs, { recursive: true });
    const old = readdirSync(runs).sort();
    for (const d of old.slice(0, Math.max(0, old.length - 19))) rmSync(join(runs, d), { recursive: true, force: true });
    outDir = join(runs, new Date().toISOString().replace(/[:.]/g, "-"));
  }

  const t0 = Date.now();
  const lab = await Lab.start({ root, accel: accel as "auto" | "kvm" | "tcg", ...(v.mem ? { memMb: int(v.mem, "mem") } : {}), ...(v.cpus ? { cpus: int(v.cpus, "cpus") } : {}) });
  let converged = false;
  try {
    const r = await lab.run({
      topology: topo,
      scenario,
      algo,
      sampleMs: int(v["sample-ms"], "sample-ms") ?? 500,
      ...(v["full-samples"] ? { fullSamples: true } : v["changes-only"] ? { fullSamples: false } : {}),
      ...(v["orig-interval"] || scenario.origIntervalMs ? { origIntervalMs: int(v["orig-interval"], "orig-interval") ?? scenario.origIntervalMs } : {}),
      tqLoss: (v["tq-loss"] ?? "on") !== "off",
      tqScale: int(v["tq-scale"], "tq-scale") ?? 1,
      gateways: [...(scenario.gateways ?? []), ...(v.gateways ? v.gateways.split(",") : [])],
      agent,
      outDir,
      collectAgentFiles: v.collect ? v.collect.split(",").filter(Boolean) : typeof agent?.config.record_features === "string" && !agent.config.record_features.startsWith("/") ? [agent.config.record_features] : [],
      ...(v["converge-timeout"] ? { convergeTimeoutS: int(v["converge-timeout"], "converge-timeout") } : {}),
    });
    converged = r.summary.convergenceMs !== null;
    await lab.close(outDir);
    const total = (Date.now() - t0) / 1000;
    if (v.json) process.stdout.write(`${JSON.stringify({ ...r.summary, totalS: total, timeline: r.timelineFile }, null, 2)}\n`);
    else {
      process.stdout.write(`\n=== lab summary: ${scenario.name} ===\n${r.text}\ntotal wall time: ${total.toFixed(1)} s\ntimeline: ${r.timelineFile}\n`);
    }
  } finally {
    await lab.close(outDir).catch(() => {});
    clearTimeout(watchdog);
    if (existsSync(outDir)) log(`results in ${outDir}`);
  }
  return converged ? 0 : 1;
}

main().then(
  (code) => {
    runCleanups();
    process.exit(code);
  },
  (e: unknown) => {
    if (e instanceof LabError) warn(`error: ${e.message}`);
    else warn(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    runCleanups();
    process.exit(2);
  },
);
