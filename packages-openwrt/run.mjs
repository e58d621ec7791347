#!/usr/bin/env node
// `npm run package`: bundles the packaging tool (packages-openwrt/src, TypeScript)
// with esbuild into build/openwrt/, then runs it. `npm run package -- --help`.
import * as esbuild from 'esbuild';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const outfile = resolve(root, 'build', 'openwrt', `package-${process.pid}.mjs`);
await esbuild.build({
  entryPoints: [resolve(root, 'packages-openwrt', 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
const { rmSync } = await import('node:fs');
rmSync(outfile, { force: true });
try {
  // Diagnostics start with "package: " and go to stderr; the list of packages built and --help to stdout.
  process.exitCode = await main(root, process.argv.slice(2), (s) => (s.startsWith('package: ') ? process.stderr : process.stdout).write(`${s}\n`));
} catch (e) {
  process.stderr.write(`package: ${e.message}\n`);
  process.exitCode = 1;
}
