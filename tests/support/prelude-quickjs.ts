/**
 * Test prelude for our quickjs-ng binary (`x0tta6bl4 run`): install the quickjs
 * host, then give uvu the little of Node's `process` it uses to print and time
 * (stdout.write, hrtime, env, exitCode; tinybench: hrtime.bigint). This shim exists only in test bundles;
 * the agent's own bundle never sees a `process` global.
 */
import { getHost, installHost } from '../../runtime/src/host/index.js';
import { createQuickjsHost } from '../../runtime/src/host/quickjs/index.js';

installHost(createQuickjsHost());
const host = getHost();
const g = globalThis as Record<string, unknown>;
g.UVU_DEFER = 1;
const hrtime = (prev?: [number, number]): [number, number] => {
  const ns = host.clock.monotonicNs();
  let s = Number(ns / 1000000000n);
  let n = Number(ns % 1000000000n);
  if (prev) {
    s -= prev[0];
    n -= prev[1];
    if (n < 0) {
      s -= 1;
      n += 1e9;
    }
  }
  return [s, n];
};
hrtime.bigint = (): bigint => host.clock.monotonicNs();
g.process = {
  argv: [],
  env: { NO_COLOR: '1' },
  exitCode: 0,
  stdout: { write: (s: string) => host.stdout.write(s), isTTY: false },
  hrtime,
  on() {},
  exit: (code: number) => host.exit(code),
};
