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

const normalized = Object.entries(entries).map(([name, spec]) => [name, typeof spec === 'string' ? { src: spec } : spec]);
const common = {
  outdir: join(cwd, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  conditions: ['@fctl-kit/source'],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // An npm package inlined from a workspace package's dependencies (undici through @fctl-kit/http)
  // may be CommonJS that calls require(); ESM output has none, so each file gets one.
  banner: { js: "import { createRequire as __fctlCreateRequire } from 'node:module'; const require = __fctlCreateRequire(import.meta.url);" },
};
// The library entries of a package are built together, so that a module two of them import (the
// SDK's CommandError, under "." and "./testing") becomes one shared chunk: one class, one identity,
// and `instanceof` holds across the package's entry points. Each CLI entry is a program of its own.
const library = Object.fromEntries(normalized.filter(([, entry]) => !entry.bundleDependencies).map(([name, entry]) => [name, join(cwd, entry.src)]));
const programs = normalized.filter(([, entry]) => entry.bundleDependencies);

await Promise.all([
  ...(Object.keys(library).length ? [build({ ...common, entryPoints: library, external: [...npmDependencies, ...alwaysExternal] })] : []),
  ...programs.map(([name, entry]) =>
    build({
      ...common,
      entryPoints: { [name]: join(cwd, entry.src) },
      external: alwaysExternal,
    }),
  ),
]);

const libraryEntries = normalized.filter(([, entry]) => !entry.bundleDependencies).map(([, entry]) => entry.src);
if (libraryEntries.length && JSON.stringify(pkg.exports ?? {}).includes('"types"')) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // The options of tsconfig.base.json that shape declarations; workspace packages are read from
  // their sources (the custom condition) and referenced by name in the output.
  const options = ['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--lib', 'ES2023', '--strict', '--skipLibCheck', '--types', 'node', '--customConditions', '@fctl-kit/source', '--resolveJsonModule', '--esModuleInterop', '--verbatimModuleSyntax', '--isolatedModules'];
  execFileSync(process.execPath, [tsc, ...libraryEntries, ...options, '--declaration', '--emitDeclarationOnly', '--rootDir', 'src', '--outDir', 'dist'], { cwd, stdio: 'inherit' });
}
