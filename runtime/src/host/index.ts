/**
 * The current host. An entry point (runtime/src/main.ts for quickjs-ng,
 * runtime/src/main-node.ts for Node, or a test harness) installs exactly one host
 * before anything else runs; everything else calls getHost().
 */
import type { Host } from './types.js';

export * from './types.js';

let current: Host | null = null;

export function installHost(host: Host): void {
  current = host;
}

export function getHost(): Host {
  if (current === null) throw new Error('x0tta6bl4: no host installed (entry point must call installHost)');
  return current;
}

/** The installed host, or null (pure code that can run without one, e.g. decoders). */
export function currentHost(): Host | null {
  return current;
}
