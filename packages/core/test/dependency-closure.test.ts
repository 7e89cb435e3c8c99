// What `npm install @fctl-kit/core` installs, computed from package.json files as npm resolves
// them: dependencies, optionalDependencies and non-optional peers, recursively, each found in the
// nearest node_modules above the package that needs it (workspace packages through their links).
// fctl must not carry the build toolchain.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const TOOLCHAIN = ['esbuild', 'postject', 'tar'];

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function installedDirectory(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`${name} (needed by ${from}) is not installed`);
  }
}

/** Every package name installed with the package in `directory`, the package itself excluded. */
function installClosure(directory: string): Set<string> {
  const names = new Set<string>();
  const visited = new Set<string>();
  const visit = (dir: string) => {
    if (visited.has(dir)) return;
    visited.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    const required = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional),
    ];
    for (const name of required) {
      let found: string;
      try {
        found = installedDirectory(name, dir);
      } catch (error) {
        // An optional dependency for another platform (e.g. @esbuild/darwin-arm64) is not installed here.
        if (manifest.optionalDependencies?.[name]) continue;
        throw error;
      }
      names.add(name);
      visit(found);
    }
  };
  visit(realpathSync(directory));
  return names;
}

const closureOf = (workspacePackage: string) => installClosure(join(repoRoot, 'packages', workspacePackage));

describe("@fctl-kit/core's install closure", () => {
  it('holds no build toolchain: no esbuild, postject or tar', () => {
    const closure = closureOf('core');
    expect(closure.has('@fctl-kit/artifacts')).toBe(true);
    expect(TOOLCHAIN.filter((name) => closure.has(name) || [...closure].some((installed) => installed.startsWith(`@${name}/`)))).toEqual([]);
    expect(closure.has('@fctl-kit/bundler')).toBe(false);
  });

  it('is computed the way that finds the toolchain where it is (the builder packages)', () => {
    expect(closureOf('bundler').has('esbuild')).toBe(true);
    const binaries = closureOf('binaries');
    expect(['esbuild', 'postject', 'tar'].filter((name) => binaries.has(name))).toEqual(['esbuild', 'postject', 'tar']);
    expect(closureOf('cli').has('postject')).toBe(true);
  });
});
