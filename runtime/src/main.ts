/** Entry point of the `x0tta6bl4` binary (quickjs-ng). */
// The quickjs host comes first: evaluating it installs the globals (TextEncoder,
// TextDecoder, setTimeout) that other modules may use at their top level.
import { createQuickjsHost } from './host/quickjs/index.js';
import { installHost } from './host/index.js';
import { runCliAndExit } from './cli/main.js';

const host = createQuickjsHost();
installHost(host);
runCliAndExit(host);
