// node-only: runs the OpenWrt feed's make recipes (packages-openwrt/feed) with the host's compiler.
/// <reference types="node" />
/**
 * The OpenWrt feed without the SDK (which cannot be downloaded here): its versions and
 * the quickjs-ng tarball it pins against package.json and what scripts/fetch-quickjs.sh
 * records; its committed generated files against the generator; and its recipes, run
 * for real by make with this machine's gcc and a stand-in for the SDK's rules.mk and
 * include/package.mk (tests/support/openwrt-sdk: only the variables and macros the
 * recipes use), whose install trees must hold the .ipk files' paths, modes and bytes.
 *
 * The compile is the runtime's whole build (quickjs-ng included, about a minute on two
 * cores). Its objects are kept in build/openwrt-feed/obj-cache and put back after each
 * `prepare` (which, as the SDK's, starts from an empty build directory): make then
 * rebuilds only what is older than its sources.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FEED_GENERATED } from '../../packages-openwrt/src/feed-files.js';
import { libraryDepends, readElf } from '../../packages-openwrt/src/elf.js';
import { buildIpk } from '../../packages-openwrt/src/ipk.js';
import { feedFilesOf, textInputs } from '../../packages-openwrt/src/main.js';
import { AGENT_DEPENDS, agentPackage, LUCI_DEPENDS, luciPackage, type PackageInputs } from '../../packages-openwrt/src/packages.js';
import { readTar } from '../../packages-openwrt/src/tar.js';

const root = process.cwd();
const feed = join(root, 'packages-openwrt', 'feed');
const agentDir = join(feed, 'net', 'x0tta6bl4');
const luciDir = join(feed, 'luci', 'luci-app-x0tta6bl4');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const work = join(root, 'build', 'openwrt-feed', String(process.pid));
const objCache = join(root, 'build', 'openwrt-feed', 'obj-cache');
const sdk = join(work, 'sdk');

/** `NAME:=value` of a feed Makefile. */
function makeVar(makefile: string, name: string): string {
  const m = new RegExp(`^${name}:=(.*)$`, 'm').exec(readFileSync(makefile, 'utf8')); // name may be indented, as in a define
  if (!m) throw new Error(`${makefile}: no ${name}:=`);
  return (m[1] as string).trim();
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The quickjs-ng cache of scripts/fetch-quickjs.sh (it fetches on first use). */
function quickjsCache(): string {
  const r = spawnSync('bash', [join(root, 'scripts', 'fetch-quickjs.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fetch-quickjs.sh failed: ${r.stderr}`);
  return dirname(r.stdout.trim());
}

function make(dir: string, targets: string[], extra: string[] = []): { status: number | null; out: string } {
  const r = spawnSync('nice', ['-n', '15', 'make', '-j2', '-C', dir, `TOPDIR=${sdk}`, 'TARGET_CC=cc', 'HOSTCC=cc', ...extra, ...targets], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Every path below `dir` as the .ipk's data tar names it, with its mode. */
function tree(dir: string): Map<string, { mode: number; dir: boolean }> {
  const out = new Map<string, { mode: number; dir: boolean }>();
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const st = lstatSync(join(d, name));
      const isDir = st.isDirectory();
      out.set(`./${rel}${name}${isDir ? '/' : ''}`, { mode: st.mode & 0o7777, dir: isDir });
      if (isDir) walk(join(d, name), `${rel}${name}/`);
    }
  };
  walk(dir, '');
  return out;
}

function dataEntries(ipk: Uint8Array) {
  const outer = readTar(gunzipSync(ipk));
  const data = outer.find((e) => e.name === './data.tar.gz');
  if (!data) throw new Error('no data.tar.gz');
  return readTar(gunzipSync(data.data)).filter((e) => e.name !== './');
}

/** The install tree against the package: the same paths and modes, and the same bytes except `skip`. */
function assertSameFiles(rootDir: string, ipk: Uint8Array, skip: readonly string[]): void {
  const entries = dataEntries(ipk);
  const have = tree(rootDir);
  assert.equal([...have.keys()].sort(), entries.map((e) => e.name).sort(), 'paths');
  for (const e of entries) {
    const h = have.get(e.name);
    assert.is(h?.mode.toString(8), e.mode.toString(8), `mode of ${e.name}`);
    assert.is(h?.dir, e.type === 'dir', `type of ${e.name}`);
    if (e.type === 'file' && !skip.includes(e.name)) {
      assert.ok(Buffer.from(readFileSync(join(rootDir, e.name))).equals(Buffer.from(e.data)), `bytes of ${e.name}`);
    }
  }
}

function inputs(binary: Uint8Array): PackageInputs {
  return { binary, version, release: 1, arch: 'x86_64', ...textInputs(root) };
}

const t = suite('openwrt: feed');

t('both feed packages carry package.json\'s version, release 1', () => {
  for (const dir of [agentDir, luciDir]) {
    assert.is(makeVar(join(dir, 'Makefile'), 'PKG_VERSION'), version, dir);
    assert.is(makeVar(join(dir, 'Makefile'), 'PKG_RELEASE'), '1', dir);
  }
});

t('the pinned quickjs-ng tarball is the one fetch-quickjs.sh records: its name, version and sha256 from Debian\'s signed index', () => {
  const cache = quickjsCache();
  const mk = join(agentDir, 'Makefile');
  const qjs = makeVar(mk, 'QJS_VERSION');
  assert.is(qjs, readFileSync(join(cache, 'VERSION'), 'utf8').trim(), 'the quickjs-ng version our build compiles');
  assert.is(makeVar(mk, 'PKG_SOURCE').replace('$(QJS_VERSION)', qjs), readFileSync(join(cache, 'ORIG'), 'utf8').trim());
  assert.ok(existsSync(join(cache, 'ORIG_SHA256')), `no ${cache}/ORIG_SHA256: fetch-quickjs.sh could not read Debian's source index (delete ORIG_TRIED there to try again)`);
  const pinned = makeVar(mk, 'PKG_HASH');
  assert.is(pinned, readFileSync(join(cache, 'ORIG_SHA256'), 'utf8').trim());
  // When Debian's archive served the tarball, fetch-quickjs.sh kept it: hash the file itself.
  const tarball = join(cache, readFileSync(join(cache, 'ORIG'), 'utf8').trim());
  if (existsSync(tarball)) assert.is(sha256(readFileSync(tarball)), pinned, tarball);
});

t('the generated files committed in the feed are what the package specs generate now', () => {
  const files = feedFilesOf(root, version);
  assert.equal(files.map((f) => f.path).sort(), Object.values(FEED_GENERATED).sort());
  for (const f of files) {
    const committed = readFileSync(join(feed, f.path));
    assert.ok(committed.equals(Buffer.from(f.data)), `${f.path} is stale: npm run package -- --feed-files`);
  }
});

/** The stand-in SDK, with the download the feed pins in dl/. Returns whether it is the real tarball. */
function standInSdk(): boolean {
  rmSync(work, { recursive: true, force: true });
  cpSync(join(root, 'tests', 'support', 'openwrt-sdk'), sdk, { recursive: true });
  mkdirSync(join(sdk, 'dl'));
  const cache = quickjsCache();
  const source = makeVar(join(agentDir, 'Makefile'), 'PKG_SOURCE').replace('$(QJS_VERSION)', makeVar(join(agentDir, 'Makefile'), 'QJS_VERSION'));
  const real = join(cache, source);
  if (existsSync(real)) {
    cpSync(real, join(sdk, 'dl', source));
    return true;
  }
  // Debian's archive did not serve the orig tarball here: the same C files, from
  // qjs-src, packed as an upstream tarball is (one top directory), with their mtimes.
  const r = spawnSync('tar', ['-czf', join(sdk, 'dl', source), '--transform', 's|^src|quickjs-stand-in|', '-C', cache, 'src']);
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return false;
}

const bundle = join(root, 'dist', 'x0tta6bl4.js');

t('the agent package\'s recipes (prepare, compile, install) build the runtime and install the .ipk\'s files with its modes', () => {
  const real = standInSdk();
  if (!real) console.log('  openwrt-feed: the orig tarball is not cached (Debian did not serve it); a tarball of qjs-src\'s files stands in, hash check off');
  const common = [`X0_BUNDLE=${bundle}`, ...(real ? [] : ['SKIP_HASH=1'])];
  let r = make(agentDir, ['prepare'], common);
  assert.is(r.status, 0, r.out);
  const buildDir = join(sdk, 'build_dir', `x0tta6bl4-${version}`);
  const objDir = join(buildDir, 'obj');
  if (existsSync(objCache)) cpSync(objCache, objDir, { recursive: true, preserveTimestamps: true });
  else console.log('  openwrt-feed: first run, compiling quickjs-ng and the runtime for the feed test (about a minute)');
  r = make(agentDir, ['compile'], common);
  assert.is(r.status, 0, r.out);
  // auto: bytecode, this machine and the target having one byte order (QJSC runs unless
  // the cached bundle.c is newer than the bundle).
  assert.not.match(r.out, /EMBED/, 'auto chose the source form');
  assert.ok(existsSync(join(objDir, 'bundle.c')), 'bytecode bundle.c');
  // Replaced by renames, so that a concurrent run copies a whole cache or none (and
  // when another run renamed its own in between, that one stays).
  const mine = `${objCache}.${process.pid}`;
  cpSync(objDir, mine, { recursive: true, preserveTimestamps: true });
  try {
    renameSync(objCache, `${mine}.old`);
  } catch {
    // no cache yet
  }
  try {
    renameSync(mine, objCache);
  } catch {
    // another run's cache is in place
  }
  for (const d of [mine, `${mine}.old`]) rmSync(d, { recursive: true, force: true });
  const installRoot = join(work, 'root-agent');
  r = make(agentDir, ['install'], [...common, `ROOT=${installRoot}`]);
  assert.is(r.status, 0, r.out);

  const binary = new Uint8Array(readFileSync(join(installRoot, 'usr', 'bin', 'x0tta6bl4')));
  const v = spawnSync(join(installRoot, 'usr', 'bin', 'x0tta6bl4'), ['--version'], { encoding: 'utf8' });
  assert.is(v.stdout.trim(), `x0tta6bl4 ${version} (quickjs-ng ${makeVar(join(agentDir, 'Makefile'), 'QJS_VERSION')})`);
  assert.ok(readElf(binary).needed.some((l) => l.startsWith('libmbedtls.so')), 'links libmbedtls, which DEPENDS names');
  assertSameFiles(installRoot, buildIpk(agentPackage(inputs(binary)), 0).bytes, ['./usr/bin/x0tta6bl4']);
  // DEPENDS names the .ipk's dependencies: the fixed ones and the libraries the binary links.
  const depends = makeVar(join(agentDir, 'Makefile'), '  DEPENDS').split(/\s+/).map((d) => d.replace(/^\+/, ''));
  for (const d of [...AGENT_DEPENDS.filter((p) => p !== 'libc'), ...libraryDepends(readElf(binary))]) assert.ok(depends.includes(d), `DEPENDS lacks ${d}`);

  // The other byte order's form, from the same objects: the bundle as source, compiled at start.
  const srcOut = join(work, 'x0tta6bl4-source');
  r = make(join(buildDir, 'native'), [], [
    `QJS_SRC=${join(buildDir, 'quickjs-ng', 'src')}`, `BUILD=${objDir}`, `BUNDLE=${join(buildDir, 'x0tta6bl4.js')}`,
    'BUNDLE_FORM=source', `OUT=${srcOut}`, 'CC=cc', 'STRIP=true',
  ]);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /EMBED +x0tta6bl4\.js as source/);
  const sv = spawnSync(srcOut, ['--version'], { encoding: 'utf8' });
  assert.is(sv.stdout, v.stdout, 'the source form runs the same bundle');
  const bad = spawnSync(srcOut, ['mesh', 'no-such-command'], { encoding: 'utf8' });
  const badBytecode = spawnSync(join(installRoot, 'usr', 'bin', 'x0tta6bl4'), ['mesh', 'no-such-command'], { encoding: 'utf8' });
  assert.is(bad.status, badBytecode.status);
  assert.is(bad.stderr, badBytecode.stderr);
});

t('prepare without the bundle stops with what to run', () => {
  standInSdk();
  const r = make(agentDir, ['prepare'], [`X0_BUNDLE=${join(work, 'no-bundle.js')}`, 'SKIP_HASH=1']);
  assert.is.not(r.status, 0);
  assert.match(r.out, /npm run build:js/);
});

t('the stand-in refuses a download whose sha256 is not PKG_HASH', () => {
  standInSdk();
  writeFileSync(join(sdk, 'dl', readdirSync(join(sdk, 'dl'))[0] as string), 'not quickjs-ng');
  const r = make(agentDir, ['prepare'], [`X0_BUNDLE=${bundle}`]);
  assert.is.not(r.status, 0);
  assert.match(r.out, /FAILED/);
});

t('the LuCI package\'s recipes install the LuCI .ipk\'s files, modes and bytes', () => {
  standInSdk();
  const installRoot = join(work, 'root-luci');
  for (const target of ['prepare', 'compile']) {
    const r = make(luciDir, [target]);
    assert.is(r.status, 0, r.out);
  }
  const r = make(luciDir, ['install'], [`ROOT=${installRoot}`]);
  assert.is(r.status, 0, r.out);
  assertSameFiles(installRoot, buildIpk(luciPackage(inputs(new Uint8Array(0))), 0).bytes, []);
  const depends = makeVar(join(luciDir, 'Makefile'), '  DEPENDS').split(/\s+/).map((d) => d.replace(/^\+/, ''));
  assert.equal(depends.sort(), LUCI_DEPENDS.filter((p) => p !== 'libc').sort());
});

t.after(() => rmSync(work, { recursive: true, force: true }));

t.run();
