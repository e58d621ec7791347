/// <reference types="node" />
// The lab test of the agent's dashboard: Chromium on the host loads http://<agent>/ of
// n0's agent. The guest's network is not the host's, so a small relay on the host
// hands each request the page makes to curl in namespace n0 (lab.exec) and the answer
// back with its status and headers (content type, CSP): the page, its script and its
// API calls all come from the live agent in the mesh.
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Lab } from "./lab.js";
import { WIRE_NS } from "./protocol.js";

/** What code run inside the page reads of it (tsconfig has no DOM lib). */
interface PageDoc {
  document: { getElementById(id: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } };
}

export interface DashboardLabContext {
  lab: Lab;
  root: string;
  /** Runs `body` while the mesh (with agents) is up; the namespaces n0..nN. */
  hold: (body: (namespaces: string[]) => Promise<void>) => Promise<unknown>;
  check: (cond: unknown, msg: string) => asserts cond;
}

const AGENT = "http://127.0.0.1:9478";
const FORWARDED = ["content-type", "content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options", "cache-control", "allow"];
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** One HTTP request to n0's agent through curl in n0. */
async function relay(lab: Lab, method: string, path: string, body: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const argv = ["curl", "-s", "-i", "--max-time", "15", "-X", method, ...(method === "POST" ? ["-H", "content-type: application/json", "--data-binary", body] : []), `${AGENT}${path}`];
  const r = await lab.exec(argv, "n0", 20_000);
  const at = r.stdout.indexOf("\r\n\r\n");
  if (r.code !== 0 || at < 0) return { status: 502, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: "relay", message: `curl in n0: exit ${r.code} ${r.stderr.trim()}` }) };
  const [status = "", ...lines] = r.stdout.slice(0, at).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    const k = l.slice(0, i).trim().toLowerCase();
    if (FORWARDED.includes(k)) headers[k] = l.slice(i + 1).trim();
  }
  return { status: Number(status.split(" ")[1]), headers, body: r.stdout.slice(at + 4) };
}

async function api(lab: Lab, method: string): Promise<Record<string, unknown>> {
  const r = await relay(lab, "GET", `/api/${method}`, "");
  try {
    return JSON.parse(r.body) as Record<string, unknown>;
  } catch {
    return { error: `${r.status} ${r.body.slice(0, 200)}` };
  }
}

type Node = { source: string; summary: { name: string } | null };
type Incident = { id: string; kind: string; target: string };

export async function dashboardOverMesh(c: DashboardLabContext): Promise<string[]> {
  const lab = c.lab;
  const check: (cond: unknown, msg: string) => asserts cond = c.check;
  const notes: string[] = [];
  // Loaded here: only this test needs Chromium (the lab bundle keeps playwright-core external).
  const { chromium } = await import("playwright-core");
  await c.hold(async (namespaces) => {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (d: Buffer) => chunks.push(d));
      req.on("end", () => {
        relay(lab, req.method ?? "GET", req.url ?? "/", Buffer.concat(chunks).toString("utf8")).then(
          (a) => res.writeHead(a.status, a.headers).end(a.body),
          (e: Error) => res.writeHead(502).end(String(e.message)),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    const base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      // Every node's summary in n0's alfred view (alfred syncs every 10 s).
      const t0 = Date.now();
      // A node is its alfred source address (in the lab every namespace has the same host name).
      let sources: string[] = [];
      while (Date.now() - t0 < 60_000) {
        const mesh = (await api(lab, "mesh")) as { nodes?: Node[] };
        sources = (mesh.nodes ?? []).flatMap((n) => (n.summary ? [n.source] : []));
        if (sources.length === namespaces.length) break;
        await sleep(2000);
      }
      check(sources.length === namespaces.length, `n0's alfred view has ${sources.length} of ${namespaces.length} nodes: ${sources.join(", ")}`);
      notes.push(`dashboard: alfred view complete ${Math.round((Date.now() - t0) / 1000)} s after the mesh was up`);

      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error" && !/favicon/.test(m.location().url)) errors.push(m.text());
      });
      const first = await page.goto(`${base}/`);
      check(first?.headers()["content-security-policy"]?.includes("default-src 'none'"), `the page came without the agent's CSP: ${JSON.stringify(first?.headers())}`);
      await page.waitForSelector("body[data-updated]", { timeout: 30_000 });
      await page.waitForFunction((n) => (globalThis as unknown as PageDoc).document.querySelectorAll("#topology g.x0-node").length === n, namespaces.length, { timeout: 30_000 });
      const shown = await page.$$eval("#topology g.x0-node", (gs) => gs.map((g) => g.getAttribute("data-source") ?? ""));
      check(JSON.stringify([...shown].sort()) === JSON.stringify([...sources].sort()), `graph nodes ${shown.join(", ")} vs alfred ${sources.join(", ")}`);
      const edges = await page.$$eval("#topology line", (ls) => ls.length);
      check(edges >= namespaces.length - 1, `only ${edges} edges between ${namespaces.length} nodes`);
      const neighbours = await page.$$eval("#neighbors tr.tr:not(.table-titles):not(.placeholder)", (rs) => rs.map((r) => r.textContent ?? ""));
      check(neighbours.length >= 1 && neighbours.every((r) => /TQ \d+\/255/.test(r)), `neighbours: ${neighbours.join(" | ")}`);
      check(errors.length === 0, `page errors: ${errors.join("; ")}`);

      // The fault: n0's first mesh link dies (both wire ends down: no carrier either side).
      const ifs = await lab.exec(["ip", "-o", "link", "show"], "n0");
      const ifname = /^\d+: (mesh\d+)[@:]/m.exec(ifs.stdout)?.[1] ?? "";
      check(ifname !== "", `no mesh interface in n0: ${ifs.stdout} ${ifs.stderr}`);
      const idx = ifname.slice(4);
      const before = new Set(((await api(lab, "incidents")) as { incidents?: Incident[] }).incidents?.map((i) => i.id) ?? []);
      const down = await lab.exec(["sh", "-c", `ip link set w${idx}a down && ip link set w${idx}b down`], WIRE_NS);
      check(down.code === 0, `link down: ${down.stderr}`);
      const tFault = Date.now();
      let fresh: Incident | undefined;
      try {
        while (!fresh && Date.now() - tFault < 45_000) {
          await sleep(1000);
          fresh = ((await api(lab, "incidents?open=1")) as { incidents?: Incident[] }).incidents?.find((i) => !before.has(i.id));
        }
        check(fresh, `no new incident on n0 within 45 s of taking ${ifname} down`);
        const id = fresh.id;
        await page.waitForFunction((want) => ((globalThis as unknown as PageDoc).document.getElementById("incidents")?.textContent ?? "").includes(want), id, { timeout: 30_000 });
        notes.push(`dashboard: incident ${fresh.kind} ${fresh.target} on the page ${Math.round((Date.now() - tFault) / 1000)} s after ${ifname} went down`);
        mkdirSync(join(c.root, "build", "browser"), { recursive: true });
        await page.screenshot({ path: join(c.root, "build", "browser", "dashboard-lab.png"), fullPage: true });
        // Its dry run: planned or refused, with the reason, and nothing changed.
        const row = page.locator("#incidents tr", { hasText: id });
        await row.locator("button.x0-dry-run").click();
        await page.waitForFunction(() => /Dry run: /.test((globalThis as unknown as PageDoc).document.getElementById("heal-result")?.textContent ?? ""), null, { timeout: 30_000 });
        const answer = await page.$eval("#heal-result", (e) => [...e.querySelectorAll("p, th, td")].map((x) => x.textContent ?? "").join(" "));
        check(answer.includes(id), `the dry run's answer does not name ${id}: ${answer}`);
        notes.push(`dashboard: dry run of ${id}: ${answer.replace(/\s+/g, " ").slice(0, 160)}`);
        check(errors.length === 0, `page errors: ${errors.join("; ")}`);
      } finally {
        await lab.exec(["sh", "-c", `ip link set w${idx}a up; ip link set w${idx}b up`], WIRE_NS);
      }
    } finally {
      await browser.close();
      server.close();
    }
  });
  return notes;
}
