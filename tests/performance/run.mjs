#!/usr/bin/env node
// `npm run bench`: every tests/performance/*.bench.ts runs under tinybench on Node
// and on our quickjs-ng binary, and the two are printed side by side; then
// measure-runtime.mjs measures the binary itself (size, start-up, resident memory).
//   node tests/performance/run.mjs [--filter SUBSTRING] [--time MS] [--no-runtime]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeOptions, quickjsOptions } from '../../esbuild.config.mjs';

const root = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const filter = opt('--filter', '');
const timeMs = Number(opt('--time', '500'));
const out = join(root, 'build', 'bench');
mkdirSync(out, { recursive: true });

const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const files = readdirSync(join(root, 'tests', 'performance'))
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort()
  .map((f) => join(root, 'tests', 'performance', f));

async function bundle(engine) {
  const entry = join(out, `bench-${engine}.entry.ts`);
  const lines = [
    `import ${JSON.stringify(join(root, 'tests', 'support', `prelude-${engine}.ts`))};`,
    `import ${JSON.stringify(join(root, 'tests', 'performance', 'prelude-events.ts'))};`,
    `import { Bench } from 'tinybench';`,
    `const bench = new Bench({ time: ${timeMs}, warmupTime: 100 });`,
    ...files.map((f, i) => `import { register as r${i} } from ${JSON.stringify(f)}; await r${i}(bench);`),
    'await bench.run();',
    'const rows = bench.tasks.map((t) => { const r = t.result; const lat = r?.latency; return { name: t.name, hz: r?.throughput?.mean ?? r?.hz, meanUs: (lat?.mean ?? r?.mean) * 1000, p99Us: (lat?.p99 ?? r?.p99) * 1000, samples: lat?.samples?.length ?? r?.samples?.length }; });',
    `console.log('BENCH_JSON ' + JSON.stringify(rows));`,
  ];
  writeFileSync(entry, `${lines.join('\n')}\n`);
  const outfile = join(out, `bench-${engine}.${engine === 'node' ? 'mjs' : 'js'}`);
  const base = engine === 'node' ? nodeOptions() : quickjsOptions();
  await esbuild.build({ ...base, entryPoints: [entry], outfile, minify: false });
  return outfile;
}

function runBench(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) {
    process.stderr.write(`${cmd} failed:\n${r.stdout}\n${r.stderr}\n`);
    process.exit(1);
  }
  return JSON.parse(line.slice('BENCH_JSON '.length));
}

if (files.length > 0) {
  const nodeRows = runBench(process.execPath, [await bundle('node')]);
  const qjsRows = runBench(join(root, 'dist', 'x0tta6bl4'), ['run', await bundle('quickjs')]);
  const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  console.log(`\ntinybench, ${timeMs} ms per task, mean latency in µs (p99), Node ${process.versions.node} vs quickjs-ng\n`);
  console.log(`| task | Node mean µs | Node p99 µs | quickjs-ng mean µs | quickjs-ng p99 µs | quickjs-ng / Node |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const n of nodeRows) {
    const q = qjsRows.find((r) => r.name === n.name) ?? {};
    console.log(`| ${n.name} | ${fmt(n.meanUs, 2)} | ${fmt(n.p99Us, 2)} | ${fmt(q.meanUs, 2)} | ${fmt(q.p99Us, 2)} | ${fmt(q.meanUs / n.meanUs)}x |`);
  }
  // Tasks only our binary has (e.g. TLS: Node's host has none).
  for (const q of qjsRows.filter((r) => !nodeRows.some((n) => n.name === r.name))) {
    console.log(`| ${q.name} | - | - | ${fmt(q.meanUs, 2)} | ${fmt(q.p99Us, 2)} | - |`);
  }
}
if (!args.includes('--no-runtime')) {
  const r = spawnSync(process.execPath, [join(root, 'tests', 'performance', 'measure-runtime.mjs')], { cwd: root, stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}
