// The inferred targets: what createNodes gives for a cmd/fctl-plugin, with inputs that make Nx's
// cache right (the version source is one of them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createNodes } from '../src/index.js';
import { RELEASE_BACKENDS } from '../src/generators/plugin/generated/release-backends.js';

const workspace = mkdtempSync(join(tmpdir(), 'nx-workspace-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function plugin(root: string, version: Record<string, string>): string {
  mkdirSync(join(workspace, root), { recursive: true });
  writeFileSync(join(workspace, root, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version }));
  return `${root}/fctl-plugin.json`;
}

it('infers build, build-all, dev, test, compat, typecheck, release and verify-version for every fctl-plugin.json', async () => {
  const files = [plugin('cmd/fctl-plugin', { source: 'package-json', path: '../../package.json' }), plugin('services/wallets/cmd/fctl-plugin', { source: 'git-tag' })];
  const results = await createNodes[1](files, {}, { workspaceRoot: workspace, nxJsonConfiguration: {} });
  const [first, second] = results.map(([, result]) => result.projects!);
  const targets = first!['cmd/fctl-plugin']!.targets!;
  expect(Object.keys(targets)).toEqual(['build', 'build-all', 'dev', 'test', 'compat', 'typecheck', 'release', 'verify-version-source', 'verify-version']);
  expect(targets.build).toMatchObject({
    command: 'npx fctl-kit build {projectRoot} --targets host --compression none --out {projectRoot}/dist/host',
    cache: true,
    outputs: ['{projectRoot}/dist/host'],
    inputs: ['default', '^production', '{workspaceRoot}/package.json', { externalDependencies: ['@fctl-kit/cli'] }],
  });
  expect(targets['build-all']!.inputs).toContainEqual({ env: 'FCTL_KIT_SIGNING_KEY' });
  expect(targets['verify-version']).toMatchObject({ command: 'npx fctl-kit verify-version {projectRoot} --build-dir {projectRoot}/dist/release', dependsOn: ['build-all'], cache: false });
  // The sources are checked before build-all builds anything; the built binary after.
  expect(targets['build-all']!.dependsOn).toEqual(['verify-version-source']);
  expect(targets['verify-version-source']).toMatchObject({ command: 'npx fctl-kit verify-version {projectRoot}', cache: false });
  expect(targets['verify-version-source']!.dependsOn).toBeUndefined();
  expect(targets.dev).toMatchObject({ command: 'npx fctl-kit dev {projectRoot}', continuous: true });
  expect(targets.dev!.cache).toBeUndefined();
  expect(targets.compat).toMatchObject({ command: 'npx fctl-kit compat {projectRoot} --build-dir {projectRoot}/dist/host', dependsOn: ['build'], cache: true });
  expect(targets.release).toMatchObject({ command: 'npx fctl-kit release {projectRoot} --build-dir {projectRoot}/dist/release', dependsOn: ['build-all'], cache: false });
  // A git-tag source: the tags on HEAD, the nearest tag (a snapshot build's version) and snapshot mode itself.
  const tagged = second!['services/wallets/cmd/fctl-plugin']!.targets!;
  for (const target of ['build', 'build-all', 'compat'] as const) {
    expect(tagged[target]!.inputs).toEqual(expect.arrayContaining([{ runtime: 'git tag --points-at HEAD' }, { runtime: 'git describe --tags --abbrev=0 --always' }, { env: 'FCTL_KIT_SNAPSHOT' }]));
  }
  expect(targets.build!.inputs).not.toContainEqual({ env: 'FCTL_KIT_SNAPSHOT' });
});

it('runs fctl-kit the way the workspace says', async () => {
  const results = await createNodes[1]([plugin('cmd/fctl-plugin', { source: 'git-tag' })], { fctlKit: 'node tools/fctl-kit.js' }, { workspaceRoot: workspace, nxJsonConfiguration: {} });
  expect(results[0]![1].projects!['cmd/fctl-plugin']!.targets!.build!.command).toBe('node tools/fctl-kit.js build {projectRoot} --targets host --compression none --out {projectRoot}/dist/host');
});

// A fctl-plugin.json is read with its schema: a damaged one is reported with its file and the place
// (Nx prints the AggregateCreateNodesError per file), never as a TypeError, and the other plugins'
// projects are still inferred.
it.each([
  ['{ "name": "ledger", ', 'cannot read'],
  ['null', 'must be an object; got null'],
  ['[]', 'must be an object; got a list'],
  ['{ "name": "ledger", "service": "ledger", "version": null }', 'version must be an object; got null'],
  ['{ "name": "ledger", "service": "ledger" }', 'version is missing'],
  ['{ "name": "ledger", "service": "ledger", "version": { "source": "package-json" } }', 'version.path is missing'],
  ['{ "name": "ledger", "service": "ledger", "version": { "source": "svn" } }', 'version.source must be one of git-tag, package-json, file; got "svn"'],
  ['{ "name": "ledger", "service": "ledger", "version": { "source": "git-tag" }, "release": { "backends": [{ "backend": "ftp" }] } }', `release.backends[0].backend must be one of ${Object.keys(RELEASE_BACKENDS).join(', ')}; got "ftp"`],
])('names the file and the place of a damaged fctl-plugin.json: %s', async (text, problem) => {
  const good = plugin('good/cmd/fctl-plugin', { source: 'git-tag' });
  mkdirSync(join(workspace, 'bad/cmd/fctl-plugin'), { recursive: true });
  writeFileSync(join(workspace, 'bad/cmd/fctl-plugin/fctl-plugin.json'), text);
  const bad = 'bad/cmd/fctl-plugin/fctl-plugin.json';
  const error = await Promise.resolve(createNodes[1]([good, bad], {}, { workspaceRoot: workspace, nxJsonConfiguration: {} })).then(
    () => undefined,
    (thrown: unknown) => thrown as { errors: [string, Error][]; partialResults: [string, unknown][] },
  );
  expect(error?.constructor.name).toBe('AggregateCreateNodesError');
  expect(error!.errors.map(([file]) => file)).toEqual([bad]);
  const cause = error!.errors[0]![1];
  expect(cause).not.toBeInstanceOf(TypeError);
  expect(cause.message).toContain(join(workspace, bad));
  expect(cause.message).toContain(problem);
  expect(error!.partialResults.map(([file]) => file)).toEqual([good]);
});

it('names a Go plugin without package.json <name>-fctl-plugin (the project the generated workflows run), with go test and go vet', async () => {
  const root = 'go/cmd/fctl-plugin';
  mkdirSync(join(workspace, root), { recursive: true });
  writeFileSync(join(workspace, root, 'fctl-plugin.json'), JSON.stringify({ name: 'payments', service: 'payments', language: 'go', version: { source: 'git-tag' } }));
  const results = await createNodes[1]([`${root}/fctl-plugin.json`], {}, { workspaceRoot: workspace, nxJsonConfiguration: {} });
  const project = results[0]![1].projects![root]!;
  expect(project.name).toBe('payments-fctl-plugin');
  expect(project.targets!.test).toMatchObject({ command: 'go test ./...', options: { cwd: '{projectRoot}' } });
  expect(project.targets!.typecheck).toMatchObject({ command: 'go vet ./...' });
});
