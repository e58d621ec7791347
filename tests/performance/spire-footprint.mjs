#!/usr/bin/env node
// Bundles tests/performance/spire-footprint.ts for our binary and runs it there:
//   SPIRE_DIR=<dir with spire-server, spire-agent> node tests/performance/spire-footprint.mjs [BINARY]
// (SPIRE_DIR defaults to what scripts/fetch-spire.sh prints; BINARY to dist/x0tta6bl4).
import * as esbuild from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quickjsOptions } from '../../esbuild.config.mjs';

const root = resolve(import.meta.dirname, '../..');
const binary = resolve(process.argv[2] ?? join(root, 'dist', 'x0tta6bl4'));
const spireDir = process.env.SPIRE_DIR ?? execFileSync('bash', [join(root, 'scripts', 'fetch-spire.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const out = join(root, 'build', 'bench');
mkdirSync(out, { recursive: true });
const outfile = join(out, 'spire-footprint.js');
await esbuild.build({
  ...quickjsOptions(),
  entryPoints: [join(root, 'tests', 'performance', 'spire-footprint.ts')],
  outfile,
  minify: false,
});
const r = spawnSync(binary, ['run', outfile], { cwd: root, stdio: 'inherit', env: { ...process.env, SPIRE_DIR: spireDir, X0_BINARY: binary } });
process.exit(r.status ?? 1);
