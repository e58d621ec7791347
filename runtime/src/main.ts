/** Entry point of the `x0tta6bl4` binary (quickjs-ng). */
import { installHost } from './host/index.js';
import { createQuickjsHost } from './host/quickjs/index.js';
import { runCli } from './cli/main.js';

const host = createQuickjsHost();
installHost(host);
runCli(host).then(
  (code) => host.exit(code),
  (e: unknown) => {
    host.stderr.write(`x0tta6bl4: ${(e as Error).message ?? String(e)}\n`);
    host.exit(1);
  },
);
