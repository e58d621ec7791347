/** Test prelude for Node: install the Node host before any test module runs. */
import { installHost } from '../../runtime/src/host/index.js';
import { createNodeHost } from '../../runtime/src/host/node/index.js';

installHost(createNodeHost([]));
// uvu: collect suites and let the harness call exec() once all files are loaded.
(globalThis as Record<string, unknown>).UVU_DEFER = 1;
