/** Entry point of the same program on Node (tooling and side-by-side measurements). */
import { installHost } from './host/index.js';
import { createNodeHost } from './host/node/index.js';
import { runCli } from './cli/main.js';

const host = createNodeHost();
installHost(host);
runCli(host).then(
  (code) => host.exit(code),
  (e: unknown) => {
    host.stderr.write(`x0tta6bl4: ${(e as Error).message ?? String(e)}\n`);
    host.exit(1);
  },
);
