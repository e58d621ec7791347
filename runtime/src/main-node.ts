/** Entry point of the same program on Node (tooling and side-by-side measurements). */
import { runCliAndExit } from './cli/main.js';
import { installHost } from './host/index.js';
import { createNodeHost } from './host/node/index.js';

const host = createNodeHost();
installHost(host);
runCliAndExit(host);
