#!/usr/bin/env node
// Measures the runtime as a whole process, our binary and Node side by side in one
// run: stripped binary size, bundle size, start-up time to the first log line, and
// peak resident memory (/usr/bin/time's %M) and CPU of `agent` idle for 10 s.
//   node tests/performance/measure-runtime.mjs [--idle-seconds N] [--starts N]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const num = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const idleSeconds = num('--idle-seconds', 10);
const starts = num('--starts', 20);
const binary = join(root, 'dist', 'x0tta6bl4');
const nodeBundle = join(root, 'dist', 'x0tta6bl4-node.mjs');
const state = mkdtempSync(join(tmpdir(), 'x0-measure-'));
const agentArgs = ['agent', '--state-dir', state, '--syslog', '0', '--config', join(state, 'none.uci')];
spawnSync('sh', ['-c', `: > ${join(state, 'none.uci')}`]);

const engines = [
  { name: 'x0tta6bl4 (quickjs-ng)', cmd: binary, argv: agentArgs },
  { name: 'Node (same program)', cmd: process.execPath, argv: [nodeBundle, ...agentArgs] },
];

/** Time from spawn to the first byte on stderr (the first log line). */
function startupOnce(e) {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(e.cmd, e.argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.once('data', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      child.kill('SIGTERM');
      child.on('close', () => done(ms));
    });
  });
}

/** Peak RSS and CPU over `idleSeconds` of an idle agent, then SIGTERM and time to exit. */
function idle(e) {
  return new Promise((done) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %M %U %S', e.cmd, ...e.argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => {
      err += b;
    });
    let t0;
    setTimeout(() => {
      const kids = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n');
      t0 = process.hrtime.bigint();
      for (const k of kids) if (k) process.kill(Number(k), 'SIGTERM');
    }, idleSeconds * 1000);
    child.on('close', (code) => {
      const stopMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = err.match(/TIME (\d+) ([\d.]+) ([\d.]+)/);
      done({ code, maxRssKb: m ? Number(m[1]) : NaN, cpuS: m ? Number(m[2]) + Number(m[3]) : NaN, stopMs });
    });
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
console.log(`\nmachine: ${cpu}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores; ${spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim()}; Node ${process.versions.node}\n`);
const bundle = readFileSync(join(root, 'dist', 'x0tta6bl4.js'));
const bytecode = readFileSync(join(root, 'build', 'native', 'bundle.c'), 'utf8').match(/x0_bundle_size = (\d+)/)?.[1];
console.log('| artefact | bytes |');
console.log('|---|---:|');
console.log(`| dist/x0tta6bl4 (stripped, x86_64) | ${statSync(binary).size} |`);
console.log(`| dist/x0tta6bl4.js (minified bundle) | ${bundle.length} |`);
console.log(`| the bundle gzip -9 | ${gzipSync(bundle, { level: 9 }).length} |`);
console.log(`| the bundle as qjsc bytecode (linked in) | ${bytecode} |`);

console.log(`\n| engine | start-up to first log line, median ms | p95 ms (${starts} starts) | peak RSS idle ${idleSeconds} s, KiB | CPU in ${idleSeconds} s, s | SIGTERM to exit, ms |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const e of engines) {
  const times = [];
  for (let i = 0; i < starts; i++) times.push(await startupOnce(e));
  const r = await idle(e);
  console.log(`| ${e.name} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} | ${r.maxRssKb} | ${r.cpuS.toFixed(2)} | ${r.stopMs.toFixed(0)} (exit ${r.code}) |`);
}
rmSync(state, { recursive: true, force: true });
