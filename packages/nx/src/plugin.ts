// Inferred targets for every cmd/fctl-plugin (any directory holding fctl-plugin.json): build (the
// host platform's binary), build-all (every platform, checksums, signature), dev (the watch loop),
// test, compat (the compatibility scenarios), typecheck, release (publish and register, from
// fctl-plugin.json's "release"), verify-version-source (before build-all: the sources agree) and
// verify-version (after it: the built binary agrees too).
// Caching is right because the inputs name what changes the output: the sources, the service
// version's source (a file, or the tags: on HEAD, and the nearest one with FCTL_KIT_SNAPSHOT, which
// makes a snapshot build take the nearest tag's version), the fctl-kit version (the runtime lock ships in
// @fctl-kit/binaries, which @fctl-kit/cli pins), and the signing key. @fctl-kit/cli must be in the
// workspace's lockfile (the init generator adds it), as Nx reads external dependencies from there.
// Every fctl-plugin.json is read with its schema (@fctl-kit/plugin-config): a damaged one fails the
// project graph with an error naming the file and the place.
import { existsSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { readPluginConfig, type PluginConfig } from '@fctl-kit/plugin-config';
import { devkit, type CreateNodes, type TargetConfiguration } from './devkit.js';

export interface FctlPluginNxOptions {
  /** Command that runs fctl-kit (default "npx fctl-kit"). */
  fctlKit?: string;
}

type Input = string | { runtime: string } | { env: string };

function versionInputs(root: string, config: PluginConfig): Input[] {
  if (config.version.source === 'git-tag') return [{ runtime: 'git tag --points-at HEAD' }, { runtime: 'git describe --tags --abbrev=0 --always' }, { env: 'FCTL_KIT_SNAPSHOT' }];
  const path = normalize(join(root, config.version.path));
  return [`{workspaceRoot}/${path}`];
}

/**
 * What a Go plugin's build and tests read beyond its directory: go.mod and go.sum (at the module
 * root) pin every downloaded module; `fctl-kit inputs` lists, with digests, the sources go resolves
 * in the product's module and in directories a `replace` names (an Nx runtime input, run from the
 * workspace root).
 */
function goInputs(root: string, kit: string): Input[] {
  return ['{workspaceRoot}/go.mod', '{workspaceRoot}/go.sum', { runtime: `${kit} inputs ${root}` }];
}

/** A Go plugin's test and typecheck targets: go test and go vet of its package(s), in the product's module. */
function goTargets(root: string, kit: string): Record<string, TargetConfiguration> {
  const inputs = ['default', ...goInputs(root, kit)];
  return {
    test: {
      command: 'go test ./...',
      options: { cwd: '{projectRoot}' },
      cache: true,
      inputs,
      metadata: { description: "Run the plugin's Go tests (in-process, through plugin.Invoke)" },
    },
    typecheck: {
      command: 'go vet ./...',
      options: { cwd: '{projectRoot}' },
      cache: true,
      inputs,
      metadata: { description: "Vet the plugin's Go sources and tests" },
    },
  };
}

export function targetsFor(root: string, config: PluginConfig, options: FctlPluginNxOptions = {}): Record<string, TargetConfiguration> {
  const kit = options.fctlKit ?? 'npx fctl-kit';
  const go = config.language === 'go';
  const inputs = ['default', '^production', ...(go ? goInputs(root, kit) : []), ...versionInputs(root, config), { externalDependencies: ['@fctl-kit/cli'] }];
  return {
    build: {
      command: `${kit} build {projectRoot} --targets host --compression none --out {projectRoot}/dist/host`,
      cache: true,
      inputs,
      outputs: ['{projectRoot}/dist/host'],
      metadata: { description: "Bundle the plugin and build this machine's binary, versioned from the service" },
    },
    'build-all': {
      command: `${kit} build {projectRoot} --out {projectRoot}/dist/release`,
      // A release build from sources that disagree (service version, plugin package, tag) is refused before building.
      dependsOn: ['verify-version-source'],
      cache: true,
      inputs: [...inputs, { env: 'FCTL_KIT_SIGNING_KEY' }],
      outputs: ['{projectRoot}/dist/release'],
      metadata: { description: 'Build binaries for every platform, checksums.txt and its signature' },
    },
    dev: {
      command: `${kit} dev {projectRoot}`,
      continuous: true,
      metadata: { description: 'Rebuild on every save; the next fctl run uses the new build (linked into fctl while this runs)' },
    },
    test: {
      command: 'npx vitest run',
      options: { cwd: '{projectRoot}' },
      cache: true,
      inputs: ['default', '^production'],
      metadata: { description: "Run the plugin's tests (in-process, with the SDK's helpers)" },
    },
    compat: {
      command: `${kit} compat {projectRoot} --build-dir {projectRoot}/dist/host`,
      dependsOn: ['build'],
      cache: true,
      inputs,
      metadata: { description: "Run the plugin's compatibility scenarios: fctl runs the built plugin against a stub stack" },
    },
    typecheck: {
      command: 'npx tsc -p {projectRoot}/tsconfig.json',
      cache: true,
      inputs: ['default', '^production', { externalDependencies: ['typescript', '@fctl-kit/plugin-sdk'] }],
      metadata: { description: "Type-check the plugin's sources and tests against the SDK" },
    },
    release: {
      command: `${kit} release {projectRoot} --build-dir {projectRoot}/dist/release`,
      dependsOn: ['build-all'],
      cache: false,
      metadata: { description: 'Release from the tag: verify the version, publish build-all to the configured backends, register the version' },
    },
    'verify-version-source': {
      command: `${kit} verify-version {projectRoot}`,
      cache: false,
      metadata: { description: 'Check plugin version = service version in the sources: the service version, the plugin package, the release tag' },
    },
    'verify-version': {
      command: `${kit} verify-version {projectRoot} --build-dir {projectRoot}/dist/release`,
      dependsOn: ['build-all'],
      cache: false,
      metadata: { description: 'Check plugin version = service version: the build, the release tag' },
    },
    ...(go ? goTargets(root, kit) : {}),
  };
}

export const createNodes: CreateNodes<FctlPluginNxOptions> = [
  '**/fctl-plugin.json',
  // createNodesFromFiles: a damaged fctl-plugin.json is reported with its file (Nx's
  // AggregateCreateNodesError) and the other plugins' projects are still inferred.
  (files, options, context) =>
    devkit.createNodesFromFiles(
      async (file) => {
        const root = dirname(file);
        const config = await readPluginConfig(join(context.workspaceRoot, root));
        const targets = targetsFor(relative('.', root) || '.', config, options ?? {});
        // A TypeScript plugin's project is named by its package.json; a Go plugin has none: <name>-fctl-plugin, as the generated workflows run it.
        const name = config.language === 'go' && !existsSync(join(context.workspaceRoot, root, 'package.json')) ? { name: `${config.name}-fctl-plugin` } : {};
        return { projects: { [root]: { root, ...name, targets } } };
      },
      files,
      options,
      context,
    ),
];

export const createNodesV2 = createNodes;
