#!/usr/bin/env node
// The test runner behind `npm test` and `npm run test:unit`.
//
// The same tests/unit/*.test.ts files are bundled twice by esbuild: once for Node
// (run under c8 for coverage) and once for our quickjs-ng binary (`x0tta6bl4 run`).
// tests/native/*.test.ts exercise the native module against the real kernel and run
// only on the binary, also on its AddressSanitizer/UBSan build. tests/browser/*.test.ts
// drive Debian's Chromium (playwright-core) against a live agent, on Node. Quality gates (tsc,
// the linter, coverage) count as one check each. The last line is always
// "N passed, N failed" (", N skipped" when some were).
//
//   node tests/run.mjs --unit     unit tests on both engines (fast loop)
//   node tests/run.mjs --all      everything npm test runs
//   node tests/run.mjs --browser  only the Chromium tests (dashboard, LuCI view)
//   node tests/run.mjs --spire    only our SPIRE agent against a real spire-server (built
//                                 and cached by scripts/fetch-spire.sh on first use)
//   node tests/run.mjs --cross    the cross builds under qemu-user (`npm run cross` builds
//                                 them first); --arch mips,musl for some of them
//   options: --no-build, --no-lab, --filter SUBSTRING,
//            --with-cross (--all plus the big-endian MIPS musl build's unit suite and
//            smoke test under qemu-mips: about 15 min of CPU more, so not by default)
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeOptions, quickjsOptions } from '../esbuild.config.mjs';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const mode = args.includes('--all') ? 'all' : args.includes('--browser') ? 'browser' : args.includes('--cross') ? 'cross' : args.includes('--spire') ? 'spire' : 'unit';
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;
const archAt = args.indexOf('--arch');
const archList = archAt >= 0 ? (args[archAt + 1] ?? '').split(',').filter(Boolean) : undefined;
// One directory per run: concurrent runs (several developers' loops) must not
// overwrite each other's bundles.
const outDir = join(root, 'build', 'tests', String(process.pid));
// X0_TEST_BINARY: another build of the runtime to run the quickjs-ng suites on (e.g. one
// linked against mbedTLS 3.6, docs/identity.md); dist/x0tta6bl4 by default.
const binary = process.env.X0_TEST_BINARY ? resolve(process.env.X0_TEST_BINARY) : join(root, 'dist', 'x0tta6bl4');
const asanBinary = join(root, 'dist', 'x0tta6bl4-asan');
const COVERAGE_GATE = 75;

/** @type {{suite: string, passed: number, failed: number, skipped: number, note?: string}[]} */
const results = [];

function say(msg) {
  process.stdout.write(`${msg}\n`);
}

function record(suite, passed, failed, skipped = 0, note = '') {
  results.push({ suite, passed, failed, skipped, note });
  const extra = skipped ? `, ${skipped} skipped` : '';
  say(`== ${suite}: ${passed} passed, ${failed} failed${extra}${note ? ` (${note})` : ''}`);
}

/** Run a command, streaming its output, and return {code, output}. */
function run(cmd, argv, opts = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (b) => {
      output += b.toString();
      if (!opts.quiet) process.stdout.write(b);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 5 * 60 * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 128, signal, output });
    });
  });
}

function testFiles(dir) {
  const full = join(root, 'tests', dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((f) => f.endsWith('.test.ts') && (!filter || f.includes(filter)))
    .sort()
    .map((f) => join(full, f));
}

/**
 * A test file whose first line is `// node-only: <why>` tests host tooling that runs
 * on Node (the packaging tool): it is left out of the quickjs-ng bundles.
 */
function nodeOnly(file) {
  return /^\/\/ node-only: /.test(readFileSync(file, 'utf8'));
}

/** The source lines of an entry that loads every test file into uvu's queue, then runs them. */
function entryLines(files, prelude, importPath) {
  const lines = [`import ${JSON.stringify(prelude)};`, `import { exec } from 'uvu';`, 'const q = globalThis.UVU_QUEUE;'];
  files.forEach((f, i) => {
    lines.push(`q.push([${JSON.stringify(f.slice(root.length + 1))}]); globalThis.UVU_INDEX = ${i}; await import(${JSON.stringify(importPath(f))});`);
  });
  return lines;
}

/**
 * For coverage on Node: every module transpiled on its own (not bundled), with an
 * inline source map, so that c8 maps V8's block coverage back to each .ts file.
 * (Through one bundle's source map, c8 counted every line of a loaded module as
 * covered.)
 */
async function transpileForCoverage(files) {
  const dir = join(outDir, 'cov');
  rmSync(dir, { recursive: true, force: true });
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(d, e.name)] : [],
    );
  const sources = [
    ...walk(join(root, 'runtime', 'src')).filter((f) => !f.includes('/host/quickjs/')),
    ...files,
    ...walk(join(root, 'tests', 'support')),
    // The packaging tool's modules, which its (Node-only) tests import.
    ...walk(join(root, 'packages-openwrt', 'src')),
    // The model's training tools (Node only; their tests import them).
    ...walk(join(root, 'model', 'lib')),
    // The lab harness's modules (Node only; tests/unit/lab-region.test.ts imports them).
    ...walk(join(root, 'tests', 'lab')),
  ];
  const { define } = nodeOptions();
  await esbuild.build({ entryPoints: sources, outdir: dir, outbase: root, bundle: false, format: 'esm', platform: 'node', target: 'es2023', sourcemap: 'inline', define, logLevel: 'warning' });
  const toJs = (f) => join(dir, f.slice(root.length + 1)).replace(/\.ts$/, '.js');
  const lines = entryLines(files, toJs(join(root, 'tests', 'support', 'prelude-node.ts')), toJs);
  lines.push(`import { getHost } from ${JSON.stringify(toJs(join(root, 'runtime/src/host/index.ts')))};`);
  lines.push('await exec();', 'getHost().exit(globalThis.process?.exitCode ?? 0);');
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, `${lines.join('\n')}\n`);
  return entry;
}

/** Write an entry that loads every test file into uvu's queue, then runs them. */
async function bundleTests(name, files, engine, extra = {}) {
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, `${name}.entry.ts`);
  const prelude = join(root, 'tests', 'support', `prelude-${engine}.ts`);
  const lines = entryLines(files, prelude, (f) => f).map((l) => l.replaceAll('globalThis.', '(globalThis as any).'));
  // Exit explicitly: a failed test may leave a socket or timer that keeps the loop alive.
  lines.push(`import { getHost } from ${JSON.stringify(join(root, 'runtime/src/host/index.ts'))};`);
  lines.push('await exec();', 'getHost().exit((globalThis as any).process?.exitCode ?? 0);');
  writeFileSync(entry, `${lines.join('\n')}\n`);
  const outfile = join(outDir, `${name}.${engine === 'node' ? 'mjs' : 'js'}`);
  const base = engine === 'node' ? nodeOptions() : quickjsOptions();
  await esbuild.build({ ...base, entryPoints: [entry], outfile, sourcemap: engine === 'node' ? 'inline' : false, minify: false, ...extra });
  return outfile;
}

/** uvu prints "Total: N", "Passed: N", "Skipped: N" at the end. */
function parseUvu(output) {
  const num = (label) => {
    const m = output.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : null;
  };
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped') ?? 0;
  if (total === null || passed === null) return null;
  return { passed, failed: total - passed, skipped };
}

async function uvuSuite(label, cmd, argv, opts = {}) {
  const t0 = Date.now();
  const r = await run(cmd, argv, opts);
  const counts = parseUvu(r.output);
  if (!counts) {
    record(label, 0, 1, 0, `runner did not finish: exit ${r.code}${r.signal ? ` ${r.signal}` : ''}`);
    return;
  }
  // A crash after the summary (or a non-zero exit) is a failure even if tests passed.
  const crashed = r.code !== 0 && counts.failed === 0 ? 1 : 0;
  const time = opts.timed ? `${((Date.now() - t0) / 1000).toFixed(0)} s` : '';
  record(label, counts.passed, counts.failed + crashed, counts.skipped, crashed ? `exit ${r.code}` : time);
}

async function gate(label, cmd, argv, opts) {
  const r = await run(cmd, argv, opts);
  if (r.code === 0) record(label, 1, 0);
  else record(label, 0, 1, 0, `exit ${r.code}`);
  return r;
}

/** The shipped model must be what `npm run model:train` builds from model/data, byte for byte. */
async function modelGate() {
  const label = 'gate/model:train rebuilds the shipped model';
  const dir = join(outDir, 'model-train');
  const r = await run('bash', [join(root, 'scripts', 'model.sh'), 'train', '--out', dir]);
  if (r.code !== 0) return record(label, 0, 1, 0, `exit ${r.code}`);
  for (const f of ['x0tta6bl4.model', 'float-network.json']) {
    if (!readFileSync(join(dir, f)).equals(readFileSync(join(root, 'model', f)))) return record(label, 0, 1, 0, `model/${f} differs from what model:train writes`);
  }
  record(label, 1, 0);
}

async function main() {
  const started = Date.now();
  if (mode === 'cross') {
    await crossSuites();
    return finish(started);
  }
  if (!args.includes('--no-build')) {
    say('== building (npm run build)');
    const b = await run('npm', ['run', '-s', 'build']);
    if (b.code !== 0) {
      record('build', 0, 1, 0, 'npm run build failed');
      return finish(started);
    }
  }
  if (mode === 'browser') {
    await browserSuite();
    return finish(started);
  }
  if (mode === 'spire') {
    await spireSuite();
    return finish(started);
  }
  const unit = testFiles('unit');
  const unitQuickjs = unit.filter((f) => !nodeOnly(f));
  const native = testFiles('native');
  let nodeBundle;
  let qjsBundle;
  let nativeBundle = null;
  try {
    nodeBundle = await bundleTests('unit-node', unit, 'node');
    if (unitQuickjs.length) qjsBundle = await bundleTests('unit-quickjs', unitQuickjs, 'quickjs');
    if (native.length) nativeBundle = await bundleTests('native-quickjs', native, 'quickjs');
  } catch (e) {
    say(String(e.message ?? e));
    record('bundle tests', 0, 1, 0, 'esbuild could not bundle the tests');
    return finish(started);
  }

  if (mode === 'unit') {
    say(`\n== unit tests on Node (${unit.length} files)`);
    await uvuSuite('unit/node', process.execPath, ['--enable-source-maps', nodeBundle]);
  } else {
    say(`\n== unit tests on Node with coverage (${unit.length} files)`);
    rmSync(join(root, 'coverage'), { recursive: true, force: true });
    const c8 = join(root, 'node_modules', '.bin', 'c8');
    const covEntry = await transpileForCoverage(unit);
    await uvuSuite('unit/node', c8, [
      '--reporter=text-summary', '--reporter=json-summary', '--reporter=text', '--all', '--src=runtime/src',
      '--include=runtime/src/**', '--exclude=runtime/src/host/quickjs/**', '--exclude=runtime/src/main.ts',
      '--exclude=runtime/src/main-node.ts', '--exclude=**/*.d.ts', '--exclude-after-remap',
      process.execPath, '--enable-source-maps', covEntry,
    ]);
  }
  const skippedNote = unit.length > unitQuickjs.length ? `; ${unit.length - unitQuickjs.length} node-only left out` : '';
  if (qjsBundle) {
    say(`\n== unit tests on quickjs-ng (${unitQuickjs.length} files${skippedNote})`);
    await uvuSuite('unit/quickjs-ng', binary, ['run', qjsBundle]);
  }
  if (nativeBundle) {
    say(`\n== native module against the kernel (${native.length} files)`);
    await uvuSuite('native/quickjs-ng', binary, ['run', nativeBundle], { env: { X0_BINARY: binary } });
  }

  if (mode === 'all') {
    say('\n== gates');
    await coverageGate();
    await gate('gate/tsc --noEmit (strict)', join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.']);
    await gate('gate/lint (biome)', join(root, 'node_modules', '.bin', 'biome'), ['lint', 'runtime/src', 'tests', 'esbuild.config.mjs', 'packages-openwrt']);
    await modelGate();
    say('\n== C with AddressSanitizer + UndefinedBehaviorSanitizer');
    const s = await run('make', ['-s', '-C', 'runtime/native', 'sanitize']);
    if (s.code !== 0) record('sanitize/build', 0, 1, 0, 'make sanitize failed');
    else {
      // X0_BINARY: the agent processes that native tests start are the sanitized build too.
      const env = { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1', X0_BINARY: asanBinary };
      if (nativeBundle) await uvuSuite('native/asan+ubsan', asanBinary, ['run', nativeBundle], { env });
      // Under the sanitizers the interpreter is several times slower: the fuzzers run
      // fewer cases here (the plain runs above did their full counts).
      if (qjsBundle) await uvuSuite('unit/asan+ubsan', asanBinary, ['run', qjsBundle], { env: { ...env, X0_FUZZ_CASES: '10000', X0_FUZZ_CONNECTION_CASES: '2000' }, quiet: true, timeoutMs: 20 * 60 * 1000 });
    }
    if (args.includes('--with-cross')) await crossLegSuite();
    await browserSuite();
    await spireSuite();
    if (!args.includes('--no-lab')) await labSuite();
  }
  finish(started);
}

async function coverageGate() {
  const summary = join(root, 'coverage', 'coverage-summary.json');
  if (!existsSync(summary)) {
    record('gate/coverage', 0, 1, 0, 'no coverage summary');
    return;
  }
  const { total } = JSON.parse((await import('node:fs')).readFileSync(summary, 'utf8'));
  const pct = total.lines.pct;
  say(`coverage of runtime/src on Node: ${pct}% of lines (${total.lines.covered}/${total.lines.total}), gate ${COVERAGE_GATE}%`);
  if (pct >= COVERAGE_GATE) record('gate/coverage', 1, 0, 0, `${pct}% lines`);
  else record('gate/coverage', 0, 1, 0, `${pct}% lines < ${COVERAGE_GATE}%`);
}

/** The Chromium tests, on Node; playwright-core stays a package (it loads its own files). */
async function browserSuite() {
  const files = testFiles('browser');
  if (!files.length) return;
  let bundle;
  try {
    bundle = await bundleTests('browser-node', files, 'node', { external: ['playwright-core'] });
  } catch (e) {
    say(String(e.message ?? e));
    record('browser/chromium', 0, 1, 0, 'esbuild could not bundle the browser tests');
    return;
  }
  say(`\n== dashboard and LuCI view in Chromium (${files.length} files)`);
  await uvuSuite('browser/chromium', process.execPath, ['--enable-source-maps', bundle], { timeoutMs: 5 * 60 * 1000 });
}

/**
 * Our SPIRE agent against a real spire-server. scripts/fetch-spire.sh builds
 * spire-server and spire-agent from the Go module proxy into the cache the first time
 * (many minutes on 2 cores; scripts/setup.sh runs it too), then prints their directory.
 * The suite runs on the mbedTLS 3.6 build (scripts/check-mbedtls36.sh --no-tests; make
 * is incremental after the first time): SPIRE's server lets an agent without an SVID
 * attest over TLS 1.3 only, which mbedTLS 2.28 lacks. The default 2.28 build is checked
 * from there (X0_TLS12_BINARY): attestation refused with the reason, renewal working.
 */
async function spireSuite() {
  const files = testFiles('spire');
  if (!files.length) return;
  say('\n== SPIRE: spire-server and spire-agent (scripts/fetch-spire.sh; the first run builds them with Go)');
  // SPIRE_DIR: a directory that already holds spire-server and spire-agent.
  const f = process.env.SPIRE_DIR ? { code: 0, output: process.env.SPIRE_DIR } : await run('bash', [join(root, 'scripts', 'fetch-spire.sh')], { timeoutMs: 60 * 60 * 1000 });
  const dir = f.output.trim().split('\n').pop() ?? '';
  if (f.code !== 0 || !existsSync(join(dir, 'spire-server'))) {
    record('spire/quickjs-ng', 0, 1, 0, 'scripts/fetch-spire.sh failed');
    return;
  }
  // X0_TLS13_BINARY: a build with TLS 1.3 already made.
  let tls13 = process.env.X0_TLS13_BINARY ? resolve(process.env.X0_TLS13_BINARY) : join(root, 'build', 'tls36', 'x0tta6bl4');
  if (!process.env.X0_TLS13_BINARY) {
    say('== building the runtime against mbedTLS 3.6 (scripts/check-mbedtls36.sh --no-tests)');
    const b = await run('bash', [join(root, 'scripts', 'check-mbedtls36.sh'), '--no-tests'], { timeoutMs: 40 * 60 * 1000 });
    if (b.code !== 0) tls13 = '';
  }
  if (!tls13 || !existsSync(tls13)) {
    record('spire/quickjs-ng', 0, 1, 0, 'no mbedTLS 3.6 build of the runtime');
    return;
  }
  let bundle;
  try {
    bundle = await bundleTests('spire-quickjs', files, 'quickjs');
  } catch (e) {
    say(String(e.message ?? e));
    record('spire/quickjs-ng', 0, 1, 0, 'esbuild could not bundle the SPIRE tests');
    return;
  }
  say(`\n== our SPIRE agent against spire-server (${files.length} files, on ${tls13.slice(root.length + 1)})`);
  await uvuSuite('spire/quickjs-ng', tls13, ['run', bundle], { env: { SPIRE_DIR: dir, X0_BINARY: tls13, X0_TLS12_BINARY: binary }, timed: true, timeoutMs: 10 * 60 * 1000 });
}

/**
 * The cross builds that scripts/cross.sh makes (dist/<arch>/x0tta6bl4) and how this
 * x86_64 machine runs each: as its CPU under Debian's qemu-user, with -L the root of
 * that CPU's cross C library (its dynamic loader and libc); the musl build natively
 * (Debian's musl package puts its loader in /lib).
 */
const CROSS_TARGETS = [
  { arch: 'mips', runner: ['qemu-mips', '-L', '/usr/mips-linux-gnu'] },
  { arch: 'mipsel', runner: ['qemu-mipsel', '-L', '/usr/mipsel-linux-gnu'] },
  { arch: 'aarch64', runner: ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'] },
  { arch: 'musl', runner: [] },
  // Big-endian MIPS against musl, linked statically (scripts/cross.sh builds musl for it):
  // no C library root to give qemu-user.
  { arch: 'mips-musl', runner: ['qemu-mips'] },
  // 32-bit x86 against musl, static: natively, on the real kernel.
  { arch: 'i386-musl', runner: [] },
];

/**
 * Each cross build: its --version; the unit suite (the same bundle as unit/quickjs-ng);
 * a smoke test on the kernel through qemu-user: netlink, sockets, files and clock
 * (tests/native/netlink-kernel and host-native, less what qemu-user cannot do:
 * tests/support/qemu-user.ts) and mbedTLS's PKCS#10 requests checked by openssl
 * (crypto-csr); and `mesh originators` as a user runs it on a machine without
 * batman-adv: exit 1 and one line.
 */
async function crossSuites(archs = archList, extraEnv = {}) {
  const targets = CROSS_TARGETS.filter((t) => !archs || archs.includes(t.arch));
  const unknown = (archs ?? []).filter((a) => !CROSS_TARGETS.some((t) => t.arch === a));
  if (unknown.length) {
    record('cross', 0, 1, 0, `unknown --arch ${unknown.join(',')} (known: ${CROSS_TARGETS.map((t) => t.arch).join(', ')})`);
    return;
  }
  const unit = testFiles('unit').filter((f) => !nodeOnly(f));
  const smoke = testFiles('native').filter((f) => /\/(netlink-kernel|host-native|crypto-csr)\.test\.ts$/.test(f));
  let unitBundle;
  let smokeBundle;
  try {
    unitBundle = await bundleTests('unit-quickjs', unit, 'quickjs');
    if (smoke.length) smokeBundle = await bundleTests('smoke-quickjs', smoke, 'quickjs');
  } catch (e) {
    say(String(e.message ?? e));
    record('bundle tests', 0, 1, 0, 'esbuild could not bundle the tests');
    return;
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const { arch, runner } of targets) {
    const bin = join(root, 'dist', arch, 'x0tta6bl4');
    if (!existsSync(bin)) {
      record(`cross/${arch}`, 0, 1, 0, `no ${bin.slice(root.length + 1)}: npm run cross builds it`);
      continue;
    }
    const [cmd, argv] = runner.length ? [runner[0], (...a) => [...runner.slice(1), bin, ...a]] : [bin, (...a) => a];
    const env = { ...(runner.length ? { X0_QEMU_USER: arch } : {}), ...extraEnv };
    say(`\n== ${arch}: ${[cmd, ...argv()].join(' ')}`);
    const v = await run(cmd, argv('--version'), { env });
    const versionOk = v.code === 0 && new RegExp(`^x0tta6bl4 ${version.replaceAll('.', '\\.')} \\(quickjs-ng [0-9.]+\\)\n$`).test(v.output);
    record(`cross/${arch}/version`, versionOk ? 1 : 0, versionOk ? 0 : 1, 0, versionOk ? '' : `exit ${v.code}`);
    if (!versionOk) continue;
    say(`\n== ${arch}: unit tests (${unit.length} files)`);
    // A guard against a hang, not a time limit: on a machine shared with a QEMU lab the
    // mips suite took 30 min of wall clock for 10 of CPU.
    await uvuSuite(`cross/${arch}/unit`, cmd, argv('run', unitBundle), { env, timed: true, timeoutMs: 90 * 60 * 1000 });
    if (smokeBundle) {
      say(`\n== ${arch}: netlink, sockets and mbedTLS on the kernel (${smoke.length} files)`);
      await uvuSuite(`cross/${arch}/native`, cmd, argv('run', smokeBundle), { env });
    }
    const m = await run(cmd, argv('mesh', 'originators'), { env });
    const lines = m.output.trim().split('\n');
    const meshOk = m.code === 1 && lines.length === 1 && /^x0tta6bl4 mesh: \S/.test(lines[0]);
    record(`cross/${arch}/mesh-cli`, meshOk ? 1 : 0, meshOk ? 0 : 1, 0, meshOk ? '' : `exit ${m.code}, ${lines.length} lines`);
  }
}

/**
 * The opt-in cross leg of --all (--with-cross): big-endian MIPS against musl, the byte
 * order and C library of most OpenWrt routers, under qemu-mips. Not in npm test by
 * default: its unit suite alone takes about 10 minutes of CPU under qemu-user even with
 * the fuzzers cut (docs/performance.md, "Other CPUs under qemu-user"); the full
 * `npm run cross` is the long check. scripts/cross.sh builds it, the first time with
 * musl and mbedTLS for MIPS (cached in build/mips-musl/). The fuzzers with a case count
 * setting run fewer cases than natively, as under the sanitizers: the full counts ran on
 * both engines above.
 */
const CROSS_LEG_ARCH = 'mips-musl';
async function crossLegSuite() {
  const arch = CROSS_LEG_ARCH;
  say(`\n== ${arch}: building dist/${arch}/x0tta6bl4 (scripts/cross.sh --arch ${arch} --build-only; the first time also musl and mbedTLS for MIPS, a few minutes)`);
  const b = await run('bash', [join(root, 'scripts', 'cross.sh'), '--arch', arch, '--build-only'], { quiet: true, timeoutMs: 30 * 60 * 1000 });
  if (b.code !== 0) {
    say(b.output.trim().split('\n').slice(-20).join('\n'));
    record(`cross/${arch}/build`, 0, 1, 0, `scripts/cross.sh exit ${b.code}`);
    return;
  }
  await crossSuites([arch], { X0_FUZZ_CASES: '5000', X0_FUZZ_CONNECTION_CASES: '1000' });
}

/** The lab (tests/lab/test.sh) prints "N passed, N failed" as its last line. */
async function labSuite() {
  const script = join(root, 'tests', 'lab', 'test.sh');
  if (!existsSync(script)) return;
  say('\n== lab: batman-adv mesh under QEMU');
  const r = await run('bash', [script], { timeoutMs: 45 * 60 * 1000 });
  const lines = r.output.trim().split('\n');
  const m = (lines[lines.length - 1] ?? '').match(/^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/);
  if (!m) {
    record('lab', 0, 1, 0, `no summary line, exit ${r.code}`);
    return;
  }
  const failed = Number(m[2]) + (r.code !== 0 && Number(m[2]) === 0 ? 1 : 0);
  record('lab', Number(m[1]), failed, Number(m[3] ?? 0));
}

function finish(started) {
  rmSync(outDir, { recursive: true, force: true });
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  const passed = sum('passed');
  const failed = sum('failed');
  const skipped = sum('skipped');
  say(`\n${'suite'.padEnd(32)} passed  failed  skipped`);
  for (const r of results) say(`${r.suite.padEnd(32)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`);
  say(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  say(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
}

await main();
