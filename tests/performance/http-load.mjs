#!/usr/bin/env node
// HTTP load on a real agent process, by hand (not part of npm test). Loopback only,
// bounded in time and in connections; it starts the agent, loads it, stops it.
//
//   node tests/performance/http-load.mjs [--binary dist/x0tta6bl4] [--seconds 20]
//        [--conns 200] [--slow 50] [--big-headers 50] [--big-bodies 5]
//
// During the run, at the same time:
//   --conns        keep-alive clients, each alternating GET /metrics and GET
//                  /api/status, one request in flight; after a 503 ("too many
//                  connections", Retry-After: 1) it reconnects after --retry-ms
//                  (default 1000), after any other close after 50 ms
//   --slow         slowloris clients: a request head one byte per second (again 1 s
//                  after each answer or close)
//   --big-headers  clients sending a 17 KiB header field (limit 16 KiB: 431), once a second
//   --big-bodies   clients POSTing a 100 KiB body (limit 64 KiB: 413), once a second
// Afterwards: the agent is alive, /health answers, its socket count is back to the
// baseline; then SIGTERM and its exit status. Prints one JSON object with the figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
}
const binary = opt('binary', 'dist/x0tta6bl4');
const seconds = Math.min(Number(opt('seconds', '20')), 120);
const nConns = Math.min(Number(opt('conns', '200')), 1000);
const nSlow = Math.min(Number(opt('slow', '50')), 500);
const nBigHeaders = Math.min(Number(opt('big-headers', '50')), 500);
const nBigBodies = Math.min(Number(opt('big-bodies', '5')), 100);
// After a 503 (too many connections, Retry-After: 1) a keep-alive client reconnects
// after this many ms; --retry-ms 50 turns the rejected clients into a reconnect storm.
const retryMs = Math.max(Number(opt('retry-ms', '1000')), 10);
const HOST = '127.0.0.1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function procStatus(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function socketCount(pid) {
  try {
    let n = 0;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      if (/^socket:/.test(readlinkSafe(`/proc/${pid}/fd/${fd}`))) n++;
    }
    return n;
  } catch {
    return null;
  }
}

function readlinkSafe(p) {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}

/** Responses parsed off a byte stream (content-length bodies): onResponse(status, connectionClose). */
function responseReader(onResponse) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(head)?.[1] ?? 0);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      buf = buf.subarray(end + 4 + len);
      onResponse(status, /\r\nconnection: *close/i.test(head));
    }
  };
}

/** One request on a fresh connection; resolves with the status (0: closed without an answer; 'cut-at-end': the run ended while writing slowly). */
function oneShot(port, payload, writeSlowly = 0, deadline = Infinity) {
  return new Promise((resolve) => {
    const s = net.connect(port, HOST);
    let status = 0;
    let timer = null;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(status);
    };
    s.on(
      'data',
      responseReader((st, close) => {
        status = st;
        if (close) s.end();
      }),
    );
    s.on('error', () => {});
    s.on('close', done);
    s.on('connect', () => {
      if (!writeSlowly) {
        s.write(payload);
        return;
      }
      let i = 0;
      const tick = () => {
        if (s.destroyed || i >= payload.length || Date.now() > deadline) {
          if (Date.now() > deadline) {
            status = 'cut-at-end'; // the run ended first; not the agent's doing
            s.destroy();
          }
          return;
        }
        s.write(payload.subarray(i, i + 1));
        i++;
        timer = setTimeout(tick, writeSlowly);
      };
      tick();
    });
    // Nothing waits forever: the run's deadline plus a margin.
    setTimeout(() => s.destroy(), Math.max(0, Math.min(deadline - Date.now() + 15000, 2 ** 30)));
  });
}

const counts = {};
const bump = (what, status) => {
  const k = `${what}:${status}`;
  counts[k] = (counts[k] ?? 0) + 1;
};
const latencies = [];
/** 200s per keep-alive client: how evenly the agent served them. */
let perClient = [];
/** Answers slower than 1 s: on a fresh connection (waited in the kernel's accept queue) or later. */
const slowFirst = { firstOnConnection: 0, later: 0 };
let completed = 0;

function keepAliveClient(port, deadline, index) {
  return new Promise((resolve) => {
    const paths = ['/metrics', '/api/status'];
    let n = index;
    const connect = () => {
      if (Date.now() >= deadline) return resolve();
      const s = net.connect(port, HOST);
      s.setNoDelay(true);
      let sentAt = 0;
      let inFlight = false;
      let first = true;
      let rejected = false;
      const send = () => {
        if (Date.now() >= deadline) {
          s.end();
          return;
        }
        sentAt = performance.now();
        inFlight = true;
        s.write(`GET ${paths[n++ % 2]} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: http-load\r\n\r\n`);
      };
      s.on(
        'data',
        responseReader((status, close) => {
          inFlight = false;
          bump('keepalive', status);
          if (status === 200) {
            completed++;
            perClient[index]++;
            const ms = performance.now() - sentAt;
            latencies.push(ms);
            if (ms > 1000) slowFirst[first ? 'firstOnConnection' : 'later']++;
          }
          first = false;
          rejected = status === 503;
          if (close) s.end();
          else send();
        }),
      );
      s.on('error', () => {});
      s.on('close', () => {
        if (inFlight) bump('keepalive', 'closed-without-answer');
        setTimeout(connect, rejected ? retryMs : 50);
      });
      s.on('connect', send);
    };
    connect();
  });
}

async function repeat(deadline, pauseMs, fn) {
  while (Date.now() < deadline) {
    await fn();
    if (Date.now() < deadline) await sleep(pauseMs);
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), 'x0-http-load-'));
  const agent = spawn(binary, ['agent', '--http', `${HOST}:${port}`, '--state-dir', stateDir, '--config', '/dev/null', '--syslog', '0', '--ubus', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  agent.stderr.on('data', (b) => {
    if (stderr.length < 1 << 16) stderr += b.toString();
  });
  let exit = null;
  const exited = new Promise((r) => agent.on('exit', (code, signal) => r((exit = { code, signal }))));
  const pid = agent.pid;
  try {
    // Wait for the listener.
    for (let i = 0; ; i++) {
      const st = await oneShot(port, Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 0, Date.now() + 2000);
      if (st) break;
      if (i > 100 || exit) throw new Error(`the agent did not start: ${stderr}`);
      await sleep(50);
    }
    await sleep(300);
    const baseline = { rssKiB: procStatus(pid, 'VmRSS'), sockets: socketCount(pid) };
    const started = Date.now();
    const deadline = started + seconds * 1000;
    let peakSampled = 0;
    const sampler = setInterval(() => {
      const v = procStatus(pid, 'VmRSS');
      if (v && v > peakSampled) peakSampled = v;
    }, 200);

    const slowHead = Buffer.from('GET /metrics HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slowloris\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n');
    const bigHeader = Buffer.from(`GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`);
    const bigBody = Buffer.concat([
      Buffer.from(`POST /api/status HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024}\r\n\r\n`),
      Buffer.alloc(100 * 1024, 0x20),
    ]);
    const jobs = [];
    perClient = new Array(nConns).fill(0);
    for (let i = 0; i < nConns; i++) jobs.push(keepAliveClient(port, deadline, i));
    for (let i = 0; i < nSlow; i++) jobs.push(repeat(deadline, 1000, async () => bump('slowloris', await oneShot(port, slowHead, 1000, deadline))));
    for (let i = 0; i < nBigHeaders; i++) jobs.push(repeat(deadline, 1000, async () => bump('big-header', await oneShot(port, bigHeader, 0, deadline))));
    for (let i = 0; i < nBigBodies; i++) jobs.push(repeat(deadline, 1000, async () => bump('big-body', await oneShot(port, bigBody, 0, deadline))));
    await Promise.all(jobs);
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);

    // Afterwards: alive, /health answers, sockets back to the baseline.
    await sleep(2000);
    const aliveAfter = exit === null && procStatus(pid, 'VmRSS') !== null;
    const healthAfter = await oneShot(port, Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 0, Date.now() + 5000);
    const after = { rssKiB: procStatus(pid, 'VmRSS'), peakRssKiB: procStatus(pid, 'VmHWM'), sockets: socketCount(pid) };
    agent.kill('SIGTERM');
    const stop = await Promise.race([exited, sleep(5000).then(() => null)]);
    if (!stop) agent.kill('SIGKILL');
    latencies.sort((a, b) => a - b);
    const result = {
      machine: `${process.platform} ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, ${cpuModel()}, ${os().cpus} CPUs`,
      binary,
      seconds: elapsed,
      clients: { keepAlive: nConns, slowloris: nSlow, bigHeaders: nBigHeaders, bigBodies: nBigBodies, retryMs },
      okRequests: completed,
      requestsPerSecond: Math.round(completed / elapsed),
      latencyMs: {
        p50: round(percentile(latencies, 50)),
        p90: round(percentile(latencies, 90)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies[latencies.length - 1]),
        over1s: latencies.filter((l) => l > 1000).length,
        over5s: latencies.filter((l) => l > 5000).length,
        over1sBy: slowFirst,
      },
      okPerKeepAliveClient: spread(perClient),
      statuses: counts,
      agent: { baseline, after, peakRssSampledKiB: peakSampled, aliveAfter, healthAfterStatus: healthAfter, exitAfterSigterm: stop },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!aliveAfter || !healthAfter || !stop || stop.code !== 0) process.exitCode = 1;
  } finally {
    if (exit === null) agent.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function spread(values) {
  const v = [...values].sort((a, b) => a - b);
  return { min: v[0] ?? null, p10: percentile(v, 10), median: percentile(v, 50), p90: percentile(v, 90), max: v[v.length - 1] ?? null };
}

function round(v) {
  return v == null ? null : Math.round(v * 100) / 100;
}

function cpuModel() {
  return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
}

function os() {
  return { cpus: readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length };
}

main().then(
  () => process.exit(),
  (e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    process.exit(1);
  },
);
