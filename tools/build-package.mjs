#!/usr/bin/env node
// Builds the package in the current directory with esbuild.
// Entries come from package.json "fctlBuild.entries" (default: index -> src/index.ts).
// Workspace packages are inlined from their TypeScript sources; npm dependencies stay
// external unless an entry sets "bundleDependencies" (used by CLIs, for start-up speed); peer
// dependencies always stay external.
// Library entries also get TypeScript declarations (dist/*.d.ts, the "types" of the exports), so
// that product repositories type-check their plugin against the installed SDK.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
const entries = pkg.fctlBuild?.entries ?? { index: 'src/index.ts' };
const npmDependencies = Object.keys(pkg.dependencies ?? {}).filter((name) => !name.startsWith('@fctl-kit/'));
// esbuild (a native binary per platform) and postject (WebAssembly beside its code) cannot be
// inlined; a peer dependency is provided by whoever installs the package, so it is never inlined
// either (core's optional @fctl-kit/bundler: fctl loads it only to build a source directory).
const alwaysExternal = ['esbuild', 'postject', ...Object.keys(pkg.peerDependencies ?? {})];

rmSync(join(cwd, 'dist'), { recursive: true, force: true });

await Promise.all(
  Object.entries(entries).map(([name, spec]) => {
    const entry = typeof spec === 'string' ? { src: spec } : spec;
    return build({
      entryPoints: { [name]: join(cwd, entry.src) },
      outdir: join(cwd, 'dist'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      splitting: Boolean(entry.bundleDependencies),
      chunkNames: 'chunks/[name]-[hash]',
      conditions: ['@fctl-kit/source'],
      external: entry.bundleDependencies ? alwaysExternal : [...npmDependencies, ...alwaysExternal],
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'warning',
      banner: entry.bundleDependencies
        ? { js: "import { createRequire as __fctlCreateRequire } from 'node:module'; const require = __fctlCreateRequire(import.meta.url);" }
        : undefined,
    });
  }),
);

const libraryEntries = Object.values(entries)
  .map((spec) => (typeof spec === 'string' ? { src: spec } : spec))
  .filter((entry) => !entry.bundleDependencies)
  .map((entry) => entry.src);
if (libraryEntries.length && JSON.stringify(pkg.exports ?? {}).includes('"types"')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // The options of tsconfig.base.json that shape declarations; workspace packages are read from
  // their sources (the custom condition) and referenced by name in the output.
  const options = ['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--lib', 'ES2023', '--strict', '--skipLibCheck', '--types', 'node', '--customConditions', '@fctl-kit/source', '--resolveJsonModule', '--esModuleInterop', '--verbatimModuleSyntax', '--isolatedModules'];
  execFileSync(process.execPath, [tsc, ...libraryEntries, ...options, '--declaration', '--emitDeclarationOnly', '--rootDir', 'src', '--outDir', 'dist'], { cwd, stdio: 'inherit' });
}
