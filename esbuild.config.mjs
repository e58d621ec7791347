// Bundles the agent. `node esbuild.config.mjs` builds:
//   dist/x0tta6bl4.js       for our quickjs-ng runtime (compiled to bytecode by qjsc)
//   dist/x0tta6bl4-node.mjs the same program on Node (tooling, comparisons)
// Test bundles reuse these options (tests/run.mjs imports them).
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** Engine modules provided by the quickjs-ng binary, never bundled. */
export const quickjsExternals = ['qjs:std', 'qjs:os', 'x0tta6bl4:native'];

/**
 * The dashboard's files (runtime/web/: name -> text), compiled into the agent so it
 * serves them from memory (runtime/src/api/web-routes.ts). Scripts and the style sheet
 * are minified (a plain script keeps its top-level names: X0Render stays X0Render).
 */
export function webAssets() {
  const dir = new URL('./runtime/web/', import.meta.url);
  const minify = (name, text) => {
    const loader = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : null;
    return loader ? esbuild.transformSync(text, { loader, minify: true, charset: 'utf8', target: 'es2017', legalComments: 'none' }).code : text;
  };
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, minify(f, readFileSync(new URL(f, dir), 'utf8'))]),
  );
}

/** Options shared by every bundle of runtime code. */
export function baseOptions() {
  return {
    bundle: true,
    format: 'esm',
    target: 'es2023',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
    define: { __X0_VERSION__: JSON.stringify(pkg.version), __X0_WEB__: JSON.stringify(webAssets()) },
  };
}

export function quickjsOptions() {
  return {
    ...baseOptions(),
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    external: quickjsExternals,
  };
}

export function nodeOptions() {
  return { ...baseOptions(), platform: 'node', banner: { js: '' } };
}

/** The agent for quickjs-ng, the bundle that qjsc compiles into the binary. */
export function buildQuickjsAgent(outfile = 'dist/x0tta6bl4.js') {
  return esbuild.build({
    ...quickjsOptions(),
    entryPoints: ['runtime/src/main.ts'],
    outfile,
    minify: true,
    sourcemap: 'linked',
  });
}

export async function buildAgent() {
  await Promise.all([
    buildQuickjsAgent(),
    esbuild.build({
      ...nodeOptions(),
      entryPoints: ['runtime/src/main-node.ts'],
      outfile: 'dist/x0tta6bl4-node.mjs',
      minify: true,
      sourcemap: 'linked',
    }),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAgent();
}
