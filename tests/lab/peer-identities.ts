/// <reference types="node" />
// SPIFFE identities for the lab's peer-channel test, from REAL spire-servers on the
// host (tests/support/spire-server.ts; built by scripts/fetch-spire.sh): one server
// for the mesh's trust domain and one for a foreign trust domain. Each node's workload
// X509-SVID is minted with `spire-server x509 mint` and saved as the node's identity
// state file (runtime/src/spire/state.ts), in a directory the guest can read; the lab
// agents copy it into their state directory before they start.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { installHost } from "../../runtime/src/host/index.js";
import { createNodeHost } from "../../runtime/src/host/node/index.js";
import { saveState } from "../../runtime/src/spire/state.js";
import { SpireServer } from "../support/spire-server.js";

export class NoSpire extends Error {}

/** The directory with spire-server: the cache, else built now by scripts/fetch-spire.sh (many minutes the first time). */
export function spireBinaries(root: string): string {
  const f = spawnSync("bash", [join(root, "scripts/fetch-spire.sh")], { encoding: "utf8", timeout: 40 * 60_000 });
  const dir = (f.stdout ?? "").trim().split("\n").pop() ?? "";
  if (f.status !== 0 || !existsSync(join(dir, "spire-server"))) {
    throw new NoSpire(`no spire-server: scripts/fetch-spire.sh exited ${f.status}: ${(f.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`);
  }
  return dir;
}

export interface LabIdentity {
  node: string;
  spiffeId: string;
  /** Directory holding identity/identity.json (give it to the agent as the source to copy). */
  dir: string;
}

interface Minted {
  svid: Uint8Array[];
  key: Uint8Array;
  bundle: Uint8Array[];
}

function b64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

async function mint(server: SpireServer, spiffeId: string): Promise<Minted> {
  const r = await server.cli(["x509", "mint", "-spiffeID", spiffeId, "-ttl", "1h", "-output", "json"]);
  if (r.status !== 0) throw new Error(`spire-server x509 mint ${spiffeId}: ${r.stderr}${r.stdout}`);
  // spire-server 1.13 prints [{x509_svid: [base64 DER...], private_key: base64 PKCS#8 DER, root_cas: [base64 DER...]}].
  const out = JSON.parse(r.stdout) as unknown;
  const j = (Array.isArray(out) ? out[0] : out) as { x509_svid?: unknown; private_key?: unknown; root_cas?: unknown };
  const list = (v: unknown): Uint8Array[] | null => (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string") ? (v as string[]).map(b64) : null);
  const svid = list(j.x509_svid);
  const bundle = list(j.root_cas);
  if (svid === null || bundle === null || typeof j.private_key !== "string") throw new Error(`spire-server x509 mint: unexpected output ${r.stdout.slice(0, 200)}`);
  return { svid, key: b64(j.private_key), bundle };
}

export interface LabSpire {
  identities: Map<string, LabIdentity>;
  stop(): Promise<void>;
}

/**
 * Start the two servers under `base` and mint `spiffe://<td>/x0tta6bl4/<node>` for each
 * node: `nodes` maps node name to "mesh" or "foreign".
 */
export async function labIdentities(root: string, base: string, nodes: Record<string, "mesh" | "foreign">): Promise<LabSpire> {
  process.env.SPIRE_DIR = spireBinaries(root);
  installHost(createNodeHost());
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const servers: SpireServer[] = [];
  const stop = async () => {
    for (const s of servers) await s.stop();
  };
  try {
    const mesh = await SpireServer.start(join(base, "spire-mesh"), { trustDomain: "lab.x0tta6bl4", svidTtl: "1h" });
    servers.push(mesh);
    const foreign = await SpireServer.start(join(base, "spire-foreign"), { trustDomain: "foreign.x0tta6bl4", svidTtl: "1h" });
    servers.push(foreign);
    const identities = new Map<string, LabIdentity>();
    const now = Date.now();
    for (const [node, which] of Object.entries(nodes)) {
      const server = which === "mesh" ? mesh : foreign;
      const spiffeId = `spiffe://${server.trustDomain}/x0tta6bl4/${node}`;
      const m = await mint(server, spiffeId);
      const dir = join(base, "nodes", node);
      // The state file an attested agent would have (the minted SVID stands in for the agent SVID as well).
      saveState(createNodeHost().files, dir, {
        trustDomain: server.trustDomain,
        server: server.address,
        agentId: `spiffe://${server.trustDomain}/spire/agent/lab/${node}`,
        agentKey: m.key,
        agentChain: m.svid,
        bundle: m.bundle,
        reattestable: false,
        workload: { entryId: `lab-${node}`, spiffeId, privateKey: m.key, chain: m.svid },
        attestedAtMs: now,
        renewedAtMs: now,
      });
      identities.set(node, { node, spiffeId, dir });
    }
    return { identities, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
