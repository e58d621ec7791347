/// <reference types="node" />
/**
 * The inputs of a package build on this machine: the runtime binary in dist/ (used
 * as it is when it is newer than every source it is built from; built, under the
 * lab's lock, only when missing), the version, and the one timestamp every archive
 * entry gets (SOURCE_DATE_EPOCH, else the last commit's time).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The lock that every rebuild of the shared dist/ takes (the QEMU lab reads dist/ over 9p). */
export const BUILD_LOCK = '/tmp/x0-lab.lock';

function newestUnder(dir: string, accept: (name: string) => boolean): { path: string; mtimeMs: number } | null {
  let best: { path: string; mtimeMs: number } | null = null;
  if (!existsSync(dir)) return null;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const cand = e.isDirectory() ? newestUnder(p, accept) : accept(e.name) ? { path: p, mtimeMs: statSync(p).mtimeMs } : null;
    if (cand && (!best || cand.mtimeMs > best.mtimeMs)) best = cand;
  }
  return best;
}

/** The newest file the binary is built from. */
export function newestSource(root: string): { path: string; mtimeMs: number } | null {
  const candidates = [
    newestUnder(join(root, 'runtime', 'src'), (n) => n.endsWith('.ts')),
    // The dashboard's files, compiled into the binary (esbuild.config.mjs).
    newestUnder(join(root, 'runtime', 'web'), () => true),
    newestUnder(join(root, 'runtime', 'native'), (n) => /\.(c|h)$/.test(n) || n === 'Makefile'),
    ...['esbuild.config.mjs'].map((f) => (existsSync(join(root, f)) ? { path: join(root, f), mtimeMs: statSync(join(root, f)).mtimeMs } : null)),
  ];
  let best: { path: string; mtimeMs: number } | null = null;
  for (const c of candidates) if (c && (!best || c.mtimeMs > best.mtimeMs)) best = c;
  return best;
}

export type BinaryState = { state: 'fresh' } | { state: 'missing' } | { state: 'stale'; newer: string };

export function binaryState(root: string, binary: string): BinaryState {
  if (!existsSync(binary)) return { state: 'missing' };
  const src = newestSource(root);
  if (src && src.mtimeMs > statSync(binary).mtimeMs) return { state: 'stale', newer: src.path.slice(root.length + 1) };
  return { state: 'fresh' };
}

/** `npm run build` under the lab's lock, niced; throws when it fails. */
export function buildUnderLock(root: string, log: (s: string) => void): void {
  log(`package: building dist/ (flock ${BUILD_LOCK} nice -n 10 npm run -s build)`);
  const r = spawnSync('flock', [BUILD_LOCK, 'nice', '-n', '10', 'npm', 'run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.error) throw new Error(`cannot run flock: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

export function packageVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string' || !/^[0-9]+\.[0-9]+\.[0-9]+/.test(pkg.version)) throw new Error(`package.json: version ${String(pkg.version)} is not x.y.z`);
  return pkg.version;
}

/** SOURCE_DATE_EPOCH when set (must be an integer), else the time of the last commit. */
export function sourceDateEpoch(root: string, env: NodeJS.ProcessEnv): number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw !== undefined && raw !== '') {
    if (!/^[0-9]{1,12}$/.test(raw)) throw new Error(`SOURCE_DATE_EPOCH '${raw}' is not seconds since 1970`);
    return Number(raw);
  }
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^[0-9]+$/.test(out)) return Number(out);
  } catch {
    // not a git checkout: fall through
  }
  throw new Error('no SOURCE_DATE_EPOCH and no git commit to take the time from: set SOURCE_DATE_EPOCH');
}
