/**
 * A real SPIRE server for tests: spire-server (built by scripts/fetch-spire.sh; the
 * runner passes its directory in SPIRE_DIR) on 127.0.0.1 at a free port, with a sqlite
 * datastore, the join_token node attestor, the disk KeyManager and a self-signed CA
 * (no UpstreamAuthority) with short, configurable TTLs. Join tokens and registration
 * entries are made with its own CLI over its admin socket, as an operator would.
 *
 * The process is started by `sh` in the background (its output to a log file), so the
 * test keeps running; stop() sends SIGTERM and waits for it to go.
 */
import { getHost } from '../../runtime/src/host/index.js';

export interface SpireServerOptions {
  trustDomain?: string;
  /** Lifetime of the self-signed CA (SPIRE duration, e.g. "1h"). */
  caTtl?: string;
  /** Lifetime of workload X509-SVIDs. */
  svidTtl?: string;
  /** Lifetime of agent SVIDs. */
  agentTtl?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => getHost().timers.setTimeout(r, ms));
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The directory holding spire-server and spire-agent. */
export function spireDir(): string {
  const dir = getHost().getenv('SPIRE_DIR');
  if (!dir) throw new Error('SPIRE_DIR is not set: run these tests through tests/run.mjs (it builds SPIRE with scripts/fetch-spire.sh)');
  return dir;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const net = getHost().net;
  const server = await net.listen({ family: 'inet', host: '127.0.0.1', port: 0 }, (s) => s.close(true));
  const a = server.address;
  server.close();
  if (a.family !== 'inet') throw new Error('listen on 127.0.0.1 gave a non-inet address');
  return a.port;
}

export class SpireServer {
  readonly trustDomain: string;
  readonly port: number;
  readonly dir: string;
  readonly socketPath: string;
  readonly logPath: string;
  private pid = 0;
  private readonly bin: string;

  private constructor(dir: string, port: number, private readonly opts: Required<SpireServerOptions>) {
    this.dir = dir;
    this.port = port;
    this.trustDomain = opts.trustDomain;
    this.socketPath = `${dir}/api.sock`;
    this.logPath = `${dir}/server.log`;
    this.bin = `${spireDir()}/spire-server`;
  }

  /** Write the config into `dir` (which keeps the datastore and keys across restarts) and start. */
  static async start(dir: string, options: SpireServerOptions = {}): Promise<SpireServer> {
    const opts: Required<SpireServerOptions> = {
      trustDomain: options.trustDomain ?? 'lab.x0tta6bl4',
      caTtl: options.caTtl ?? '2h',
      svidTtl: options.svidTtl ?? '10m',
      agentTtl: options.agentTtl ?? '10m',
    };
    const s = new SpireServer(dir, await freePort(), opts);
    s.writeConfig();
    await s.run();
    return s;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get agentIdPrefix(): string {
    return `spiffe://${this.trustDomain}/spire/agent/join_token/`;
  }

  private writeConfig(): void {
    const d = this.dir;
    const o = this.opts;
    const conf = `server {
  bind_address = "127.0.0.1"
  bind_port = "${this.port}"
  socket_path = "${this.socketPath}"
  trust_domain = "${o.trustDomain}"
  data_dir = "${d}/data"
  log_level = "DEBUG"
  ca_key_type = "ec-p256"
  ca_ttl = "${o.caTtl}"
  default_x509_svid_ttl = "${o.svidTtl}"
  agent_ttl = "${o.agentTtl}"
  ca_subject {
    country = ["US"]
    organization = ["x0tta6bl4 lab"]
    common_name = ""
  }
  # New entries and attested agents reach the authorized-entries cache at this pace
  # (default 5 s).
  experimental {
    cache_reload_interval = "1s"
  }
  # Tests attest and sign many times a second from one address.
  ratelimit {
    attestation = false
    signing = false
  }
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "${d}/data/datastore.sqlite3"
    }
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "disk" {
    plugin_data {
      keys_path = "${d}/data/keys.json"
    }
  }
}
`;
    const files = getHost().files;
    files.mkdirp(`${d}/data`, 0o700);
    files.writeAtomic(`${d}/server.conf`, conf, 0o600);
  }

  /** Start spire-server and wait until its admin socket answers a health check. */
  async run(): Promise<void> {
    const host = getHost();
    const script = `${shellQuote(this.bin)} run -config ${shellQuote(`${this.dir}/server.conf`)} >>${shellQuote(this.logPath)} 2>&1 </dev/null & echo $!`;
    const r = await host.processes.run(['sh', '-c', script], { timeoutMs: 5000 });
    this.pid = Number.parseInt(r.stdout.trim(), 10);
    if (!(this.pid > 0)) throw new Error(`spire-server did not start: ${r.stderr}`);
    const until = host.clock.monotonicMs() + 60_000;
    for (;;) {
      const h = await this.cli(['healthcheck', '-shallow'], 5000);
      if (h.status === 0) return;
      if (host.clock.monotonicMs() > until) throw new Error(`spire-server not healthy after 60 s; log ${this.logPath}:\n${this.logTail()}`);
      await sleep(200);
    }
  }

  /** SIGTERM, then wait until the process is gone (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    if (!this.pid) return;
    const host = getHost();
    const pid = String(this.pid);
    await host.processes.run(['kill', '-TERM', pid]);
    const until = host.clock.monotonicMs() + 15_000;
    while ((await host.processes.run(['kill', '-0', pid])).status === 0) {
      if (host.clock.monotonicMs() > until) {
        await host.processes.run(['kill', '-KILL', pid]);
        break;
      }
      await sleep(100);
    }
    this.pid = 0;
  }

  logTail(lines = 30): string {
    try {
      return getHost().files.readText(this.logPath, 4 << 20).split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Run a spire-server CLI command against the admin socket. */
  async cli(args: string[], timeoutMs = 20_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return getHost().processes.run([this.bin, ...args, '-socketPath', this.socketPath], { timeoutMs });
  }

  private async cliOk(args: string[]): Promise<string> {
    const r = await this.cli(args);
    if (r.status !== 0) throw new Error(`spire-server ${args.join(' ')}: exit ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** The server's trust bundle as PEM (the bootstrap bundle an agent starts from). */
  bundlePem(): Promise<string> {
    return this.cliOk(['bundle', 'show', '-format', 'pem']);
  }

  /**
   * A join token. With `spiffeId`, the server also registers that ID as an alias of
   * the agent it attests (parent: the agent's join_token ID).
   */
  async joinToken(spiffeId?: string, ttlSeconds = 600): Promise<string> {
    const args = ['token', 'generate', '-ttl', String(ttlSeconds)];
    if (spiffeId) args.push('-spiffeID', spiffeId);
    const out = await this.cliOk(args);
    const m = /Token:\s*([0-9a-fA-F-]+)/.exec(out);
    if (!m) throw new Error(`spire-server token generate: no token in ${JSON.stringify(out)}`);
    return m[1] as string;
  }

  /** A registration entry; returns its entry ID. */
  async createEntry(parentId: string, spiffeId: string, selectors: string[], x509SvidTtlSeconds?: number): Promise<string> {
    const args = ['entry', 'create', '-parentID', parentId, '-spiffeID', spiffeId];
    for (const s of selectors) args.push('-selector', s);
    if (x509SvidTtlSeconds !== undefined) args.push('-x509SVIDTTL', String(x509SvidTtlSeconds));
    const out = await this.cliOk(args);
    const m = /Entry ID\s*:\s*(\S+)/.exec(out);
    if (!m) throw new Error(`spire-server entry create: no entry ID in ${JSON.stringify(out)}`);
    return m[1] as string;
  }

  /** The attested agents, as `agent list` prints them. */
  listAgents(): Promise<string> {
    return this.cliOk(['agent', 'list']);
  }
}
