/**
 * Our SPIRE agent next to the real spire-agent, attested to the same spire-server in one
 * run: peak resident memory (/usr/bin/time -v "Maximum resident set size") and resident
 * memory while idle (VmRSS from /proc/<pid>/status, 5 s after attestation), then the
 * time of a mutual TLS handshake to the server with our agent SVID (mbedTLS in our
 * binary). Run by tests/performance/spire-footprint.mjs on the binary; prints Markdown.
 * Env: SPIRE_DIR (spire-server, spire-agent), X0_BINARY.
 */
import '../support/prelude-quickjs.js';
import { getHost } from '../../runtime/src/host/index.js';
import { bundleFromDer } from '../../runtime/src/identity/bundle.js';
import { loadState } from '../../runtime/src/spire/state.js';
import { SpireServer, spireDir } from '../support/spire-server.js';
import { removeTree, tempDir } from '../support/tmp.js';

const host = getHost();
const binary = host.getenv('X0_BINARY') ?? 'dist/x0tta6bl4';
const TD = 'lab.x0tta6bl4';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => host.timers.setTimeout(r, ms));
}

async function sh(script: string): Promise<string> {
  const r = await host.processes.run(['sh', '-c', script], { timeoutMs: 30_000 });
  if (r.status !== 0) throw new Error(`sh: ${script}: ${r.stderr}`);
  return r.stdout.trim();
}

function vmRssKb(pid: string): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(host.files.readText(`/proc/${pid}/status`, 65536));
  return m ? Number(m[1]) : -1;
}

/** Start `argv` under /usr/bin/time -v in the background; returns the pid of the program itself. */
async function startTimed(argv: string[], log: string, timeLog: string): Promise<string> {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const timePid = await sh(`/usr/bin/time -v -o ${q(timeLog)} ${argv.map(q).join(' ')} >${q(log)} 2>&1 </dev/null & echo $!`);
  for (let i = 0; i < 100; i++) {
    const child = (await host.processes.run(['pgrep', '-P', timePid])).stdout.trim().split('\n')[0] ?? '';
    if (child) return child;
    await sleep(50);
  }
  throw new Error(`no child of /usr/bin/time (${timePid})`);
}

async function stopTimed(pid: string, timeLog: string): Promise<number> {
  await host.processes.run(['kill', '-TERM', pid]);
  for (let i = 0; i < 200; i++) {
    const t = host.files.stat(timeLog);
    if (t && t.size > 0 && /Maximum resident set size/.test(host.files.readText(timeLog, 65536))) break;
    await sleep(50);
  }
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(host.files.readText(timeLog, 65536));
  return m ? Number(m[1]) : -1;
}

async function waitFile(path: string, ms: number): Promise<void> {
  const until = host.clock.monotonicMs() + ms;
  while (host.files.stat(path) === null) {
    if (host.clock.monotonicMs() > until) throw new Error(`no ${path} after ${ms} ms`);
    await sleep(100);
  }
}

const root = tempDir('spire-footprint');
const server = await SpireServer.start(`${root}/server`, { trustDomain: TD });
try {
  const bundlePath = `${root}/bundle.pem`;
  host.files.writeAtomic(bundlePath, await server.bundlePem());
  await server.createEntry(`spiffe://${TD}/router/ours`, `spiffe://${TD}/x0tta6bl4/ours`, ['x0tta6bl4:agent']);

  // Ours: attest, then keep renewing in the foreground (--watch), idle.
  const oursDir = `${root}/ours`;
  const oursToken = await server.joinToken(`spiffe://${TD}/router/ours`);
  const oursPid = await startTimed(
    [binary, 'identity', 'attest', '--watch', '--join-token', oursToken, '--state-dir', oursDir, '--spire-server', server.address, '--trust-domain', TD, '--bundle', bundlePath],
    `${root}/ours.log`,
    `${root}/ours.time`,
  );
  await waitFile(`${oursDir}/identity/identity.json`, 30_000);
  await sleep(5000);
  const oursIdle = vmRssKb(oursPid);
  const oursMax = await stopTimed(oursPid, `${root}/ours.time`);

  // spire-agent: join_token attestor, memory KeyManager, unix workload attestor.
  const agentDir = `${root}/spire-agent`;
  host.files.mkdirp(`${agentDir}/data`, 0o700);
  const agentToken = await server.joinToken(`spiffe://${TD}/router/spire-agent`);
  host.files.writeAtomic(
    `${agentDir}/agent.conf`,
    `agent {
  data_dir = "${agentDir}/data"
  log_level = "INFO"
  server_address = "127.0.0.1"
  server_port = "${server.port}"
  socket_path = "${agentDir}/agent.sock"
  trust_bundle_path = "${bundlePath}"
  trust_domain = "${TD}"
  join_token = "${agentToken}"
}
plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`,
  );
  const agentPid = await startTimed([`${spireDir()}/spire-agent`, 'run', '-config', `${agentDir}/agent.conf`], `${root}/spire-agent.log`, `${root}/spire-agent.time`);
  const until = host.clock.monotonicMs() + 60_000;
  for (;;) {
    const h = await host.processes.run([`${spireDir()}/spire-agent`, 'healthcheck', '-socketPath', `${agentDir}/agent.sock`]);
    if (h.status === 0) break;
    if (host.clock.monotonicMs() > until) throw new Error(`spire-agent not healthy: ${host.files.readText(`${root}/spire-agent.log`, 1 << 20).slice(-2000)}`);
    await sleep(200);
  }
  await sleep(5000);
  const agentIdle = vmRssKb(agentPid);
  const agentMax = await stopTimed(agentPid, `${root}/spire-agent.time`);
  const attested = (await server.listAgents()).includes(agentToken);

  // Handshake time: mutual TLS to spire-server with our agent SVID, 20 times.
  const s = loadState(host.files, oursDir);
  if (!s.ok || s.value === null) throw new Error('our state is missing');
  const st = s.value;
  const bundle = bundleFromDer(TD, new Uint8Array(st.bundle.flatMap((d) => [...d])));
  if (!bundle.ok) throw new Error(bundle.error.message);
  const tlsConnect = host.net.tlsConnect;
  if (!tlsConnect) throw new Error('no TLS on this engine');
  const times: number[] = [];
  let version = '';
  for (let i = 0; i < 21; i++) {
    const t0 = host.clock.monotonicMs();
    const sock = await tlsConnect({ family: 'inet', host: '127.0.0.1', port: server.port }, {
      chain: st.agentChain,
      privateKey: st.agentKey,
      trust: bundle.value.x509Authorities.map((c) => c.der),
      alpn: ['h2'],
    });
    const dt = host.clock.monotonicMs() - t0;
    version = sock.version;
    sock.close(true);
    if (i > 0) times.push(dt); // the first one warms up
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? -1;

  const p = (s: string) => host.stdout.write(`${s}\n`);
  p('| process | max RSS (time -v) | VmRSS idle, 5 s after attestation |');
  p('|---|---|---|');
  p(`| x0tta6bl4 identity attest --watch (${host.engine === 'quickjs-ng' ? 'quickjs-ng' : host.engine}) | ${oursMax} kB | ${oursIdle} kB |`);
  p(`| spire-agent v1.13.3 (join_token, memory KeyManager, unix attestor)${attested ? '' : ' (NOT attested)'} | ${agentMax} kB | ${agentIdle} kB |`);
  p('');
  p(`mTLS handshake to spire-server with the agent SVID (${version}, P-256): median ${median.toFixed(1)} ms, min ${times[0]?.toFixed(1)} ms, max ${times[times.length - 1]?.toFixed(1)} ms over ${times.length}`);
} finally {
  await server.stop();
  removeTree(root);
}
host.exit(0);
