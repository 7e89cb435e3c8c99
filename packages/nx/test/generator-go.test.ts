// The plugin generator with --language go, on an in-memory tree: a Go plugin in the product's Go
// module (go.mod at the root, versions from vX.Y.Z tags), the SDK required in go.mod, no npm files
// in the plugin directory, the inferred Go targets, and workflows that set up Go from go.mod.
import { createRequire } from 'node:module';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePluginConfig } from '@fctl-kit/plugin-config';
import { pluginGenerator, PluginGeneratorError } from '../src/generators.js';
import { targetsFor } from '../src/plugin.js';
import type { Tree } from '../src/devkit.js';

const { createTree } = createRequire(import.meta.url)('@nx/devkit/testing') as typeof import('@nx/devkit/testing');

const SDK = 'github.com/fctl-plugin-kit/fctl-plugin-kit/sdk/go';

/** A Go product repository; under Nx it has a package.json too (for nx and the kit). */
function goRepository({ nx = true } = {}): Tree {
  const tree = createTree();
  if (nx) tree.write('package.json', JSON.stringify({ name: 'payments', private: true }));
  tree.write('go.mod', 'module example.com/payments\n\ngo 1.26\n\ntoolchain go1.26.8\n');
  tree.write('main.go', 'package main\n\nfunc main() {}\n');
  return tree;
}

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = { jobs: Record<string, { steps: Step[] }> };

describe('plugin --language go', () => {
  it('writes package main in cmd/fctl-plugin, its test through plugin.Invoke, the scenarios and fctl-plugin.json; no npm files', async () => {
    const tree = goRepository();
    await pluginGenerator(tree, { name: 'payments', language: 'go', compatibleWith: '>=1.0.0 <2.0.0', skipWorkflows: true });
    const config = tree.read('cmd/fctl-plugin/fctl-plugin.json', 'utf-8')!;
    expect(JSON.parse(config)).toEqual({ name: 'payments', service: 'payments', language: 'go', version: { source: 'git-tag' } });
    expect(parsePluginConfig(config, 'fctl-plugin.json').language).toBe('go');
    const main = tree.read('cmd/fctl-plugin/main.go', 'utf-8')!;
    expect(main).toMatch(/^package main$/m);
    expect(main).toContain(`"${SDK}/plugin"`);
    expect(main).toContain('CompatibleWith: ">=1.0.0 <2.0.0",');
    expect(main).toContain('{Header: "SERVICE", JSONPath: "$.name"}');
    expect(tree.read('cmd/fctl-plugin/main_test.go', 'utf-8')).toContain('plugin.Invoke(');
    expect(tree.read('cmd/fctl-plugin/compat/scenarios.yaml', 'utf-8')).toContain('services: { payments: 1.0.0 }');
    const files = tree.listChanges().map((change) => change.path);
    expect(files.filter((file) => file.startsWith('cmd/fctl-plugin/')).sort()).toEqual(['cmd/fctl-plugin/compat/scenarios.yaml', 'cmd/fctl-plugin/fctl-plugin.json', 'cmd/fctl-plugin/main.go', 'cmd/fctl-plugin/main_test.go']);
    // The Nx plugin and fctl-kit are dev dependencies; the TypeScript SDK, vitest and TypeScript are not.
    const devDependencies = JSON.parse(tree.read('package.json', 'utf-8')!).devDependencies as Record<string, string>;
    expect(Object.keys(devDependencies).sort()).toEqual(['@fctl-kit/cli', '@fctl-kit/core', '@fctl-kit/nx', 'nx']);
  });

  it("requires the SDK in the product's go.mod, with the replace asked for, once", async () => {
    const tree = goRepository();
    const options = { name: 'payments', language: 'go' as const, goSdkVersion: 'v0.3.0', goSdkReplace: '../fctl-plugin-kit/sdk/go', skipWorkflows: true };
    await pluginGenerator(tree, options);
    const goMod = tree.read('go.mod', 'utf-8')!;
    expect(goMod).toMatch(/^module example\.com\/payments$/m);
    expect(goMod).toContain(`\nrequire ${SDK} v0.3.0\n`);
    expect(goMod).toContain(`\nreplace ${SDK} => ../fctl-plugin-kit/sdk/go\n`);
    await pluginGenerator(tree, options);
    expect(tree.read('go.mod', 'utf-8')).toBe(goMod);
  });

  it('without a replace requires the SDK released with the kit; without Nx writes no nx.json, package.json nor workflows', async () => {
    const tree = goRepository({ nx: false });
    await pluginGenerator(tree, { name: 'payments', language: 'go', withoutNx: true });
    expect(tree.read('go.mod', 'utf-8')).toMatch(new RegExp(`\\nrequire ${SDK.replace(/\./g, '\\.')} v\\d+\\.\\d+\\.\\d+\\n$`));
    expect(tree.read('go.mod', 'utf-8')).not.toContain('replace');
    for (const file of ['nx.json', 'package.json', '.github/workflows/fctl-plugin-payments.yml']) expect(tree.exists(file), file).toBe(false);
  });

  it('refuses a repository without go.mod, and Go options for a TypeScript plugin', async () => {
    const tree = createTree();
    await expect(pluginGenerator(tree, { name: 'payments', language: 'go' })).rejects.toThrow(/no go\.mod at its root/);
    await expect(pluginGenerator(goRepository(), { name: 'payments', goSdkReplace: '../sdk' })).rejects.toThrow(PluginGeneratorError);
    await expect(pluginGenerator(goRepository(), { name: 'payments', language: 'go', goSdkVersion: '1.0.0' })).rejects.toThrow(/not a Go module version/);
  });

  it('workflows: Go from go.mod where the plugin is built (checks, release), go vet instead of tsc, no Node runtime cache', async () => {
    const tree = goRepository();
    await pluginGenerator(tree, { name: 'payments', language: 'go', repository: 'acme/payments' });
    const pr = YAML.parse(tree.read('.github/workflows/fctl-plugin-payments.yml', 'utf-8')!) as Workflow;
    const release = YAML.parse(tree.read('.github/workflows/fctl-plugin-payments-release.yml', 'utf-8')!) as Workflow;
    for (const steps of [pr.jobs.checks!.steps, release.jobs.release!.steps]) {
      expect(steps.find((step) => step.uses === 'actions/setup-go@v5')?.with).toEqual({ 'go-version-file': 'go.mod' });
      expect(steps.some((step) => step.uses === 'actions/cache@v4' && String(step.name).startsWith('Node runtimes'))).toBe(false);
    }
    expect(pr.jobs.checks!.steps.find((step) => step.name === 'go vet')?.run).toBe('npx nx run payments-fctl-plugin:typecheck');
    // The compat job runs the binaries checks built: no Go there.
    expect(pr.jobs.compat!.steps.some((step) => step.uses === 'actions/setup-go@v5')).toBe(false);
  });

  it('infers go test and go vet for the test and typecheck targets; the build targets are fctl-kit build as for TypeScript', () => {
    const targets = targetsFor('cmd/fctl-plugin', { name: 'payments', service: 'payments', language: 'go', version: { source: 'git-tag' } });
    expect(targets.test).toMatchObject({ command: 'go test ./...', options: { cwd: '{projectRoot}' } });
    expect(targets.test!.inputs).toContain('{workspaceRoot}/go.mod');
    expect(targets.typecheck).toMatchObject({ command: 'go vet ./...', options: { cwd: '{projectRoot}' } });
    expect(targets.build!.command).toBe('npx fctl-kit build {projectRoot} --targets host --compression none --out {projectRoot}/dist/host');
    expect(targets['build-all']!.inputs).toContain('{workspaceRoot}/go.sum');
    // What go resolves outside the plugin's directory, hashed from fctl-kit's list.
    for (const target of ['build', 'build-all', 'compat', 'test', 'typecheck']) expect(targets[target]!.inputs, target).toContainEqual({ runtime: 'npx fctl-kit inputs cmd/fctl-plugin' });
    expect(targetsFor('cmd/fctl-plugin', { name: 'ledger', service: 'ledger', version: { source: 'git-tag' } }).build!.inputs).not.toContainEqual(expect.objectContaining({ runtime: expect.stringContaining('inputs') }));
  });
});

describe('plugin --language go: the replace path', () => {
  it('is written as a directory path go understands (./ or ../), an absolute path inside the repository made relative', async () => {
    const inside = goRepository();
    await pluginGenerator(inside, { name: 'payments', language: 'go', goSdkReplace: 'third_party/sdk-go', skipWorkflows: true });
    expect(inside.read('go.mod', 'utf-8')).toContain(' => ./third_party/sdk-go\n');
    const absolute = goRepository();
    await pluginGenerator(absolute, { name: 'payments', language: 'go', goSdkReplace: `${absolute.root}/.sdk`, skipWorkflows: true });
    expect(absolute.read('go.mod', 'utf-8')).toContain(' => ./.sdk\n');
  });
});
