#!/usr/bin/env node
// Bytes of the minified agent bundle (runtime/src/main.ts, quickjs-ng options) by
// runtime/src directory, from esbuild's metafile (bytesInOutput of each input).
//   node tests/performance/bundle-sizes.mjs   (run in the repository root)
import * as esbuild from 'esbuild';
import { join } from 'node:path';

const { quickjsOptions } = await import(join(process.cwd(), 'esbuild.config.mjs'));
const r = await esbuild.build({ ...quickjsOptions(), entryPoints: ['runtime/src/main.ts'], write: false, outfile: 'bundle.js', minify: true, metafile: true });
const out = Object.values(r.metafile.outputs).find((o) => o.entryPoint);
const by = {};
for (const [path, v] of Object.entries(out.inputs)) {
  const m = /runtime\/src\/([^/]+)\//.exec(path);
  const k = path.includes('cli/commands/identity') ? 'cli/commands/identity.ts' : m ? `${m[1]}/` : 'other';
  by[k] = (by[k] ?? 0) + v.bytesInOutput;
}
console.log(`bundle ${out.bytes} bytes`);
for (const [k, v] of Object.entries(by).sort((a, b) => b[1] - a[1])) console.log(`${String(v).padStart(8)}  ${k}`);
