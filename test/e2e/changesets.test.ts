// changesets in a JavaScript product repository: the real `nx generate` puts the service and the
// plugin in one fixed group; a recorded changeset, `changeset version` and `changeset tag` give both
// the same new version and the release tag; fctl-kit reads that version and accepts that tag, and
// refuses a plugin package whose version was edited by hand.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { actionlint } from '../support/actionlint.js';
import { exec, fctlKit } from '../support/exec.js';
import { repoRoot } from '../support/paths.js';

let product: string;
const pluginDir = 'services/ledger/cmd/fctl-plugin';
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: product, encoding: 'utf8' });
const nx = (args: string[]) => exec(process.execPath, [join(repoRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], { cwd: product, env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', NO_COLOR: '1' } });
// changeset tag makes annotated tags: a git identity is needed even where none is configured (CI).
const identity = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
const changeset = (args: string[]) => exec(join(repoRoot, 'node_modules', '.bin', 'changeset'), args, { cwd: product, env: { FORCE_COLOR: '0', NO_COLOR: '1', ...identity } });
const versionOf = (path: string) => (JSON.parse(readFileSync(join(product, path), 'utf8')) as { version: string }).version;

beforeAll(() => {
  product = mkdtempSync(join(tmpdir(), 'changesets-'));
  writeFileSync(join(product, 'package.json'), JSON.stringify({ name: 'acme', private: true, workspaces: ['services/*'] }, null, 2));
  writeFileSync(join(product, 'nx.json'), '{}\n');
  mkdirSync(join(product, 'services', 'ledger'), { recursive: true });
  writeFileSync(join(product, 'services', 'ledger', 'package.json'), JSON.stringify({ name: '@acme/ledger', version: '3.2.0', private: true }, null, 2));
  writeFileSync(join(product, '.gitignore'), 'node_modules\n.nx\n');
  symlinkSync(join(repoRoot, 'node_modules'), join(product, 'node_modules'));
  git('init', '-q', '-b', 'main');
});
afterAll(() => {
  if (product) rmSync(product, { recursive: true, force: true });
});

it('versions and tags the service and its plugin together', async () => {
  const options = ['g', '@fctl-kit/nx:plugin', 'ledger', '--directory', pluginDir, '--versionSource', 'package-json', '--compatibleWith', '>=3.0.0 <4.0.0', '--skipPackageJson'];
  const dryRun = await nx([...options, '--dry-run']);
  expect(dryRun.code, dryRun.stderr + dryRun.stdout).toBe(0);
  expect(dryRun.stdout).toContain('CREATE .changeset/config.json');
  expect(existsSync(join(product, '.changeset'))).toBe(false);
  expect(existsSync(join(product, pluginDir))).toBe(false);

  const generated = await nx(options);
  expect(generated.code, generated.stderr + generated.stdout).toBe(0);
  expect(JSON.parse(readFileSync(join(product, '.changeset', 'config.json'), 'utf8')).fixed).toEqual([['@acme/ledger', 'ledger-fctl-plugin']]);
  expect(versionOf(`${pluginDir}/package.json`)).toBe('3.2.0');
  expect(readFileSync(join(product, '.github', 'workflows', 'fctl-plugin-ledger-release.yml'), 'utf8')).toContain("tags:\n      - '@acme/ledger@[0-9]+.[0-9]+.[0-9]+*'");
  const linted = await actionlint(product, ['.github/workflows/fctl-plugin-ledger.yml', '.github/workflows/fctl-plugin-ledger-release.yml']);
  expect(linted.code, linted.stdout + linted.stderr).toBe(0);
  const broken = join(product, '.github', 'workflows', 'broken.yml');
  writeFileSync(broken, readFileSync(join(product, '.github', 'workflows', 'fctl-plugin-ledger.yml'), 'utf8').replace('fetch-depth', 'fetch-dept'));
  const refused = await actionlint(product, ['.github/workflows/broken.yml']);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('input "fetch-dept" is not defined in action "actions/checkout@v4"');
  rmSync(broken);
  git('add', '-A');
  git('commit', '-qm', 'ledger plugin');

  writeFileSync(join(product, '.changeset', 'accounts-api.md'), '---\n"@acme/ledger": minor\n---\n\nLedger 3.3: the accounts API\n');
  git('add', '-A');
  git('commit', '-qm', 'changeset');
  const versioned = await changeset(['version']);
  expect(versioned.code, versioned.stderr + versioned.stdout).toBe(0);
  expect(versionOf('services/ledger/package.json')).toBe('3.3.0');
  expect(versionOf(`${pluginDir}/package.json`)).toBe('3.3.0');
  expect(readFileSync(join(product, pluginDir, 'CHANGELOG.md'), 'utf8')).toContain('## 3.3.0');
  expect(existsSync(join(product, '.changeset', 'accounts-api.md'))).toBe(false);

  git('add', '-A');
  git('commit', '-qm', 'Version Packages');
  const tagged = await changeset(['tag']);
  expect(tagged.code, tagged.stderr + tagged.stdout).toBe(0);
  expect(git('tag', '--points-at', 'HEAD').split('\n').filter(Boolean).sort()).toEqual(['@acme/ledger@3.3.0', 'ledger-fctl-plugin@3.3.0']);

  expect((await fctlKit(['version', pluginDir], { cwd: product })).stdout).toBe('3.3.0\n');
  const verified = await fctlKit(['verify-version', pluginDir], { cwd: product });
  expect(verified.code, verified.stderr).toBe(0);
  expect(verified.stderr).toMatch(/^ok: 3\.3\.0 \(.*services\/ledger\/package\.json\); the plugin's package\.json says 3\.3\.0; the release tag is 3\.3\.0\n$/);

  const pluginPackage = join(product, pluginDir, 'package.json');
  writeFileSync(pluginPackage, readFileSync(pluginPackage, 'utf8').replace('"version": "3.3.0"', '"version": "3.3.1"'));
  const edited = await fctlKit(['verify-version', pluginDir], { cwd: product });
  expect(edited.code).toBe(1);
  expect(edited.stderr).toContain(`the plugin's package.json says 3.3.1 (${pluginPackage}), but the service version is 3.3.0 (${join(product, 'services', 'ledger', 'package.json')})`);
}, 120_000);
