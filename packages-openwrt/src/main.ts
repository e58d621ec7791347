/// <reference types="node" />
/**
 * `npm run package`: x0tta6bl4_<ver>_<arch>.ipk and luci-app-x0tta6bl4_<ver>_all.ipk
 * from dist/x0tta6bl4, without the OpenWrt SDK. Options: --out DIR, --binary FILE,
 * --arch ARCH, --release N, --build (rebuild a stale dist/ under the lab's lock).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { arch as hostArch } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { archMatches, defaultArch, isMusl, libraryDepends, readElf } from './elf.js';
import { type FeedFile, feedGeneratedFiles } from './feed-files.js';
import { BUILD_LOCK, binaryState, buildUnderLock, packageVersion, sourceDateEpoch } from './inputs.js';
import { buildIpk } from './ipk.js';
import { agentPackage, luciPackage, type PackageInputs } from './packages.js';

export interface Options {
  out: string;
  binary: string | null;
  arch: string | null;
  release: number;
  build: boolean;
  feedFiles: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run package -- [--out DIR] [--binary FILE] [--arch ARCH] [--release N] [--build]
       npm run package -- --feed-files
  --out DIR      where the .ipk files go (default dist/openwrt)
  --binary FILE  the runtime for the target (default dist/x0tta6bl4, built if missing)
  --arch ARCH    OpenWrt architecture, e.g. mips_24kc (default: from the binary's ELF header)
  --release N    package release, Version <version>-N (default 1)
  --build        rebuild dist/ under ${BUILD_LOCK} when it is older than its sources
  --feed-files   only rewrite the generated files of the OpenWrt feed (packages-openwrt/feed)
SOURCE_DATE_EPOCH sets the time stamp of every entry (default: the last commit's time).`;

export function parseOptions(argv: readonly string[]): Options {
  const o: Options = { out: 'dist/openwrt', binary: null, arch: null, release: 1, build: false, feedFiles: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--out') o.out = value();
    else if (a === '--binary') o.binary = value();
    else if (a === '--arch') o.arch = value();
    else if (a === '--release') {
      const v = value();
      if (!/^[1-9][0-9]{0,5}$/.test(v)) throw new Error(`--release '${v}': a positive integer`);
      o.release = Number(v);
    } else if (a === '--build') o.build = true;
    else if (a === '--feed-files') o.feedFiles = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument '${a}'`);
  }
  return o;
}

const HOST_MACHINE: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', mips: 'mips', mipsel: 'mipsel', arm: 'arm', ia32: 'i386' };

/** The inputs that are text files in the checkout. */
export function textInputs(root: string): Pick<PackageInputs, 'initScript' | 'uciDefaults' | 'luciView' | 'renderJs' | 'model'> {
  return {
    model: new Uint8Array(readFileSync(join(root, 'model', 'x0tta6bl4.model'))),
    initScript: readFileSync(join(root, 'packages-openwrt', 'files', 'x0tta6bl4.init'), 'utf8'),
    uciDefaults: readFileSync(join(root, 'packages-openwrt', 'files', 'x0tta6bl4.uci-defaults'), 'utf8'),
    luciView: readFileSync(join(root, 'packages-openwrt', 'luci', 'status.js'), 'utf8'),
    renderJs: readFileSync(join(root, 'runtime', 'web', 'render.js'), 'utf8'),
  };
}

/** The feed's generated files from the same specs as the packages (the binary plays no part). */
export function feedFilesOf(root: string, version: string): FeedFile[] {
  const inputs: PackageInputs = { binary: new Uint8Array(0), version, release: 1, arch: 'all', ...textInputs(root) };
  return feedGeneratedFiles([agentPackage(inputs), luciPackage(inputs)]);
}

function writeFeedFiles(root: string, version: string, log: (s: string) => void): void {
  for (const f of feedFilesOf(root, version)) {
    const path = join(root, 'packages-openwrt', 'feed', f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, f.data);
    renameSync(`${path}.tmp`, path);
    log(`${relative(root, path)}: ${f.data.length} bytes`);
  }
}

function kb(n: number): string {
  return `${(n / 1024).toFixed(1)} KB`;
}

/** Exit code 0 (built), 1 (failed, with the reason logged), 2 (bad command line or target). */
export async function main(root: string, argv: readonly string[], log: (s: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await run(root, argv, log, env);
  } catch (e) {
    log(`package: ${(e as Error).message}`);
    return 1;
  }
}

async function run(root: string, argv: readonly string[], log: (s: string) => void, env: NodeJS.ProcessEnv): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (e) {
    log(`package: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    log(USAGE);
    return 0;
  }
  if (o.feedFiles) {
    writeFeedFiles(root, packageVersion(root), log);
    return 0;
  }
  const binary = resolve(root, o.binary ?? 'dist/x0tta6bl4');
  if (o.binary === null) {
    const s = binaryState(root, binary);
    if (s.state === 'missing') buildUnderLock(root, log);
    else if (s.state === 'stale') {
      if (!o.build) {
        log(`package: dist/x0tta6bl4 is older than ${s.newer}; rebuild first (flock ${BUILD_LOCK} npm run build) or pass --build`);
        return 1;
      }
      buildUnderLock(root, log);
    }
  }
  const bytes = new Uint8Array(readFileSync(binary));
  let elf: ReturnType<typeof readElf>;
  try {
    elf = readElf(bytes);
  } catch (e) {
    log(`package: ${relative(root, binary)}: ${(e as Error).message}`);
    return 2;
  }
  const arch = o.arch ?? defaultArch(elf);
  if (arch === null) {
    log(`package: cannot tell the OpenWrt architecture of a ${elf.machine} binary: pass --arch`);
    return 2;
  }
  if (!archMatches(elf, arch)) {
    log(`package: ${relative(root, binary)} is a ${elf.machine} binary, not for ${arch}`);
    return 2;
  }
  const version = packageVersion(root);
  if (HOST_MACHINE[hostArch()] === elf.machine) {
    const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const first = (r.stdout ?? '').split(' ');
    if (r.status !== 0 || first[0] !== 'x0tta6bl4' || first[1] !== version) {
      log(`package: ${relative(root, binary)} --version says '${(r.stdout ?? '').trim()}' (exit ${r.status}), package.json says ${version}: rebuild`);
      return 1;
    }
  }
  if (!isMusl(elf)) {
    log(`package: warning: ${relative(root, binary)} uses ${elf.interpreter}, not musl: it installs, but OpenWrt (musl) cannot run it`);
  }
  if (elf.mipsFloat === 'hard') {
    log(`package: warning: ${relative(root, binary)} is hard-float MIPS; OpenWrt's MIPS targets are soft float: it runs only where the kernel emulates the FPU`);
  }
  const epoch = sourceDateEpoch(root, env);
  const inputs = {
    libraryDepends: libraryDepends(elf),
    binary: bytes,
    version,
    release: o.release,
    arch,
    ...textInputs(root),
  };
  const out = resolve(root, o.out);
  mkdirSync(out, { recursive: true });
  for (const spec of [agentPackage(inputs), luciPackage(inputs)]) {
    const pkg = buildIpk(spec, epoch);
    const path = join(out, pkg.fileName);
    writeFileSync(`${path}.tmp`, pkg.bytes);
    renameSync(`${path}.tmp`, path);
    log(`${relative(root, path)}: ${pkg.bytes.length} bytes (${kb(pkg.bytes.length)}), Installed-Size ${pkg.installedSize}`);
  }
  return 0;
}
