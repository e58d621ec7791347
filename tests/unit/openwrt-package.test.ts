// node-only: tests the packaging tool (packages-openwrt/), which runs on Node on the build machine.
/// <reference types="node" />
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { controlProblems, formatControl, parseControl } from '../../packages-openwrt/src/control.js';
import { archMatches, defaultArch, isMusl, libraryDepends, readElf } from '../../packages-openwrt/src/elf.js';
import { binaryState } from '../../packages-openwrt/src/inputs.js';
import { buildIpk } from '../../packages-openwrt/src/ipk.js';
import { agentAcl, LUCI_ACL_GROUP, luciAcl, luciMenu } from '../../packages-openwrt/src/luci-json.js';
import { main } from '../../packages-openwrt/src/main.js';
import { agentPackage, luciPackage, type PackageInputs } from '../../packages-openwrt/src/packages.js';
import { readTar, type TarEntry, writeTar } from '../../packages-openwrt/src/tar.js';
import { allSettingKeys, defaultUciConfig, PACKAGE_OVERRIDES } from '../../packages-openwrt/src/uci-config.js';
import { API_METHODS } from '../../runtime/src/api/methods.js';
import { loadConfig } from '../../runtime/src/config/load.js';
import { DEFAULTS } from '../../runtime/src/config/settings.js';
import { getHost } from '../../runtime/src/host/index.js';
import { LOOP_DEFAULTS } from '../../runtime/src/loop/settings.js';

const root = process.cwd();
// One copy of dist/x0tta6bl4 for every test: others may rebuild dist/ meanwhile.
const binaryDir = mkdtempSync(join(tmpdir(), 'x0-pkg-bin-'));
const binaryPath = join(binaryDir, 'x0tta6bl4');
copyFileSync(join(root, 'dist', 'x0tta6bl4'), binaryPath);
const EPOCH = 1_700_000_000;
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

function inputs(): PackageInputs {
  const binary = new Uint8Array(readFileSync(binaryPath));
  return {
    binary,
    libraryDepends: libraryDepends(readElf(binary)),
    version,
    release: 1,
    arch: 'x86_64',
    initScript: readFileSync(join(root, 'packages-openwrt/files/x0tta6bl4.init'), 'utf8'),
    uciDefaults: readFileSync(join(root, 'packages-openwrt/files/x0tta6bl4.uci-defaults'), 'utf8'),
    luciView: readFileSync(join(root, 'packages-openwrt/luci/status.js'), 'utf8'),
    renderJs: readFileSync(join(root, 'runtime/web/render.js'), 'utf8'),
    model: new Uint8Array(readFileSync(join(root, 'model/x0tta6bl4.model'))),
  };
}

const built = { agent: buildIpk(agentPackage(inputs()), EPOCH), luci: buildIpk(luciPackage(inputs()), EPOCH) };

function members(ipk: Uint8Array): { outer: TarEntry[]; data: TarEntry[]; control: TarEntry[]; dataTar: Uint8Array } {
  const outer = readTar(gunzipSync(ipk));
  const get = (n: string) => {
    const e = outer.find((m) => m.name === n);
    if (!e) throw new Error(`no ${n} in the package`);
    return e.data;
  };
  const dataTar = new Uint8Array(gunzipSync(get('./data.tar.gz')));
  return { outer, data: readTar(dataTar), control: readTar(gunzipSync(get('./control.tar.gz'))), dataTar };
}

function entry(list: TarEntry[], name: string): TarEntry {
  const e = list.find((m) => m.name === name);
  if (!e) throw new Error(`no ${name}; have ${list.map((m) => m.name).join(' ')}`);
  return e;
}

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'x0-pkg-'));
}

const t = suite('openwrt: packages');

t('the outer archive is a gzip\'d tar of debian-binary, data.tar.gz, control.tar.gz, in that order', () => {
  for (const pkg of [built.agent, built.luci]) {
    const { outer } = members(pkg.bytes);
    assert.equal(outer.map((m) => m.name), ['./debian-binary', './data.tar.gz', './control.tar.gz']);
    assert.is(utf8(entry(outer, './debian-binary').data), '2.0\n');
    // gzip -n: no name flag, mtime 0, for outer and inner archives.
    for (const gz of [pkg.bytes, entry(outer, './data.tar.gz').data, entry(outer, './control.tar.gz').data]) {
      assert.is(gz[0], 0x1f);
      assert.is(gz[1], 0x8b);
      assert.is((gz[3] as number) & 0x08, 0, 'FNAME flag set');
      assert.equal([...gz.subarray(4, 8)], [0, 0, 0, 0], 'gzip header has a time stamp');
    }
  }
  assert.is(built.agent.fileName, `x0tta6bl4_${version}-1_x86_64.ipk`);
  assert.is(built.luci.fileName, `luci-app-x0tta6bl4_${version}-1_all.ipk`);
});

t('control fields: name, version, real OpenWrt dependencies, source, license, section, architecture, description', () => {
  const { control } = members(built.agent.bytes);
  assert.equal(control.map((m) => m.name), ['./', './conffiles', './control', './postinst', './prerm']);
  const f = parseControl(utf8(entry(control, './control').data));
  assert.equal([...f.keys()], ['Package', 'Version', 'Depends', 'Source', 'SourceName', 'License', 'Section', 'SourceDateEpoch', 'Maintainer', 'Architecture', 'Installed-Size', 'Description']);
  assert.is(f.get('Package'), 'x0tta6bl4');
  assert.is(f.get('Version'), `${version}-1`);
  // libmbedtls: dist/x0tta6bl4 links Debian's shared mbedTLS (the cross builds link it statically).
  assert.is(f.get('Depends'), 'libc, kmod-batman-adv, alfred, libmbedtls');
  assert.is(f.get('License'), 'MIT');
  assert.is(f.get('Section'), 'net');
  assert.is(f.get('Architecture'), 'x86_64');
  assert.is(f.get('SourceDateEpoch'), String(EPOCH));
  assert.ok((f.get('Description') ?? '').startsWith('Self-healing agent for batman-adv mesh routers\n'));
  const luci = parseControl(utf8(entry(members(built.luci.bytes).control, './control').data));
  assert.is(luci.get('Package'), 'luci-app-x0tta6bl4');
  assert.is(luci.get('Depends'), 'libc, luci-base, x0tta6bl4');
  assert.is(luci.get('Architecture'), 'all');
  assert.is(luci.get('Section'), 'luci');
});

t('Installed-Size is the size of the uncompressed data tar (as ipkg-build computes it), not less than the files', () => {
  for (const pkg of [built.agent, built.luci]) {
    const { control, data, dataTar } = members(pkg.bytes);
    const size = Number(parseControl(utf8(entry(control, './control').data)).get('Installed-Size'));
    assert.is(size, dataTar.length);
    const files = data.filter((e) => e.type === 'file').reduce((a, e) => a + e.data.length, 0);
    assert.ok(size >= files && size <= files + 1024 * data.length + 1024, `${size} vs ${files} bytes in files`);
  }
});

t('data: the files with their modes, root:root, one mtime, parents before children', () => {
  const { data } = members(built.agent.bytes);
  assert.equal(
    data.map((e) => e.name),
    [
      './', './etc/', './etc/config/', './etc/config/x0tta6bl4', './etc/init.d/', './etc/init.d/x0tta6bl4', './etc/uci-defaults/',
      './etc/uci-defaults/80_x0tta6bl4', './usr/', './usr/bin/', './usr/bin/x0tta6bl4', './usr/share/', './usr/share/rpcd/',
      './usr/share/rpcd/acl.d/', './usr/share/rpcd/acl.d/x0tta6bl4.json', './usr/share/x0tta6bl4/', './usr/share/x0tta6bl4/x0tta6bl4.model',
    ],
  );
  const modes = Object.fromEntries(data.map((e) => [e.name, e.mode]));
  assert.is(modes['./usr/bin/x0tta6bl4'], 0o755);
  assert.is(modes['./etc/init.d/x0tta6bl4'], 0o755);
  assert.is(modes['./etc/uci-defaults/80_x0tta6bl4'], 0o755);
  assert.is(modes['./etc/config/x0tta6bl4'], 0o644);
  assert.is(modes['./usr/share/rpcd/acl.d/x0tta6bl4.json'], 0o644);
  assert.is(modes['./usr/share/x0tta6bl4/x0tta6bl4.model'], 0o644);
  // The shipped model is the file model:train writes, byte for byte.
  const model = data.find((e) => e.name === './usr/share/x0tta6bl4/x0tta6bl4.model');
  assert.equal([...(model?.data ?? [])], [...readFileSync(join(root, 'model/x0tta6bl4.model'))]);
  for (const e of data) {
    assert.is(e.uid, 0, e.name);
    assert.is(e.gid, 0, e.name);
    assert.is(e.uname, 'root');
    assert.is(e.mtime, EPOCH, e.name);
    if (e.type === 'dir') assert.is(e.mode, 0o755, e.name);
  }
  assert.equal(entry(data, './usr/bin/x0tta6bl4').data, new Uint8Array(readFileSync(binaryPath)));
  const luci = members(built.luci.bytes).data.filter((e) => e.type === 'file').map((e) => e.name);
  assert.equal(luci.sort(), [
    './usr/share/luci/menu.d/luci-app-x0tta6bl4.json',
    './usr/share/rpcd/acl.d/luci-app-x0tta6bl4.json',
    './www/luci-static/resources/view/x0tta6bl4/status.js',
    './www/luci-static/resources/x0tta6bl4/render.js',
  ]);
});

t('LuCI: the view sits where the menu entry points; the render module is render.js as a LuCI class', () => {
  const data = members(built.luci.bytes).data;
  const menu = JSON.parse(luciMenu())['admin/status/x0tta6bl4'];
  const view = utf8(entry(data, `./www/luci-static/resources/view/${menu.action.path}.js`).data);
  assert.is(view, readFileSync(join(root, 'packages-openwrt/luci/status.js'), 'utf8'));
  // LuCI reads only the leading directive strings: the view needs these, in this order.
  assert.equal(view.match(/^'[^']*';$/gm)?.slice(0, 7), ["'use strict';", "'require view';", "'require dom';", "'require poll';", "'require rpc';", "'require ui';", "'require x0tta6bl4.render as render';"]);
  // Every ubus method it declares is one the agent registers, with parameters the agent accepts.
  const declared = [...view.matchAll(/rpc\.declare\(\{ object: 'x0tta6bl4', method: '(\w+)'/g)].map((m) => m[1]);
  assert.equal(declared, ['status', 'neighbors', 'originators', 'incidents', 'actions', 'mesh', 'links', 'mode', 'heal']);
  for (const [, method, params] of view.matchAll(/rpc\.declare\(\{ object: 'x0tta6bl4', method: '(\w+)'(?:, params: \[ ([^\]]*) \])? \}\)/g)) {
    const m = API_METHODS.find((x) => x.name === method);
    assert.ok(m, `the agent has no method ${method}`);
    for (const p of (params ?? '').split(',').map((x) => x.trim().replaceAll("'", '')).filter(Boolean)) assert.ok(m?.args[p], `${method} takes no ${p}`);
  }
  const render = utf8(entry(data, './www/luci-static/resources/x0tta6bl4/render.js').data);
  const shared = readFileSync(join(root, 'runtime/web/render.js'), 'utf8');
  assert.ok(render.startsWith("'use strict';\n'require baseclass';\n"));
  assert.ok(render.includes(shared.trimEnd()), 'the dashboard\'s functions, unchanged');
  assert.ok(render.endsWith('return baseclass.extend(X0Render);\n'));
  assert.throws(() => luciPackage({ ...inputs(), renderJs: 'function x() {}' }), /must define X0Render/);
  assert.throws(() => luciPackage({ ...inputs(), luciView: "'use strict';\n'require view';\nreturn 1;" }), /must require x0tta6bl4.render as render/);
});

t('conffiles: /etc/config/x0tta6bl4 (kept on upgrade); the LuCI package has none', () => {
  assert.is(utf8(entry(members(built.agent.bytes).control, './conffiles').data), '/etc/config/x0tta6bl4\n');
  assert.not.ok(members(built.luci.bytes).control.some((e) => e.name === './conffiles'));
  const spec = agentPackage(inputs());
  assert.throws(() => buildIpk({ ...spec, conffiles: ['/etc/config/other'] }, EPOCH), /conffile \/etc\/config\/other is not one of the package's files/);
});

t('GNU tar reads every archive the same way (names, modes, owners)', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'p.ipk'), built.agent.bytes);
    const outer = spawnSync('tar', ['-tzvf', join(dir, 'p.ipk'), '--numeric-owner'], { encoding: 'utf8' });
    assert.is(outer.status, 0, outer.stderr);
    assert.match(outer.stdout, /^-rw-r--r-- 0\/0 +4 .* \.\/debian-binary$/m);
    spawnSync('tar', ['-xzf', join(dir, 'p.ipk'), '-C', dir]);
    const data = spawnSync('tar', ['-tzvf', join(dir, 'data.tar.gz'), '--numeric-owner'], { encoding: 'utf8' });
    assert.is(data.status, 0, data.stderr);
    assert.match(data.stdout, /^-rwxr-xr-x 0\/0 +\d+ 2023-11-1\d \d\d:\d\d \.\/usr\/bin\/x0tta6bl4$/m);
    assert.match(data.stdout, /^-rw-r--r-- 0\/0 +\d+ .* \.\/etc\/config\/x0tta6bl4$/m);
    assert.is(data.stdout.trim().split('\n').length, members(built.agent.bytes).data.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('installed into an empty root as opkg unpacks it, the binary runs: --version', () => {
  const dir = tempDir();
  try {
    const rootfs = join(dir, 'root');
    writeFileSync(join(dir, built.agent.fileName), built.agent.bytes);
    assert.is(spawnSync('mkdir', ['-p', rootfs]).status, 0);
    assert.is(spawnSync('tar', ['-xzf', join(dir, built.agent.fileName), '-C', dir]).status, 0);
    assert.is(spawnSync('tar', ['-xzf', join(dir, 'data.tar.gz'), '-C', rootfs]).status, 0);
    const r = spawnSync(join(rootfs, 'usr/bin/x0tta6bl4'), ['--version'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^x0tta6bl4 ${version.replaceAll('.', '\\.')} \\(quickjs-ng [0-9.]+\\)\\n$`));
    assert.is(statSync(join(rootfs, 'etc/init.d/x0tta6bl4')).mode & 0o777, 0o755);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('the same inputs give the same bytes; another time stamp gives other bytes', () => {
  const again = buildIpk(agentPackage(inputs()), EPOCH);
  assert.equal(again.bytes, built.agent.bytes);
  assert.equal(buildIpk(luciPackage(inputs()), EPOCH).bytes, built.luci.bytes);
  assert.not.equal(buildIpk(agentPackage(inputs()), EPOCH + 1).bytes, built.agent.bytes);
});

t('npm run package twice: identical files; bad options are refused with a reason', async () => {
  const dirs = [tempDir(), tempDir()];
  try {
    const lines: string[] = [];
    const env = { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) };
    // Once through the command (packages-openwrt/run.mjs, as npm runs it), once in this process.
    const cli = spawnSync(process.execPath, ['packages-openwrt/run.mjs', '--out', dirs[0] as string, '--binary', binaryPath], { cwd: root, env, encoding: 'utf8' });
    assert.is(cli.status, 0, cli.stdout + cli.stderr);
    assert.is(await main(root, ['--out', dirs[1] as string, '--binary', binaryPath], (s) => lines.push(s), env), 0, lines.join('\n'));
    for (const name of [built.agent.fileName, built.luci.fileName]) {
      const [a, b] = dirs.map((d) => readFileSync(join(d as string, name)));
      assert.ok(a?.equals(b as Buffer), `${name} differs between two builds`);
      assert.equal(new Uint8Array(a as Buffer), name === built.agent.fileName ? built.agent.bytes : built.luci.bytes);
    }
    assert.match(lines.join('\n'), /x0tta6bl4_.*_x86_64\.ipk: \d+ bytes/);
    const say = async (argv: string[], e: NodeJS.ProcessEnv = env) => {
      const out: string[] = [];
      const code = await main(root, argv, (s) => out.push(s), e);
      return { code, out: out.join('\n') };
    };
    const wrongArch = await say(['--out', dirs[0] as string, '--binary', binaryPath, '--arch', 'mips_24kc']);
    assert.is(wrongArch.code, 2);
    assert.match(wrongArch.out, /is a x86_64 binary, not for mips_24kc/);
    const badRelease = await say(['--release', '0']);
    assert.is(badRelease.code, 2);
    assert.match(badRelease.out, /--release '0': a positive integer/);
    assert.match((await say(['--frobnicate'])).out, /unknown argument '--frobnicate'/);
    const badEpoch = await say(['--out', dirs[0] as string, '--binary', binaryPath], { ...env, SOURCE_DATE_EPOCH: 'yesterday' });
    assert.is(badEpoch.code, 1);
    assert.match(badEpoch.out, /SOURCE_DATE_EPOCH 'yesterday' is not seconds since 1970/);
    const notElf = join(dirs[0] as string, 'not-elf');
    writeFileSync(notElf, '#!/bin/sh\n');
    const script = await say(['--out', dirs[0] as string, '--binary', notElf]);
    assert.is(script.code, 2);
    assert.match(script.out, /not-elf: not an ELF file/);
    const missing = await say(['--out', dirs[0] as string, '--binary', join(dirs[0] as string, 'none')]);
    assert.is(missing.code, 1);
    assert.match(missing.out, /ENOENT.*none/);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

t('control and tar input is checked: bad names, versions, architectures and paths', () => {
  const good = { package: 'x0tta6bl4', version: '0.1.0-1', depends: ['libc'], source: 's', sourceName: 'x', license: 'MIT', section: 'net', sourceDateEpoch: 1, maintainer: 'm', architecture: 'all', installedSize: 1, description: 'd' };
  assert.equal(controlProblems(good), []);
  assert.match(controlProblems({ ...good, package: 'X0 tta' }).join(), /Package 'X0 tta'/);
  assert.match(controlProblems({ ...good, version: '0.1.0' }).join(), /Version '0.1.0': must be <version>-<release>/);
  assert.match(controlProblems({ ...good, architecture: 'mips 24kc' }).join(), /Architecture 'mips 24kc'/);
  assert.match(controlProblems({ ...good, depends: ['kmod batman'] }).join(), /Depends 'kmod batman'/);
  assert.throws(() => formatControl({ ...good, license: '' }), /License: must be one non-empty line/);
  assert.is(formatControl({ ...good, description: 'one\ntwo\n\nthree' }).split('Description: ')[1], 'one\n two\n .\n three\n');
  const f = (path: string) => ({ path, mode: 0o644, data: new Uint8Array(1) });
  assert.throws(() => writeTar([f('/etc/passwd')], 0), /must be relative/);
  assert.throws(() => writeTar([f('etc/../passwd')], 0), /'\.\.' component/);
  assert.throws(() => writeTar([f('etc/a b')], 0), /only letters, digits/);
  assert.throws(() => writeTar([f('etc'), f('etc/x')], 0), /both a file and a directory/);
  // Sorted by path component, as `tar --sort=name` walks: bin/ and its files before bin-x.
  assert.equal(readTar(writeTar([f('usr/bin-x'), f('usr/bin/b'), f('usr/bin/a')], 0)).map((e) => e.name), ['./', './usr/', './usr/bin/', './usr/bin/a', './usr/bin/b', './usr/bin-x']);
  assert.throws(() => readElf(new Uint8Array(100)), /not an ELF file/);
});

/**
 * A minimal ELF header (no sections) with one PT_INTERP program header and, for a
 * 32-bit MIPS one given fpAbi, a PT_MIPS_ABIFLAGS whose fp_abi byte is that.
 */
function elf(bits: 32 | 64, little: boolean, machine: number, interp: string, fpAbi?: number): Uint8Array {
  const b = new Uint8Array(256);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, little ? 1 : 2, 1]);
  v.setUint16(18, machine, little);
  const phoff = bits === 64 ? 64 : 52;
  const text = new TextEncoder().encode(`${interp}\0`);
  const at = 200;
  b.set(text, at);
  if (bits === 64) {
    v.setBigUint64(32, BigInt(phoff), little);
    v.setUint16(54, 56, little);
    v.setUint16(56, 1, little);
    v.setUint32(phoff, 3, little);
    v.setBigUint64(phoff + 8, BigInt(at), little);
    v.setBigUint64(phoff + 32, BigInt(text.length), little);
  } else {
    v.setUint32(28, phoff, little);
    v.setUint16(42, 32, little);
    v.setUint16(44, 1, little);
    v.setUint32(phoff, 3, little);
    v.setUint32(phoff + 4, at, little);
    v.setUint32(phoff + 16, text.length, little);
    if (fpAbi !== undefined) {
      const flags = 120; // struct mips_abiflags_v0, 24 bytes: version, isa, sizes, then fp_abi at byte 7
      v.setUint16(44, 2, little);
      v.setUint32(phoff + 32, 0x70000003, little);
      v.setUint32(phoff + 32 + 4, flags, little);
      v.setUint32(phoff + 32 + 16, 24, little);
      b.set([0, 0, 32, 2, 1, 1, 0, fpAbi], flags);
    }
  }
  return b;
}

t('the ELF header names the CPU, byte order and C library: big-endian MIPS with musl, x86_64 with glibc', () => {
  const mips = readElf(elf(32, false, 8, '/lib/ld-musl-mips-sf.so.1'));
  assert.equal(mips, { machine: 'mips', bits: 32, interpreter: '/lib/ld-musl-mips-sf.so.1', needed: [] });
  assert.is(defaultArch(mips), 'mips_24kc');
  assert.ok(isMusl(mips));
  assert.ok(archMatches(mips, 'mips_24kc'));
  assert.not.ok(archMatches(mips, 'mipsel_24kc'));
  const mipsel = readElf(elf(32, true, 8, '/lib/ld-musl-mipsel-sf.so.1'));
  assert.is(mipsel.machine, 'mipsel');
  assert.is(defaultArch(mipsel), 'mipsel_24kc');
  const a64 = readElf(elf(64, true, 183, '/lib/ld-musl-aarch64.so.1'));
  assert.is(a64.machine, 'aarch64');
  assert.ok(archMatches(a64, 'aarch64_cortex-a53'));
  const host = readElf(new Uint8Array(readFileSync(binaryPath)));
  assert.is(host.machine, 'x86_64');
  assert.is(host.bits, 64);
  assert.is(isMusl(host), /ld-musl-/.test(host.interpreter ?? 'static'));
  assert.is(defaultArch(readElf(elf(32, true, 40, '/lib/ld-musl-armhf.so.1'))), null);
});

t("MIPS float ABI from PT_MIPS_ABIFLAGS: OpenWrt's soft float, or hard float (as Debian's MIPS compilers make)", () => {
  assert.is(readElf(elf(32, false, 8, '/lib/ld-musl-mips-sf.so.1', 3)).mipsFloat, 'soft');
  assert.is(readElf(elf(32, false, 8, '/lib/ld.so.1', 1)).mipsFloat, 'hard');
  assert.is(readElf(elf(32, true, 8, '/lib/ld.so.1', 5)).mipsFloat, 'hard');
  assert.is(readElf(elf(32, true, 8, '/lib/ld-musl-mipsel-sf.so.1', 0)).mipsFloat, 'none');
  // Only MIPS says it: the same segment type means something else on another CPU.
  assert.is(readElf(elf(32, true, 40, '/lib/ld-musl-armhf.so.1', 1)).mipsFloat, undefined);
  assert.is(readElf(elf(32, false, 8, '/lib/ld-musl-mips-sf.so.1')).mipsFloat, undefined);
});

t('the shared libraries the binary links (as readelf lists them) become package dependencies: mbedTLS -> libmbedtls', () => {
  const host = readElf(new Uint8Array(readFileSync(binaryPath)));
  const r = spawnSync('readelf', ['-d', binaryPath], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const listed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  assert.equal(host.needed, listed);
  assert.ok(host.needed.some((l) => l.startsWith('libmbedtls.so')), `our binary links mbedTLS: ${host.needed.join(' ')}`);
  assert.equal(libraryDepends(host), ['libmbedtls']);
  assert.equal(libraryDepends({ ...host, needed: ['libc.so.6', 'libm.so.6'] }), []);
  assert.equal(libraryDepends({ ...host, needed: ['libatomic.so.1', 'libmbedcrypto.so.7'] }), ['libatomic', 'libmbedtls']);
});

t('dist/ is used when newer than its sources, reported stale when a source is newer, missing when absent', () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'runtime/src/loop'), { recursive: true });
    mkdirSync(join(dir, 'runtime/native'), { recursive: true });
    mkdirSync(join(dir, 'dist'));
    const bin = join(dir, 'dist/x0tta6bl4');
    assert.equal(binaryState(dir, bin), { state: 'missing' });
    const at = (path: string, s: number) => {
      writeFileSync(path, 'x');
      utimesSync(path, s, s);
    };
    at(join(dir, 'runtime/src/loop/a.ts'), 1000);
    at(join(dir, 'runtime/native/x0_module.c'), 1000);
    at(bin, 2000);
    assert.equal(binaryState(dir, bin), { state: 'fresh' });
    at(join(dir, 'runtime/src/loop/a.ts'), 3000);
    assert.equal(binaryState(dir, bin), { state: 'stale', newer: 'runtime/src/loop/a.ts' });
    at(join(dir, 'runtime/src/loop/a.ts'), 1000);
    at(join(dir, 'runtime/native/x0_module.c'), 3000);
    assert.equal(binaryState(dir, bin), { state: 'stale', newer: 'runtime/native/x0_module.c' });
    // The dashboard's files are in the binary too.
    at(join(dir, 'runtime/native/x0_module.c'), 1000);
    mkdirSync(join(dir, 'runtime/web'));
    at(join(dir, 'runtime/web/render.js'), 3000);
    assert.equal(binaryState(dir, bin), { state: 'stale', newer: 'runtime/web/render.js' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const c = suite('openwrt: init script, UCI file, ACL');

t.run();

function shellcheck(name: string, text: string): void {
  const dir = tempDir();
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = spawnSync('shellcheck', ['--shell=sh', '--severity=style', file], { encoding: 'utf8' });
    if (r.error) assert.unreachable('shellcheck is not installed (npm run setup installs it)');
    assert.is(r.status, 0, `${name}:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

c('shellcheck passes the init script, uci-defaults script, postinst and prerm (no finding at any level)', () => {
  const { data, control } = members(built.agent.bytes);
  shellcheck('x0tta6bl4.init', utf8(entry(data, './etc/init.d/x0tta6bl4').data));
  shellcheck('80_x0tta6bl4', utf8(entry(data, './etc/uci-defaults/80_x0tta6bl4').data));
  shellcheck('postinst', utf8(entry(control, './postinst').data));
  shellcheck('prerm', utf8(entry(control, './prerm').data));
});

/**
 * The init script run by sh with a minimal rc.common and procd API that print what
 * the script asks procd for, one line per call (the real ones turn the same calls
 * into ubus messages to procd).
 */
function procdCalls(action: 'start_service' | 'reload_service' | 'service_triggers'): string[] {
  const dir = tempDir();
  try {
    const script = join(dir, 'x0tta6bl4');
    writeFileSync(script, utf8(entry(members(built.agent.bytes).data, './etc/init.d/x0tta6bl4').data));
    const harness = [
      'for f in procd_open_instance procd_set_param procd_close_instance procd_send_signal procd_add_reload_trigger; do',
      '  eval "$f() { echo \\"$f \\$*\\"; }"',
      'done',
      `. ${JSON.stringify(script)}`,
      'echo "START=$START STOP=$STOP USE_PROCD=$USE_PROCD"',
      action,
    ].join('\n');
    const r = spawnSync('sh', ['-c', harness], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

c('init script: procd service, respawn with limits, output to logd; uci commit reloads with SIGHUP', () => {
  assert.equal(procdCalls('start_service'), [
    'START=95 STOP=10 USE_PROCD=1',
    'procd_open_instance agent',
    'procd_set_param command /usr/bin/x0tta6bl4 agent',
    'procd_set_param respawn 3600 5 5',
    'procd_set_param stdout 1',
    'procd_set_param stderr 1',
    'procd_close_instance',
  ]);
  assert.equal(procdCalls('service_triggers').slice(1), ['procd_add_reload_trigger x0tta6bl4']);
  assert.equal(procdCalls('reload_service').slice(1), ['procd_send_signal x0tta6bl4 agent HUP']);
  assert.match(utf8(entry(members(built.agent.bytes).data, './etc/init.d/x0tta6bl4').data), /^#!\/bin\/sh \/etc\/rc\.common\n/);
});

c('postinst and prerm hand over to OpenWrt\'s default_postinst/default_prerm, and do nothing outside OpenWrt', () => {
  const { control } = members(built.agent.bytes);
  for (const [name, fn] of [['./postinst', 'default_postinst'], ['./prerm', 'default_prerm']] as const) {
    const body = utf8(entry(control, name).data);
    assert.match(body, new RegExp(`^${fn} "\\$0" "\\$@"$`, 'm'));
    const dir = tempDir();
    try {
      // An image root without /lib/functions.sh: the script exits 0 and touches nothing.
      const file = join(dir, 'script');
      writeFileSync(file, body);
      chmodSync(file, 0o755);
      const r = spawnSync(file, [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', IPKG_INSTROOT: join(dir, 'image') } });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout + r.stderr, '');
      assert.not.ok(existsSync(join(dir, 'image')));
      // With default_postinst present it is called with the script's path and arguments.
      const lib = join(dir, 'image2', 'lib');
      spawnSync('mkdir', ['-p', lib]);
      writeFileSync(join(lib, 'functions.sh'), `${fn}() { echo "called $*"; }\n`);
      const r2 = spawnSync(file, ['configure'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', IPKG_INSTROOT: join(dir, 'image2') } });
      assert.is(r2.stdout, `called ${file} configure\n`);
      const r3 = spawnSync(file, [], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', IPKG_INSTROOT: join(dir, 'image2'), IPKG_NO_SCRIPT: '1' } });
      assert.is(r3.stdout, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

c('/etc/config/x0tta6bl4 lists every setting, and the agent reads it as its defaults (syslog off: procd logs stderr)', () => {
  const text = defaultUciConfig();
  for (const key of allSettingKeys()) assert.match(text, new RegExp(`^\\t#?(option|list) ${key} '`, 'm'), key);
  const dir = tempDir();
  try {
    const file = join(dir, 'x0tta6bl4');
    writeFileSync(file, text);
    const r = loadConfig(getHost(), { path: file, overrides: new Map() });
    if (!r.ok) assert.unreachable(r.error);
    else {
      assert.equal(r.value.loop, { ...LOOP_DEFAULTS, excludeInterfaces: [] });
      assert.equal({ ...r.value, loop: null }, { ...DEFAULTS, syslog: false, loop: null });
    }
    assert.equal(Object.keys(PACKAGE_OVERRIDES), ['syslog']);
    // Every commented example is valid when uncommented.
    writeFileSync(file, text.replaceAll(/^\t#(option|list) /gm, '\t$1 '));
    const all = loadConfig(getHost(), { path: file, overrides: new Map() });
    assert.ok(all.ok, all.ok ? '' : all.error);
    if (all.ok) assert.equal(all.value.loop.excludeInterfaces, ['wlan0']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

c('rpcd ACLs: read = every read method the agent registers, write = heal and mode only; the menu needs the LuCI group', () => {
  const names = API_METHODS.map((m) => m.name);
  for (const acl of [JSON.parse(agentAcl()).x0tta6bl4, JSON.parse(luciAcl())[LUCI_ACL_GROUP]]) {
    const read: string[] = acl.read.ubus.x0tta6bl4;
    const write: string[] = acl.write.ubus.x0tta6bl4;
    assert.equal(write, ['heal', 'mode']);
    assert.equal([...read, ...write].sort(), [...names].sort());
    // No read method changes anything, whatever its arguments.
    for (const m of API_METHODS.filter((x) => read.includes(x.name))) {
      const args = Object.fromEntries(Object.entries(m.args).map(([k, s]) => [k, s.type === 'bool' ? false : s.type === 'int' ? 1 : (s.values?.[0] ?? 'x')]));
      assert.is(m.mutating(args), false, m.name);
      assert.is(m.mutating({}), false, m.name);
    }
    assert.equal(Object.keys(acl.write), ['ubus']);
  }
  assert.equal(JSON.parse(luciAcl())[LUCI_ACL_GROUP].read.uci, ['x0tta6bl4']);
  const menu = JSON.parse(luciMenu())['admin/status/x0tta6bl4'];
  assert.equal(menu.action, { type: 'view', path: 'x0tta6bl4/status' });
  assert.equal(menu.depends.acl, [LUCI_ACL_GROUP]);
  assert.is(menu.title, 'Mesh self-healing');
});

c('the installed agent reads the packaged config, and SIGHUP (the init script\'s reload) applies a change', async () => {
  const dir = tempDir();
  const rootfs = join(dir, 'root');
  spawnSync('mkdir', ['-p', rootfs]);
  writeFileSync(join(dir, 'p.ipk'), built.agent.bytes);
  spawnSync('tar', ['-xzf', join(dir, 'p.ipk'), '-C', dir]);
  spawnSync('tar', ['-xzf', join(dir, 'data.tar.gz'), '-C', rootfs]);
  const config = join(rootfs, 'etc/config/x0tta6bl4');
  // A port the kernel just handed out and took back: free unless someone races for it.
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const agent = spawn(join(rootfs, 'usr/bin/x0tta6bl4'), ['--config', config, '--state-dir', join(dir, 'state'), '--ubus', '0', '--http', `127.0.0.1:${port}`, 'agent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  agent.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const configOf = async (): Promise<Record<string, unknown> | null> => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/config`);
      return r.ok ? ((await r.json()) as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  const until = async (ok: (c: Record<string, unknown>) => boolean, what: string) => {
    for (let i = 0; i < 100; i++) {
      const c = await configOf();
      if (c && ok(c)) return c;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.unreachable(`${what}; agent said:\n${stderr}`);
    return null;
  };
  try {
    const first = await until((c) => c.cycle_ms === 1000, 'the agent did not serve its config');
    assert.is(first?.syslog, false);
    writeFileSync(config, readFileSync(config, 'utf8').replace("option cycle_ms '1000'", "option cycle_ms '1500'"));
    agent.kill('SIGHUP');
    await until((c) => c.cycle_ms === 1500, 'SIGHUP did not reload the config');
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

c.after(() => rmSync(binaryDir, { recursive: true, force: true }));

c.run();
