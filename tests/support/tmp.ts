/** Per-test temporary directories through the host (works on both engines). */
import { getHost } from '../../runtime/src/host/index.js';

let counter = 0;

export function tempDir(tag: string): string {
  const host = getHost();
  const dir = `/tmp/x0-test-${host.processes.pid}-${tag}-${++counter}-${Math.floor(Math.random() * 1e9)}`;
  host.files.mkdirp(dir, 0o700);
  return dir;
}

/** Remove a directory tree made by tempDir (files and one level of subdirectories). */
export function removeTree(dir: string): void {
  const files = getHost().files;
  for (const name of files.readdir(dir)) {
    const p = `${dir}/${name}`;
    if (files.stat(p)?.isDirectory) removeTree(p);
    else files.remove(p);
  }
  files.remove(dir);
}

/** Wait until `cond()` holds, polling every few ms, or fail after `ms`. */
export async function waitFor(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const host = getHost();
  const until = host.clock.monotonicMs() + ms;
  while (!cond()) {
    if (host.clock.monotonicMs() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => host.timers.setTimeout(r, 5));
  }
}
